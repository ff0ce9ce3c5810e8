import './tracing';
import 'reflect-metadata';
import { TaskGenerationServiceModule } from '@studypath/task-generation-service';
import { runProcess } from '@studypath/platform';

void runProcess({
  name: 'task-generation-service',
  role: 'service',
  service: 'task-generation',
  modules: [TaskGenerationServiceModule],
});
