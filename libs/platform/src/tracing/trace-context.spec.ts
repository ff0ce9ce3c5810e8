import { context, SpanKind, trace } from '@opentelemetry/api';
import {
  InMemorySpanExporter,
  SimpleSpanProcessor,
  TracerProvider,
} from '@opentelemetry/sdk-trace';
import {
  continueTrace,
  currentTraceparent,
  inSpan,
  installTraceContext,
  startSpanUnder,
  traceparentFor,
} from './trace-context';

const PARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';

describe('trace context without the tracing SDK', () => {
  beforeAll(() => installTraceContext());

  it('continues a traceparent as a new hop of the same trace, and events in it record the hop', async () => {
    const seen = await continueTrace(PARENT, async () => currentTraceparent(), {
      name: 'process studypath.task-events.v1',
      kind: SpanKind.CONSUMER,
    });
    const [, traceId, spanId] = seen.split('-');
    expect(traceId).toBe(TRACE_ID);
    expect(spanId).not.toBe('00f067aa0ba902b7');
    expect(spanId).toMatch(/^[0-9a-f]{16}$/);
  });

  it('starts a new trace for a missing or malformed traceparent', async () => {
    for (const given of [null, 'not-a-traceparent']) {
      const seen = await continueTrace(given, async () => currentTraceparent());
      expect(seen).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
      expect(seen.split('-')[1]).not.toBe(TRACE_ID);
    }
  });

  it('runs work in inSpan with no span, and records none', async () => {
    expect(await inSpan('sandbox run', {}, async (span) => span)).toBeUndefined();
    expect(startSpanUnder(PARENT, { name: 'send' })).toBeUndefined();
  });
});

describe('trace context with the tracing SDK', () => {
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({
    spanProcessors: [new SimpleSpanProcessor({ exporter })],
  });

  beforeAll(() => {
    installTraceContext();
    trace.setGlobalTracerProvider(provider);
  });

  afterEach(() => exporter.reset());

  afterAll(async () => {
    trace.disable();
    await provider.shutdown();
  });

  it("makes a consumer span whose parent is the traceparent's span, with its attributes", async () => {
    const inside = await continueTrace(PARENT, async () => currentTraceparent(), {
      name: 'process studypath.task-events.v1',
      kind: SpanKind.CONSUMER,
      attributes: { 'messaging.system': 'kafka' },
    });
    const [span, ...more] = exporter.getFinishedSpans();
    expect(more).toEqual([]);
    expect(span?.name).toBe('process studypath.task-events.v1');
    expect(span?.kind).toBe(SpanKind.CONSUMER);
    expect(span?.attributes).toEqual({ 'messaging.system': 'kafka' });
    expect(span?.spanContext().traceId).toBe(TRACE_ID);
    expect(span?.parentSpanContext?.spanId).toBe('00f067aa0ba902b7');
    // What the handler appends records the consumer span as its parent.
    expect(inside).toBe(`00-${TRACE_ID}-${span?.spanContext().spanId}-01`);
  });

  it('nests inSpan under the active span and marks a failure as an error', async () => {
    await expect(
      continueTrace(
        PARENT,
        () =>
          inSpan('sandbox run', {}, async () => {
            throw new Error('bwrap went away');
          }),
        { name: 'process' },
      ),
    ).rejects.toThrow('bwrap went away');
    const [child, parent] = exporter.getFinishedSpans();
    expect(child?.name).toBe('sandbox run');
    expect(child?.parentSpanContext?.spanId).toBe(parent?.spanContext().spanId);
    expect(child?.status).toMatchObject({ code: 2, message: 'bwrap went away' });
    expect(parent?.status.code).toBe(2);
  });

  it('records the active span as the traceparent of events that react to an event of the same trace', async () => {
    await continueTrace(
      PARENT,
      async () => {
        const active = trace.getSpanContext(context.active());
        expect(traceparentFor(PARENT)).toBe(`00-${TRACE_ID}-${active?.spanId}-01`);
        // An event of another trace (a sweeper acting on a stored submission) keeps its own.
        const other = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
        expect(traceparentFor(other)).toBe(other);
      },
      { name: 'process' },
    );
    expect(traceparentFor(PARENT)).toBe(PARENT);
  });

  it('starts a producer span under an event that ends later', () => {
    const span = startSpanUnder(PARENT, {
      name: 'send studypath.task-events.v1',
      kind: SpanKind.PRODUCER,
    });
    span?.end();
    const [sent] = exporter.getFinishedSpans();
    expect(sent?.kind).toBe(SpanKind.PRODUCER);
    expect(sent?.parentSpanContext?.spanId).toBe('00f067aa0ba902b7');
  });
});
