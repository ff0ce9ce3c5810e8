import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { ServiceName } from '@studypath/contracts';
import { Environment, loadConfig } from '@studypath/platform';
import { getMetadataStorage } from 'class-validator';
import { parse } from 'yaml';

interface ComposeFile {
  services: Record<
    string,
    { environment?: Record<string, string>; build?: { args?: { SERVICE?: string } } }
  >;
}

const compose = parse(readFileSync(path.resolve(__dirname, '../../docker-compose.yml'), 'utf8'), {
  merge: true,
}) as ComposeFile;

const configVariables = new Set(
  getMetadataStorage()
    .getTargetValidationMetadatas(Environment, '', true, false)
    .map((m) => m.propertyName),
);

describe('docker-compose.yml', () => {
  const services = Object.entries(compose.services).filter(([name]) => name.endsWith('-service'));

  it('runs Kafka, PostgreSQL, Redis and the five services', () => {
    expect(Object.keys(compose.services).sort()).toEqual([
      'analytics-service',
      'evaluation-service',
      'kafka',
      'path-service',
      'postgres',
      'redis',
      'task-generation-service',
      'tutor-gateway-service',
    ]);
    expect(services.map(([, s]) => s.build?.args?.SERVICE).sort()).toEqual([
      'analytics',
      'evaluation',
      'path',
      'task-generation',
      'tutor-gateway',
    ]);
  });

  it.each(services.map(([name]) => name))(
    '%s is configured only with variables the config reads',
    (name) => {
      const environment = compose.services[name]?.environment ?? {};
      const unknown = Object.keys(environment).filter((key) => !configVariables.has(key));

      expect(unknown).toEqual([]);
      for (const required of [
        'DATABASE_URL',
        'REDIS_URL',
        'KAFKA_BROKERS',
        'AUTH_JWKS_URL',
        'AUTH_ISSUER',
      ]) {
        expect(environment[required]).toBeTruthy();
      }
    },
  );

  it.each(services.map(([name]) => name))(
    '%s verifies tokens with the identity provider (never a shared secret) and its configuration loads',
    (name) => {
      const service = compose.services[name];
      const env = Object.fromEntries(
        Object.entries(service?.environment ?? {}).map(([key, value]) => [key, String(value)]),
      );

      expect(env.NODE_ENV).toBe('production');
      expect(env.AUTH_HS256_SECRET).toBeUndefined();
      expect(env.AUTH_JWKS_URL).toMatch(/^https:\/\//);
      const config = loadConfig({
        role: 'service',
        service: service?.build?.args?.SERVICE as ServiceName,
        env,
      });
      expect(config.auth).toMatchObject({ kind: 'jwks', issuer: env.AUTH_ISSUER });
    },
  );
});
