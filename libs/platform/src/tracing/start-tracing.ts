import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { markTraceContextInstalled } from './trace-context';
import type * as TracingSdk from './tracing-sdk';

/**
 * The entry point of tracing, imported first by every process's `main` (as
 * `@studypath/platform/tracing`): it must run before pg, express, ioredis and the rest are loaded,
 * or the instrumentations cannot patch them. It imports nothing heavy itself.
 */

interface TracingState {
  serviceName: string;
  shutdown: () => Promise<void>;
}

let state: TracingState | undefined;

/** Tracing is on when an OTLP endpoint is configured, and the SDK is not disabled. */
export function tracingEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  if ((env.OTEL_SDK_DISABLED ?? '').trim().toLowerCase() === 'true') return false;
  if ((env.OTEL_TRACES_EXPORTER ?? '').trim().toLowerCase() === 'none') return false;
  return Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
}

/** The workspace's version (package.json), the `service.version` of every process. */
function workspaceVersion(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    try {
      const manifest = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (manifest.name === 'studypath' && manifest.version) return manifest.version;
    } catch {
      // no package.json here: look further up
    }
    if (path.dirname(dir) === dir) return 'unknown';
  }
}

/**
 * Starts the OpenTelemetry SDK for this process when tracing is on (see tracingEnabled), as
 * `serviceName` (e.g. `studypath-path`); otherwise does nothing at all. Idempotent.
 */
export function startTracing(serviceName: string, env: NodeJS.ProcessEnv = process.env): void {
  if (state || !tracingEnabled(env)) return;
  // Loaded here, not at the top: a process without tracing loads none of the SDK.
  const { createTracingSdk } = require('./tracing-sdk') as typeof TracingSdk;
  const sdk = createTracingSdk(serviceName, workspaceVersion());
  sdk.start();
  markTraceContextInstalled();
  state = { serviceName, shutdown: () => sdk.shutdown() };
}

/** The name this process's spans carry, while tracing is on. */
export function tracingServiceName(): string | undefined {
  return state?.serviceName;
}

/**
 * Exports the spans still buffered and stops the SDK (at the end of a shutdown). Never rejects:
 * an unreachable collector must not turn a clean stop into a failed one.
 */
export async function stopTracing(): Promise<void> {
  const stopping = state;
  state = undefined;
  await stopping?.shutdown().catch(() => undefined);
}
