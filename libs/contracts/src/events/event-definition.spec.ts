import type { EventEnvelope } from './envelope';
import { isEnvelopeOf } from './event-definition';
import { PATH_EVENTS, PathResumed, TaskStarted } from './path.events';

const envelope = (event_type: string): EventEnvelope => ({
  event_id: '00000000-0000-4000-8000-000000000001',
  event_type,
  schema_version: 1,
  stream_id: 'path-1',
  stream_position: 1,
  global_position: 1,
  user_id: 'user-1',
  occurred_at: '2026-11-01T00:00:00.000Z',
  correlation_id: 'c',
  causation_id: null,
  traceparent: null,
  data: {},
});

describe('isEnvelopeOf', () => {
  it('knows an envelope by the type of one of the definitions', () => {
    expect(isEnvelopeOf(PATH_EVENTS, envelope('path.resumed'))).toBe(true);
    expect(isEnvelopeOf([PathResumed, TaskStarted], envelope('task.started'))).toBe(true);
  });

  it('refuses a type none of them defines', () => {
    expect(isEnvelopeOf(PATH_EVENTS, envelope('evaluation.completed'))).toBe(false);
    expect(isEnvelopeOf([PathResumed], envelope('task.started'))).toBe(false);
  });
});
