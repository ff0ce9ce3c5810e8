import { ExpressInstrumentation } from '@opentelemetry/instrumentation-express';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';

/** Requests that are not a user's: probes and scrapes, which would only bury the traces. */
const UNTRACED_PATHS = /^\/(health|metrics)(\/|\?|$)/;

/**
 * The OpenTelemetry Node SDK with traces only (metrics and logs go their own ways), configured by
 * the standard OTEL_* variables (exporter, protocol, endpoint, headers, sampler, resource), with
 * `serviceName` and `version` as defaults that OTEL_SERVICE_NAME / OTEL_RESOURCE_ATTRIBUTES
 * override. Loaded only when tracing is on, so that a process without it loads none of this.
 *
 * The kafkajs instrumentation is left out on purpose: our bus makes the producer and consumer
 * spans itself and continues each event's own traceparent (the span that appended the event),
 * while the instrumentation would overwrite the message's traceparent header with the relay's
 * context and add a second consumer span beside ours (docs/observability.md, "Traces").
 */
export function createTracingSdk(serviceName: string, version: string): NodeSDK {
  const named = Boolean(
    process.env.OTEL_SERVICE_NAME ||
    /(^|,)\s*service\.name\s*=/.test(process.env.OTEL_RESOURCE_ATTRIBUTES ?? ''),
  );
  return new NodeSDK({
    resource: defaultResource().merge(resourceFromAttributes({ [ATTR_SERVICE_VERSION]: version })),
    // Set last by the SDK, over the detected attributes: only when the environment names none.
    serviceName: named ? undefined : serviceName,
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (request) => UNTRACED_PATHS.test(request.url ?? ''),
        requireParentforOutgoingSpans: true,
      }),
      new ExpressInstrumentation(),
      // Background loops (relays, jobs, health checks) query all the time: only queries that are
      // part of a trace are recorded.
      new PgInstrumentation({ requireParentSpan: true, ignoreConnectSpans: true }),
      new IORedisInstrumentation({ requireParentSpan: true }),
    ],
  });
}
