import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { Environment } from '@studypath/platform';
import { WORKSPACE_ROOT } from '@studypath/testing';
import { getMetadataStorage } from 'class-validator';

/**
 * The HTTP edge reads its own variables (a class the platform lib does not export): named here,
 * and each kept only if it is a field of that class's source, so a renamed one is noticed.
 */
const EDGE_VARIABLES = [
  'RATE_LIMIT_SUBMIT',
  'RATE_LIMIT_HINT',
  'RATE_LIMIT_READ',
  'RATE_LIMIT_ANONYMOUS',
  'LONG_POLL_MAX_WAITERS',
  'LONG_POLL_MAX_WAITERS_PER_USER',
  'CORS_ORIGINS',
  'TRUST_PROXY',
  'HEALTH_DETAILS_TOKEN',
];

const edgeSource = readFileSync(
  path.join(WORKSPACE_ROOT, 'libs/platform/src/http/http-edge.config.ts'),
  'utf8',
);

const configVariables = new Set([
  ...getMetadataStorage()
    .getTargetValidationMetadatas(Environment, '', true, false)
    .map((m) => m.propertyName),
  ...EDGE_VARIABLES.filter((name) => edgeSource.includes(`  ${name}?: `)),
]);

/**
 * Whether a service process reads `name`: our configuration (docs/configuration.md), or one of
 * OpenTelemetry's standard `OTEL_*` variables, which its SDK reads.
 */
export function isServiceVariable(name: string): boolean {
  return configVariables.has(name) || name.startsWith('OTEL_');
}
