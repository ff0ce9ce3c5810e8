import 'reflect-metadata';
import { EvaluationServiceModule } from '@studypath/evaluation-service';
import { runProcess } from '@studypath/platform';

void runProcess({
  name: 'evaluation-service',
  role: 'service',
  service: 'evaluation',
  modules: [EvaluationServiceModule],
});
