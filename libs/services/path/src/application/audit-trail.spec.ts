import type { EventEnvelope } from '@studypath/contracts';
import { auditBatch } from './audit-trail';

const path_id = '6f1c2f4e-8d61-4b2a-9f5e-2b8d7c3a1e01';

function envelope(global_position: number, event_type = 'path.resumed'): EventEnvelope {
  return {
    event_id: `00000000-0000-4000-8000-${String(global_position).padStart(12, '0')}`,
    event_type,
    schema_version: 1,
    stream_id: `path-${path_id}`,
    stream_position: global_position,
    global_position,
    user_id: 'user-1',
    occurred_at: '2026-11-01T00:00:00.000Z',
    correlation_id: 'c',
    causation_id: null,
    traceparent: null,
    data: { path_id },
  };
}

describe('a batch of an audit trail', () => {
  it('continues after its last event while batches come back full', () => {
    const batch = auditBatch([envelope(4), envelope(9)], 2);
    expect(batch.nextAfter).toBe(9);
    expect(batch.events.map((e) => e.global_position)).toEqual([4, 9]);
  });

  it('ends with a short batch, or an empty one', () => {
    expect(auditBatch([envelope(4)], 2).nextAfter).toBeNull();
    expect(auditBatch([], 2)).toEqual({ events: [], nextAfter: null });
  });

  it("refuses an event the path service never writes: the log is not the path service's", () => {
    expect(() => auditBatch([envelope(1, 'evaluation.completed')], 10)).toThrow(
      'evaluation.completed',
    );
  });
});
