import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One span as an OTLP/HTTP receiver got it, flattened with its resource's service name. */
export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string | undefined;
  name: string;
  /** OTLP's SpanKind: 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
  kind: number;
  service: string;
  attributes: Record<string, string | number | boolean>;
  /** OTLP's status code: 0 unset, 1 ok, 2 error. */
  statusCode: number;
}

export interface OtlpReceiver {
  /** What to give OTEL_EXPORTER_OTLP_ENDPOINT (the exporters add /v1/traces). */
  readonly endpoint: string;
  spans(): ReceivedSpan[];
  /** Requests that were not JSON traces (e.g. protobuf): a keeping receiver answers them 415. */
  rejected(): number;
  /** Trace export requests answered 200, and their bytes. */
  received(): { requests: number; bytes: number };
  close(): Promise<void>;
}

interface OtlpValue {
  stringValue?: string;
  intValue?: string | number;
  doubleValue?: number;
  boolValue?: boolean;
  arrayValue?: { values?: OtlpValue[] };
}

interface OtlpAttribute {
  key: string;
  value: OtlpValue;
}

interface OtlpTraces {
  resourceSpans?: {
    resource?: { attributes?: OtlpAttribute[] };
    scopeSpans?: {
      spans?: {
        traceId: string;
        spanId: string;
        parentSpanId?: string;
        name: string;
        kind: number;
        attributes?: OtlpAttribute[];
        status?: { code?: number };
      }[];
    }[];
  }[];
}

/** OTLP/JSON ids are hex; some encoders send base64: both come out as hex. */
function hexId(id: string | undefined): string | undefined {
  if (!id) return undefined;
  return /^[0-9a-f]+$/i.test(id) ? id.toLowerCase() : Buffer.from(id, 'base64').toString('hex');
}

function plain(value: OtlpValue): string | number | boolean {
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.intValue !== undefined) return Number(value.intValue);
  if (value.doubleValue !== undefined) return value.doubleValue;
  if (value.boolValue !== undefined) return value.boolValue;
  if (value.arrayValue) return (value.arrayValue.values ?? []).map(plain).join(',');
  return '';
}

function attributesOf(list: OtlpAttribute[] | undefined): ReceivedSpan['attributes'] {
  return Object.fromEntries((list ?? []).map((a) => [a.key, plain(a.value)]));
}

/**
 * A local OTLP/HTTP trace receiver for tests and benchmarks: accepts POST /v1/traces in the JSON
 * encoding (OTEL_EXPORTER_OTLP_PROTOCOL=http/json) and keeps the spans; with `keep: false` it
 * accepts any encoding (the default protobuf too) and only counts what it got (a benchmark's sink).
 */
export async function startOtlpReceiver(options: { keep?: boolean } = {}): Promise<OtlpReceiver> {
  const received: ReceivedSpan[] = [];
  let rejected = 0;
  const accepted = { requests: 0, bytes: 0 };
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const json = (request.headers['content-type'] ?? '').includes('json');
      const keep = options.keep !== false;
      if (request.method !== 'POST' || request.url !== '/v1/traces' || (keep && !json)) {
        rejected++;
        response.writeHead(request.url === '/v1/traces' ? 415 : 404).end();
        return;
      }
      accepted.requests++;
      accepted.bytes += chunks.reduce((sum, chunk) => sum + chunk.length, 0);
      if (keep) {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as OtlpTraces;
        for (const resourceSpans of body.resourceSpans ?? []) {
          const service = String(
            attributesOf(resourceSpans.resource?.attributes)['service.name'] ?? '',
          );
          for (const scope of resourceSpans.scopeSpans ?? []) {
            for (const span of scope.spans ?? []) {
              received.push({
                traceId: hexId(span.traceId) ?? '',
                spanId: hexId(span.spanId) ?? '',
                parentSpanId: hexId(span.parentSpanId),
                name: span.name,
                kind: span.kind,
                service,
                attributes: attributesOf(span.attributes),
                statusCode: span.status?.code ?? 0,
              });
            }
          }
        }
      }
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    spans: () => [...received],
    rejected: () => rejected,
    received: () => ({ ...accepted }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
