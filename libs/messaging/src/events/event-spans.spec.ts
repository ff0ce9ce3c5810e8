import { randomUUID } from 'node:crypto';
import { SpanKind, trace } from '@opentelemetry/api';
import {
  InMemorySpanExporter,
  SimpleSpanProcessor,
  TracerProvider,
} from '@opentelemetry/sdk-trace';
import { eventCatalog, TaskStarted, Topics, type EventEnvelope } from '@studypath/contracts';
import { currentTraceparent, installTraceContext } from '@studypath/platform';
import { envelope } from '@studypath/testing';
import { InProcessBus } from '../in-process/in-process.bus';
import { dispatchEvents, encodeEvent, eventPublisher } from './event-codec';

const PARENT_SPAN = '00f067aa0ba902b7';
const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';

function started(): EventEnvelope {
  return envelope(
    TaskStarted,
    { task_id: randomUUID(), path_id: randomUUID() },
    { user_id: 'user-7', traceparent: `00-${TRACE_ID}-${PARENT_SPAN}-01` },
  );
}

describe('messaging spans (OpenTelemetry messaging conventions)', () => {
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });

  beforeAll(() => {
    installTraceContext();
    trace.setGlobalTracerProvider(provider);
  });

  afterEach(() => exporter.reset());

  afterAll(async () => {
    trace.disable();
    await provider.shutdown();
  });

  it("handles an event in a consumer span, a child of the span that appended it, with the message's attributes", async () => {
    const event = started();
    const encoded = encodeEvent(event);
    const message = { ...encoded, partition: 2, offset: '41', headers: encoded.headers ?? {} };
    let inside = '';
    await dispatchEvents(
      () => 'target',
      async () => {
        inside = currentTraceparent();
      },
      eventCatalog,
      { group: 'task-generation', system: 'kafka' },
    )(message);

    const [span, ...more] = exporter.getFinishedSpans();
    expect(more).toEqual([]);
    expect(span?.name).toBe(`process ${Topics.taskEvents}`);
    expect(span?.kind).toBe(SpanKind.CONSUMER);
    expect(span?.spanContext().traceId).toBe(TRACE_ID);
    expect(span?.parentSpanContext?.spanId).toBe(PARENT_SPAN);
    expect(span?.attributes).toEqual({
      'messaging.system': 'kafka',
      'messaging.operation.type': 'process',
      'messaging.operation.name': 'process',
      'messaging.destination.name': Topics.taskEvents,
      'messaging.destination.partition.id': '2',
      'messaging.consumer.group.name': 'task-generation',
      'messaging.kafka.offset': 41,
      'messaging.message.body.size': Buffer.byteLength(message.value),
      'messaging.message.id': event.event_id,
      'messaging.message.conversation_id': event.correlation_id,
      'messaging.kafka.message.key': 'user-7',
      'studypath.event_type': 'task.started',
    });
    expect(inside).toBe(`00-${TRACE_ID}-${span?.spanContext().spanId}-01`);
  });

  it('publishes each event in a producer span of its own trace, and leaves its traceparent header as it was', async () => {
    const bus = new InProcessBus(1);
    await bus.ensureTopics([{ name: Topics.taskEvents, partitions: 1 }]);
    const headers: Record<string, string>[] = [];
    await bus.subscribe({
      group: 'watcher',
      topics: [Topics.taskEvents],
      handler: async (message) => {
        headers.push(message.headers);
      },
    });
    const event = started();
    await eventPublisher(bus)([event]);
    await bus.close();

    const send = exporter.getFinishedSpans().find((s) => s.kind === SpanKind.PRODUCER);
    expect(send?.name).toBe(`send ${Topics.taskEvents}`);
    expect(send?.parentSpanContext?.spanId).toBe(PARENT_SPAN);
    expect(send?.attributes).toMatchObject({
      'messaging.system': 'in-process',
      'messaging.operation.type': 'send',
      'messaging.destination.name': Topics.taskEvents,
      'messaging.message.id': event.event_id,
    });
    expect(headers[0]?.traceparent).toBe(event.traceparent);
  });
});
