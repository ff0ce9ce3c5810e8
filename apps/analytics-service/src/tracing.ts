import { startTracing } from '@studypath/platform/tracing';

// Imported first by main.ts: the SDK must start before the libraries it instruments are loaded.
startTracing('studypath-analytics');
