import { randomBytes } from 'node:crypto';
import {
  context,
  propagation,
  ROOT_CONTEXT,
  SpanStatusCode,
  trace,
  TraceFlags,
  type Context,
  type Span,
  type SpanContext,
  type SpanOptions,
} from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';

let installed = false;

/**
 * Makes the OpenTelemetry context follow async work and speak W3C trace context. Idempotent; a
 * no-op once the tracing SDK has installed its own (see startTracing).
 */
export function installTraceContext(): void {
  if (installed) return;
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  installed = true;
}

/** The tracing SDK registered its context manager and propagator: ours must not replace them. */
export function markTraceContextInstalled(): void {
  installed = true;
}

function toTraceparent(span: SpanContext): string {
  const flags = (span.traceFlags & TraceFlags.SAMPLED) === TraceFlags.SAMPLED ? '01' : '00';
  return `00-${span.traceId}-${span.spanId}-${flags}`;
}

/** The W3C traceparent of the active context, or of a new trace when there is none. */
export function currentTraceparent(): string {
  installTraceContext();
  const span = trace.getSpanContext(context.active());
  if (span && trace.isSpanContextValid(span)) return toTraceparent(span);
  return toTraceparent({
    traceId: randomBytes(16).toString('hex'),
    spanId: randomBytes(8).toString('hex'),
    traceFlags: TraceFlags.SAMPLED,
  });
}

/**
 * Runs `work` as a new hop of the trace that `traceparent` names (same trace, a new span id), so
 * events it produces carry the trace on. A missing or malformed traceparent starts a new trace.
 * With the tracing SDK running, the hop is a recorded span (`span` names it, e.g. a consumer's
 * `process` span) whose parent is the traceparent's span; without it, a bare span id, so that the
 * trace still flows through the events.
 */
export function continueTrace<T>(
  traceparent: string | null | undefined,
  work: () => Promise<T>,
  span?: { name: string } & SpanOptions,
): Promise<T> {
  const parent = parentOf(traceparent);
  if (span) {
    const { name, ...options } = span;
    const parentContext = parent ? trace.setSpanContext(ROOT_CONTEXT, parent) : ROOT_CONTEXT;
    const recorded = startRecordedSpan(name, { root: !parent, ...options }, parentContext);
    if (recorded) return runWithin(recorded, parentContext, work);
  }
  const hop: SpanContext = {
    traceId: parent?.traceId ?? randomBytes(16).toString('hex'),
    spanId: randomBytes(8).toString('hex'),
    traceFlags: parent?.traceFlags ?? TraceFlags.SAMPLED,
  };
  return context.with(trace.setSpanContext(ROOT_CONTEXT, hop), work);
}

/**
 * Starts a span of the tracing SDK whose parent is the span `traceparent` names (a new trace when
 * it names none), for work that ends later (a publish in flight); undefined without the SDK.
 */
export function startSpanUnder(
  traceparent: string | null | undefined,
  { name, ...options }: { name: string } & SpanOptions,
): Span | undefined {
  const parent = parentOf(traceparent);
  return startRecordedSpan(
    name,
    { root: !parent, ...options },
    parent ? trace.setSpanContext(ROOT_CONTEXT, parent) : ROOT_CONTEXT,
  );
}

/** The span a W3C traceparent names; undefined when it is missing or malformed. */
function parentOf(traceparent: string | null | undefined): SpanContext | undefined {
  installTraceContext();
  if (!traceparent) return undefined;
  const parent = trace.getSpanContext(propagation.extract(ROOT_CONTEXT, { traceparent }));
  return parent && trace.isSpanContextValid(parent) ? parent : undefined;
}

/** Ends `span` as failed with `error`. */
export function endSpanWithError(span: Span, error: unknown): void {
  span.recordException(error instanceof Error ? error : String(error));
  span.setStatus({
    code: SpanStatusCode.ERROR,
    message: error instanceof Error ? error.message : String(error),
  });
  span.end();
}

/** The tracer of StudyPath's own spans (commands, relays, consumers, the sandbox, ...). */
export const TRACER_NAME = 'studypath';

/**
 * A new span of the tracing SDK under `parent`, or undefined when no SDK records spans (the API's
 * no-op tracer hands back the parent's own span context, or an invalid one).
 */
function startRecordedSpan(name: string, options: SpanOptions, parent: Context): Span | undefined {
  const span = trace.getTracer(TRACER_NAME).startSpan(name, options, parent);
  const created = span.spanContext();
  const parentSpan = trace.getSpanContext(parent);
  if (!trace.isSpanContextValid(created) || created.spanId === parentSpan?.spanId) return undefined;
  return span;
}

/** Runs `work` with `span` active under `parent`; a throw marks the span as an error. Ends it. */
async function runWithin<T>(span: Span, parent: Context, work: () => Promise<T>): Promise<T> {
  let result: T;
  try {
    result = await context.with(trace.setSpan(parent, span), work);
  } catch (error) {
    endSpanWithError(span, error);
    throw error;
  }
  span.end();
  return result;
}

/**
 * Runs `work` in a span of its own, a child of the active one (a command, a sandbox run, a call to
 * the problem bank...). Without the tracing SDK it just runs `work`: nothing is recorded.
 */
export function inSpan<T>(
  name: string,
  options: SpanOptions,
  work: (span: Span | undefined) => Promise<T>,
): Promise<T> {
  const parent = context.active();
  const span = startRecordedSpan(name, options, parent);
  return span ? runWithin(span, parent, () => work(span)) : work(undefined);
}

/**
 * The traceparent an appended event records when the caller names one (the event it reacts to):
 * the active span's when it belongs to that same trace (we run inside the handling of that event,
 * so the new event is a child of this hop, not a sibling of it), else the caller's.
 */
export function traceparentFor(given: string | undefined): string {
  if (!given) return currentTraceparent();
  const active = trace.getSpanContext(context.active());
  if (active && trace.isSpanContextValid(active) && given.split('-')[1] === active.traceId)
    return toTraceparent(active);
  return given;
}
