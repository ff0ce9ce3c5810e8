import { randomUUID } from 'node:crypto';
import {
  EventSchemaError,
  TaskStarted,
  Topics,
  type EventEnvelope,
  TaskHintRequested,
} from '@studypath/contracts';
import { currentTraceparent } from '@studypath/platform';
import { envelope } from '@studypath/testing';
import { NonRetriableError, type IncomingMessage } from '../bus/message-bus';
import { decodeEvent, encodeEvent, eventHandler } from './event-codec';

/** A valid task.started of user-7, in a trace. */
function started(): EventEnvelope {
  return envelope(
    TaskStarted,
    { task_id: randomUUID(), path_id: randomUUID() },
    { user_id: 'user-7', traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' },
  );
}

function asIncoming(value: string, headers: Record<string, string> = {}): IncomingMessage {
  return { topic: Topics.taskEvents, partition: 0, offset: '0', key: 'user-7', value, headers };
}

describe('event codec', () => {
  it("puts an event on its type's topic, keyed by user, with routing and trace headers", () => {
    const event = started();
    const message = encodeEvent(event);

    expect(message.topic).toBe(Topics.taskEvents);
    expect(message.key).toBe('user-7');
    expect(JSON.parse(message.value)).toEqual(event);
    expect(message.headers).toMatchObject({
      event_type: 'task.started',
      schema_version: '1',
      traceparent: event.traceparent,
      event_id: event.event_id,
    });
  });

  it('refuses to publish an event that breaks its schema, naming the field', () => {
    const bad = envelope('task.started', {
      task_id: 'not-a-uuid',
      path_id: randomUUID(),
      extra: 1,
    });

    expect(() => encodeEvent(bad)).toThrow(EventSchemaError);
    expect(() => encodeEvent(bad)).toThrow(/task_id must match format "uuid"/);
    expect(() => encodeEvent(bad)).toThrow(/extra is not allowed/);
  });

  it('upcasts an event of an older schema version when it is consumed', () => {
    const data = { task_id: randomUUID(), path_id: randomUUID(), hint_request_id: randomUUID() };
    const old = envelope('task.hint_requested', data, { schema_version: 1 });

    const decoded = decodeEvent(asIncoming(JSON.stringify(old)));

    expect(decoded.schema_version).toBe(TaskHintRequested.version); // through every upcaster
    expect(decoded.data).toEqual({ ...data, level: 1 });
  });

  it.each([
    ['not JSON', '{oops'],
    ['no envelope', JSON.stringify({ hello: 'world' })],
    ['an unknown type', JSON.stringify(envelope('task.teleported', { task_id: randomUUID() }))],
    ['invalid data', JSON.stringify(envelope('task.started', { task_id: 1 }))],
  ])('treats %s as poison (no retry can fix it)', (_, value) => {
    expect(() => decodeEvent(asIncoming(value))).toThrow(NonRetriableError);
  });

  it('runs a handler as the next hop of the trace, and skips types it does not want', async () => {
    const seen: string[] = [];
    const handler = eventHandler(
      async (event) => {
        seen.push(`${event.event_type} ${currentTraceparent()}`);
      },
      { eventTypes: ['task.started'] },
    );
    const event = started();

    await handler(asIncoming(JSON.stringify(event), { event_type: 'task.started' }));
    await handler(asIncoming('{ignored', { event_type: 'task.skipped' }));

    expect(seen).toHaveLength(1);
    const [, traceparent] = (seen[0] as string).split(' ');
    expect(traceparent?.split('-')[1]).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(traceparent?.split('-')[2]).not.toBe('00f067aa0ba902b7');
  });
});
