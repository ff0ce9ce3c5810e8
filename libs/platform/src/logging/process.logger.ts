import { ConsoleLogger } from '@nestjs/common';
import { context, trace } from '@opentelemetry/api';

/** The trace and span a log line was written in, as log backends join them to traces. */
export function traceLogFields(): { trace_id?: string; span_id?: string } {
  const span = trace.getSpanContext(context.active());
  if (!span || !trace.isSpanContextValid(span)) return {};
  return { trace_id: span.traceId, span_id: span.spanId };
}

/**
 * The logger of every process: Nest's ConsoleLogger, readable text (the embedded process, and
 * service processes outside production) or one JSON object per line (service processes in
 * production); a JSON line written inside a span carries its `trace_id` and `span_id`.
 */
export class ProcessLogger extends ConsoleLogger {
  protected override getJsonLogObject(
    message: unknown,
    options: Parameters<ConsoleLogger['getJsonLogObject']>[1],
  ): ReturnType<ConsoleLogger['getJsonLogObject']> {
    return { ...super.getJsonLogObject(message, options), ...traceLogFields() };
  }
}
