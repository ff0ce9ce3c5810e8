import { randomBytes } from 'node:crypto';
import {
  context,
  propagation,
  ROOT_CONTEXT,
  trace,
  TraceFlags,
  type SpanContext,
} from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';

let installed = false;

/** Makes the OpenTelemetry context follow async work and speak W3C trace context. Idempotent. */
export function installTraceContext(): void {
  if (installed) return;
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
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
 */
export function continueTrace<T>(
  traceparent: string | null | undefined,
  work: () => Promise<T>,
): Promise<T> {
  installTraceContext();
  const parent = traceparent
    ? trace.getSpanContext(propagation.extract(ROOT_CONTEXT, { traceparent }))
    : undefined;
  const hop: SpanContext = {
    traceId:
      parent && trace.isSpanContextValid(parent) ? parent.traceId : randomBytes(16).toString('hex'),
    spanId: randomBytes(8).toString('hex'),
    traceFlags: parent?.traceFlags ?? TraceFlags.SAMPLED,
  };
  return context.with(trace.setSpanContext(ROOT_CONTEXT, hop), work);
}
