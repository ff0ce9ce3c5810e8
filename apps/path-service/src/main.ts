import './tracing';
import 'reflect-metadata';
import { PathServiceModule } from '@studypath/path-service';
import { runProcess } from '@studypath/platform';

void runProcess({
  name: 'path-service',
  role: 'service',
  service: 'path',
  modules: [PathServiceModule],
});
