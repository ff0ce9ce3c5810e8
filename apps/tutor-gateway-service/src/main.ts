import './tracing';
import 'reflect-metadata';
import { TutorGatewayServiceModule } from '@studypath/tutor-gateway-service';
import { runProcess } from '@studypath/platform';

void runProcess({
  name: 'tutor-gateway-service',
  role: 'service',
  service: 'tutor-gateway',
  modules: [TutorGatewayServiceModule],
});
