import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { Environment } from '@studypath/platform';
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
      for (const required of ['DATABASE_URL', 'REDIS_URL', 'KAFKA_BROKERS']) {
        expect(environment[required]).toBeTruthy();
      }
    },
  );
});
