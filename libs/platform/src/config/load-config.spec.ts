import { DEV_TOKEN_ISSUER } from '../auth/dev-keys';
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
  NODE_ENV: 'production',
  DATABASE_URL: 'postgres://app@db.internal:5432/studypath',
  REDIS_URL: 'redis://cache.internal:6379',
  KAFKA_BROKERS: 'kafka-1:9092, kafka-2:9092',
  AUTH_JWKS_URL: 'https://api.scimigo.com/.well-known/jwks.json',
  AUTH_ISSUER: 'https://api.scimigo.com',
  AUTH_AUDIENCE: 'studypath-api',
};

const infrastructure = {
  NODE_ENV: 'test',
  DATABASE_URL: distributed.DATABASE_URL,
  REDIS_URL: distributed.REDIS_URL,
  KAFKA_BROKERS: distributed.KAFKA_BROKERS,
};
const SECRET = 'a-development-secret-of-32-chars!';

describe('loadConfig', () => {
  it('gives the embedded process working defaults with an empty environment', () => {
    const config = loadConfig({ role: 'embedded', env: {}, cwd: '/srv/app' });

    expect(config.mode).toBe('embedded');
    expect(config.http).toEqual({ host: '127.0.0.1', port: 3000 });
    expect(config.database).toEqual({
      kind: 'embedded',
      dataDir: '/srv/app/.studypath/postgres',
      port: 54329,
      poolMax: 10,
      idleInTransactionTimeoutMs: 60_000,
    });
    expect(config.kafka).toBeNull();
    expect(config.redis).toBeNull();
    expect(config.services).toHaveLength(5);
    expect(config.auth).toEqual({
      kind: 'embedded-dev',
      issuer: DEV_TOKEN_ISSUER,
      clockSkewSeconds: 30,
    });
  });

  it('types a complete distributed service configuration', () => {
    const config = loadConfig({
      role: 'service',
      service: 'evaluation',
      env: { ...distributed, PORT: '8080', DATABASE_POOL_MAX: '25', LOG_LEVEL: 'warn' },
    });

    expect(config.mode).toBe('distributed');
    expect(config.services).toEqual(['evaluation']);
    // A service in a container listens beyond it; only the embedded process keeps to loopback.
    expect(config.http).toEqual({ host: '0.0.0.0', port: 8080 });
    expect(config.database).toEqual({
      kind: 'url',
      url: distributed.DATABASE_URL,
      poolMax: 25,
      idleInTransactionTimeoutMs: 60_000,
    });
    expect(config.kafka).toEqual({
      brokers: ['kafka-1:9092', 'kafka-2:9092'],
      clientId: 'studypath-evaluation',
      namespace: '',
    });
    expect(config.redis).toEqual({ url: distributed.REDIS_URL });
    expect(config.logLevels).toEqual(['fatal', 'error', 'warn']);
    expect(config.auth).toEqual({
      kind: 'jwks',
      jwksUrl: distributed.AUTH_JWKS_URL,
      issuer: distributed.AUTH_ISSUER,
      audience: distributed.AUTH_AUDIENCE,
      clockSkewSeconds: 30,
    });
    expect(config.environment).toBe('production');
  });

  it('lists every missing variable of a service process in one error', () => {
    const problems = problemsOf(() => loadConfig({ role: 'service', service: 'path', env: {} }));

    expect(problems.join('\n')).toMatch(/DATABASE_URL is required/);
    expect(problems.join('\n')).toMatch(/REDIS_URL is required/);
    expect(problems.join('\n')).toMatch(/KAFKA_BROKERS is required .*in-process bus/);
    expect(problems.join('\n')).toMatch(/AUTH_JWKS_URL is required for a service process/);
    expect(problems.join('\n')).toMatch(/AUTH_ISSUER is required/);
    expect(problems.join('\n')).toMatch(/NODE_ENV is required for a service process/);
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
    ['AUTH_JWKS_URL', 'api.scimigo.com/.well-known/jwks.json'],
    ['AUTH_JWKS_URL', 'ftp://api.scimigo.com/jwks.json'],
    ['AUTH_JWKS_URL', 'not a url'],
    ['AUTH_ISSUER', '   '],
    ['AUTH_AUDIENCE', '   '],
    ['AUTH_CLOCK_SKEW_SECONDS', '-1'],
    ['AUTH_CLOCK_SKEW_SECONDS', '301'],
    ['AUTH_CLOCK_SKEW_SECONDS', 'thirty'],
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

describe('loadConfig: authentication', () => {
  it('verifies with the JWKS, the issuer, an audience and a clock skew when they are given', () => {
    const config = loadConfig({
      role: 'service',
      service: 'path',
      env: {
        ...distributed,
        AUTH_JWKS_URL: ' http://idp.internal:8080/jwks.json ',
        AUTH_AUDIENCE: 'studypath-api',
        AUTH_CLOCK_SKEW_SECONDS: '0',
      },
    });

    expect(config.auth).toEqual({
      kind: 'jwks',
      jwksUrl: 'http://idp.internal:8080/jwks.json',
      issuer: 'https://api.scimigo.com',
      audience: 'studypath-api',
      clockSkewSeconds: 0,
    });
  });

  it('lets a service verify with a shared HS256 secret outside production', () => {
    const config = loadConfig({
      role: 'service',
      service: 'path',
      env: {
        ...infrastructure,
        NODE_ENV: 'test',
        AUTH_HS256_SECRET: SECRET,
        AUTH_ISSUER: 'studypath-tests',
        AUTH_CLOCK_SKEW_SECONDS: '300',
      },
    });

    expect(config.auth).toEqual({
      kind: 'hs256',
      secret: SECRET,
      issuer: 'studypath-tests',
      clockSkewSeconds: 300,
    });
  });

  it('lets the embedded process use an identity provider or a secret instead of its development key', () => {
    const jwks = loadConfig({
      role: 'embedded',
      env: { AUTH_JWKS_URL: distributed.AUTH_JWKS_URL, AUTH_ISSUER: distributed.AUTH_ISSUER },
    });
    const hs256 = loadConfig({
      role: 'embedded',
      env: { AUTH_HS256_SECRET: SECRET, AUTH_ISSUER: 'me', AUTH_AUDIENCE: 'studypath' },
    });
    const skewOnly = loadConfig({ role: 'embedded', env: { AUTH_CLOCK_SKEW_SECONDS: '5' } });

    expect(jwks.auth.kind).toBe('jwks');
    expect(hs256.auth).toEqual({
      kind: 'hs256',
      secret: SECRET,
      issuer: 'me',
      audience: 'studypath',
      clockSkewSeconds: 30,
    });
    expect(skewOnly.auth).toEqual({
      kind: 'embedded-dev',
      issuer: DEV_TOKEN_ISSUER,
      clockSkewSeconds: 5,
    });
  });

  it.each([
    ['nothing', {}, ['AUTH_JWKS_URL is required', 'AUTH_ISSUER is required']],
    ['only AUTH_ISSUER', { AUTH_ISSUER: 'https://api.scimigo.com' }, ['AUTH_JWKS_URL is required']],
    [
      'AUTH_JWKS_URL without AUTH_ISSUER',
      { AUTH_JWKS_URL: distributed.AUTH_JWKS_URL },
      ['AUTH_ISSUER is required'],
    ],
    [
      'AUTH_HS256_SECRET without AUTH_ISSUER',
      { AUTH_HS256_SECRET: SECRET },
      ['AUTH_ISSUER is required'],
    ],
    [
      'only AUTH_AUDIENCE',
      { AUTH_AUDIENCE: 'studypath' },
      ['AUTH_JWKS_URL is required', 'AUTH_ISSUER is required'],
    ],
  ])('refuses a service process with %s, naming each missing variable', (_case, auth, expected) => {
    const problems = problemsOf(() =>
      loadConfig({ role: 'service', service: 'path', env: { ...infrastructure, ...auth } }),
    );

    expect(problems).toHaveLength(expected.length);
    expected.forEach((start, i) => expect(problems[i]).toMatch(new RegExp(`^${start}`)));
  });

  it.each([
    [
      'both AUTH_JWKS_URL and AUTH_HS256_SECRET',
      { ...distributed, NODE_ENV: 'test', AUTH_HS256_SECRET: SECRET },
      /^AUTH_HS256_SECRET cannot be combined with AUTH_JWKS_URL/,
    ],
    [
      'an HS256 secret shorter than 32 characters',
      { ...infrastructure, AUTH_HS256_SECRET: 'x'.repeat(31), AUTH_ISSUER: 'me' },
      /^AUTH_HS256_SECRET must be at least 32 characters/,
    ],
    [
      'an HS256 secret in production',
      {
        ...infrastructure,
        NODE_ENV: 'production',
        AUTH_HS256_SECRET: SECRET,
        AUTH_ISSUER: 'me',
        AUTH_AUDIENCE: 'studypath-api',
      },
      /^AUTH_HS256_SECRET is for development and tests only/,
    ],
  ])('refuses %s', (_case, env, expected) => {
    const problems = problemsOf(() => loadConfig({ role: 'service', service: 'path', env }));

    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(expected);
  });

  it('never repeats the secret in its messages', () => {
    const secret = 'short-but-very-secret';
    const error = (() => {
      try {
        loadConfig({ role: 'embedded', env: { AUTH_HS256_SECRET: secret, AUTH_ISSUER: 'me' } });
      } catch (e) {
        return e as ConfigError;
      }
      throw new Error('expected a ConfigError');
    })();

    expect(error.problems).toEqual(['AUTH_HS256_SECRET must be at least 32 characters']);
    expect(error.message).not.toContain(secret);
  });

  it.each([
    ['AUTH_ISSUER', { AUTH_ISSUER: 'https://api.scimigo.com' }],
    ['AUTH_AUDIENCE', { AUTH_AUDIENCE: 'studypath' }],
  ])(
    'refuses %s in the embedded process without a JWKS or a secret to check it with',
    (name, env) => {
      const problems = problemsOf(() => loadConfig({ role: 'embedded', env }));

      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatch(new RegExp(`^${name} needs AUTH_JWKS_URL or AUTH_HS256_SECRET`));
    },
  );

  it('refuses an embedded process given both a JWKS and a secret', () => {
    const problems = problemsOf(() =>
      loadConfig({
        role: 'embedded',
        env: {
          AUTH_JWKS_URL: distributed.AUTH_JWKS_URL,
          AUTH_HS256_SECRET: SECRET,
          AUTH_ISSUER: 'me',
        },
      }),
    );

    expect(problems).toEqual([
      'AUTH_HS256_SECRET cannot be combined with AUTH_JWKS_URL: set only one of them',
    ]);
  });
});

describe('loadConfig: settings that fail safe', () => {
  const service = (env: Record<string, string | undefined>) =>
    loadConfig({ role: 'service', service: 'path', env });
  const without = (name: keyof typeof distributed): Record<string, string> =>
    Object.fromEntries(Object.entries(distributed).filter(([key]) => key !== name));

  it('refuses a service process without NODE_ENV, naming it; the embedded process defaults to development', () => {
    expect(problemsOf(() => service(without('NODE_ENV')))).toEqual([
      'NODE_ENV is required for a service process: production, development or test (nothing is assumed for a service)',
    ]);
    expect(loadConfig({ role: 'embedded', env: {} }).environment).toBe('development');
  });

  it('refuses a NODE_ENV it does not know', () => {
    expect(problemsOf(() => service({ ...distributed, NODE_ENV: 'prod' }))).toEqual([
      'NODE_ENV must be one of production, development, test',
    ]);
  });

  it('refuses a production service process without AUTH_AUDIENCE, with a JWKS or otherwise', () => {
    const problems = problemsOf(() => service(without('AUTH_AUDIENCE')));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(
      /^AUTH_AUDIENCE is required for a service process with NODE_ENV=production/,
    );
  });

  it.each(['development', 'test'])(
    'lets a %s service process leave the audience unchecked',
    (environment) => {
      const config = service({ ...without('AUTH_AUDIENCE'), NODE_ENV: environment });
      expect(config.auth).not.toHaveProperty('audience');
    },
  );

  it('lets the embedded process run in production without an audience', () => {
    const config = loadConfig({ role: 'embedded', env: { NODE_ENV: 'production' } });
    expect(config.auth.kind).toBe('embedded-dev');
  });

  it('ends sessions left idle in a transaction after 60 s unless told otherwise (0: never)', () => {
    const idle = (value?: string) => {
      const { database } = service({
        ...distributed,
        DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS: value,
      });
      return database.idleInTransactionTimeoutMs;
    };
    expect(idle()).toBe(60_000);
    expect(idle('5000')).toBe(5_000);
    expect(idle('0')).toBe(0);
    for (const bad of ['500', '-1', 'soon', '86400001']) {
      expect(
        problemsOf(() => service({ ...distributed, DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS: bad })),
      ).toEqual([
        'DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS must be 0 (off) or an integer between 1000 and 86400000',
      ]);
    }
  });

  it('gives a shutdown longer than the longest message handler, and refuses one that is not', () => {
    const timeout = (longestHandlerMs?: number, value?: string): number =>
      loadConfig({
        role: 'service',
        service: 'evaluation',
        env: { ...distributed, SHUTDOWN_TIMEOUT_MS: value },
        longestHandlerMs,
      }).shutdownTimeoutMs;

    expect(timeout()).toBe(30_000);
    expect(timeout(120_000)).toBe(150_000);
    expect(timeout(120_000, '125000')).toBe(125_000);
    expect(timeout(undefined, '2000')).toBe(2_000);
    const problems = problemsOf(() => timeout(120_000, '60000'));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^SHUTDOWN_TIMEOUT_MS must be longer than 120000 ms/);
  });
});
