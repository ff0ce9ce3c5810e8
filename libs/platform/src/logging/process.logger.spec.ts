import { trace, TraceFlags, ROOT_CONTEXT, context } from '@opentelemetry/api';
import { installTraceContext } from '../tracing/trace-context';
import { ProcessLogger } from './process.logger';

function captureStdout(write: () => void): string[] {
  const lines: string[] = [];
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    lines.push(String(chunk));
    return true;
  });
  try {
    write();
  } finally {
    spy.mockRestore();
  }
  return lines;
}

describe('ProcessLogger', () => {
  beforeAll(() => installTraceContext());

  const span = {
    traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
    spanId: '00f067aa0ba902b7',
    traceFlags: TraceFlags.SAMPLED,
  };

  it('writes JSON lines with trace_id and span_id when written inside a span', () => {
    const logger = new ProcessLogger('path-service', { json: true });
    const [line] = captureStdout(() =>
      context.with(trace.setSpanContext(ROOT_CONTEXT, span), () =>
        logger.log('submission evaluated', 'Evaluation'),
      ),
    );
    expect(JSON.parse(line ?? '')).toMatchObject({
      level: 'log',
      context: 'Evaluation',
      message: 'submission evaluated',
      trace_id: span.traceId,
      span_id: span.spanId,
    });
  });

  it('writes JSON lines without trace fields outside any span', () => {
    const logger = new ProcessLogger('path-service', { json: true });
    const [line] = captureStdout(() => logger.log('listening'));
    const parsed = JSON.parse(line ?? '') as Record<string, unknown>;
    expect(parsed.message).toBe('listening');
    expect(parsed).not.toHaveProperty('trace_id');
    expect(parsed).not.toHaveProperty('span_id');
  });

  it('writes readable text when not in JSON mode', () => {
    const logger = new ProcessLogger('studypath', { colors: false });
    const [line] = captureStdout(() =>
      context.with(trace.setSpanContext(ROOT_CONTEXT, span), () => logger.log('ready')),
    );
    expect(line).toMatch(/LOG \[studypath\] ready/);
    expect(() => JSON.parse(line ?? '')).toThrow();
  });
});
