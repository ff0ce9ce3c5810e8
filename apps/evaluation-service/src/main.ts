import './tracing';
import 'reflect-metadata';
import { EvaluationServiceModule } from '@studypath/evaluation-service';
import { runProcess } from '@studypath/platform';
import { MAX_SANDBOX_LIMITS } from '@studypath/sandbox';

void runProcess({
  name: 'evaluation-service',
  role: 'service',
  service: 'evaluation',
  modules: [EvaluationServiceModule],
  // A shutdown lets a submission being evaluated finish: the longest a run may take.
  longestHandlerMs: MAX_SANDBOX_LIMITS.wallMs,
});
