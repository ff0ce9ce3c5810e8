import { TaskHintRequested, TaskStarted } from '@studypath/contracts';
import { envelope } from './event-envelope.factory';

describe('envelope', () => {
  it("builds an event of a definition at the definition's current version", () => {
    const data = { task_id: 'a', path_id: 'b', hint_request_id: 'c', level: 1 as const };
    const event = envelope(TaskHintRequested, data);

    expect(event).toMatchObject({
      event_type: 'task.hint_requested',
      schema_version: TaskHintRequested.version,
      stream_position: 1,
      data,
    });
  });

  it('looks the version of a type name up, and keeps what the overrides say', () => {
    const current = envelope('task.hint_requested', {});
    const old = envelope('task.hint_requested', {}, { schema_version: 1, user_id: 'user-7' });
    const unknown = envelope('task.teleported', {});

    expect(current.schema_version).toBe(TaskHintRequested.version);
    expect([old.schema_version, old.user_id]).toEqual([1, 'user-7']);
    expect(unknown.schema_version).toBe(1);
  });

  it('gives every event an id of its own', () => {
    const data = { task_id: 'a', path_id: 'b' };

    expect(envelope(TaskStarted, data).event_id).not.toBe(envelope(TaskStarted, data).event_id);
  });
});
