import './tracing';
import 'reflect-metadata';
import { AnalyticsServiceModule } from '@studypath/analytics-service';
import { runProcess } from '@studypath/platform';

void runProcess({
  name: 'analytics-service',
  role: 'service',
  service: 'analytics',
  modules: [AnalyticsServiceModule],
});
