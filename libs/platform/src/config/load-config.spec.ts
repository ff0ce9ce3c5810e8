import { ConfigError, loadConfig } from './load-config';

function problemsOf(run: () => unknown): string[] {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

const distributed = {
  DATABASE_URL: 'postgres://app@db.internal:5432/studypath',
  REDIS_URL: 'redis://cache.internal:6379',
  KAFKA_BROKERS: 'kafka-1:9092, kafka-2:9092',
};

describe('loadConfig', () => {
  it('gives the embedded process working defaults with an empty environment', () => {
    const config = loadConfig({ role: 'embedded', env: {}, cwd: '/srv/app' });

    expect(config.mode).toBe('embedded');
    expect(config.http).toEqual({ host: '0.0.0.0', port: 3000 });
    expect(config.database).toEqual({
      kind: 'embedded',
      dataDir: '/srv/app/.studypath/postgres',
      port: 54329,
      poolMax: 10,
    });
    expect(config.kafka).toBeNull();
    expect(config.redis).toBeNull();
    expect(config.services).toHaveLength(5);
  });

  it('types a complete distributed service configuration', () => {
    const config = loadConfig({
      role: 'service',
      service: 'evaluation',
      env: { ...distributed, PORT: '8080', DATABASE_POOL_MAX: '25', LOG_LEVEL: 'warn' },
    });

    expect(config.mode).toBe('distributed');
    expect(config.services).toEqual(['evaluation']);
    expect(config.http.port).toBe(8080);
    expect(config.database).toEqual({ kind: 'url', url: distributed.DATABASE_URL, poolMax: 25 });
    expect(config.kafka).toEqual({
      brokers: ['kafka-1:9092', 'kafka-2:9092'],
      clientId: 'studypath-evaluation',
    });
    expect(config.redis).toEqual({ url: distributed.REDIS_URL });
    expect(config.logLevels).toEqual(['fatal', 'error', 'warn']);
  });

  it('lists every missing variable of a service process in one error', () => {
    const problems = problemsOf(() => loadConfig({ role: 'service', service: 'path', env: {} }));

    expect(problems.join('\n')).toMatch(/DATABASE_URL is required/);
    expect(problems.join('\n')).toMatch(/REDIS_URL is required/);
    expect(problems.join('\n')).toMatch(/KAFKA_BROKERS is required .*in-process bus/);
  });

  it.each([
    ['KAFKA_BROKERS', 'not a host'],
    ['KAFKA_BROKERS', 'kafka-1'],
    ['DATABASE_URL', 'foo'],
    ['DATABASE_URL', 'mysql://db:3306/x'],
    ['REDIS_URL', 'localhost:6379'],
    ['PORT', 'eighty'],
    ['PORT', '70000'],
    ['DATABASE_POOL_MAX', '0'],
    ['LOG_LEVEL', 'chatty'],
  ])('rejects %s=%j, naming the variable', (name, value) => {
    const problems = problemsOf(() =>
      loadConfig({ role: 'service', service: 'path', env: { ...distributed, [name]: value } }),
    );

    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(new RegExp(`^${name}`));
  });

  it('reports several bad variables together', () => {
    const error = (() => {
      try {
        loadConfig({
          role: 'embedded',
          env: { DATABASE_URL: 'foo', KAFKA_BROKERS: 'not a host', PORT: '-1' },
        });
      } catch (e) {
        return e as ConfigError;
      }
      throw new Error('expected a ConfigError');
    })();

    expect(error.problems).toHaveLength(3);
    expect(error.message).toContain('Invalid configuration');
    for (const name of ['DATABASE_URL', 'KAFKA_BROKERS', 'PORT'])
      expect(error.message).toContain(name);
  });

  it('lets the embedded process use whatever infrastructure is configured', () => {
    const config = loadConfig({ role: 'embedded', env: { KAFKA_BROKERS: '127.0.0.1:19092' } });

    expect(config.mode).toBe('distributed');
    expect(config.kafka?.brokers).toEqual(['127.0.0.1:19092']);
    expect(config.database.kind).toBe('embedded');
  });
});
