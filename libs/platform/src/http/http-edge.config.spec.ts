import { ConfigError, loadConfig } from '../config/load-config';
import { DEFAULT_RATE_LIMITS } from './http-edge.config';

const service = {
  DATABASE_URL: 'postgres://app@db.internal:5432/studypath',
  REDIS_URL: 'redis://cache.internal:6379',
  KAFKA_BROKERS: 'kafka-1:9092',
  AUTH_JWKS_URL: 'https://api.scimigo.com/.well-known/jwks.json',
  AUTH_ISSUER: 'https://api.scimigo.com',
  NODE_ENV: 'production',
  AUTH_AUDIENCE: 'studypath',
};

function problemsOf(env: NodeJS.ProcessEnv): string[] {
  try {
    loadConfig({ role: 'service', service: 'path', env: { ...service, ...env } });
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('the HTTP edge configuration', () => {
  it('defaults: rate limits on, no browser origin for a service, no proxy trusted, no health details', () => {
    const { edge } = loadConfig({ role: 'service', service: 'path', env: service });

    expect(edge).toEqual({
      rateLimits: DEFAULT_RATE_LIMITS,
      longPoll: { maxWaiters: 1000, maxWaitersPerUser: 5 },
      cors: { kind: 'list', origins: [] },
      trustProxy: false,
      healthDetailsToken: null,
    });
  });

  it('lets the embedded process answer web clients developed on this machine', () => {
    expect(loadConfig({ role: 'embedded', env: {} }).edge.cors).toEqual({ kind: 'loopback' });
    expect(loadConfig({ role: 'embedded', env: { CORS_ORIGINS: 'none' } }).edge.cors).toEqual({
      kind: 'list',
      origins: [],
    });
  });

  it('reads every setting', () => {
    const { edge } = loadConfig({
      role: 'service',
      service: 'path',
      env: {
        ...service,
        RATE_LIMIT_SUBMIT: '5/1m',
        RATE_LIMIT_HINT: 'off',
        RATE_LIMIT_READ: '100/10s',
        RATE_LIMIT_ANONYMOUS: '1000/1h',
        LONG_POLL_MAX_WAITERS: '50',
        LONG_POLL_MAX_WAITERS_PER_USER: '0',
        CORS_ORIGINS: 'https://app.example.com, http://localhost:5173',
        TRUST_PROXY: '10.0.0.0/8, loopback',
        HEALTH_DETAILS_TOKEN: 'an-operators-token-of-32-characters',
      },
    });

    expect(edge).toEqual({
      rateLimits: {
        submit: { points: 5, durationSeconds: 60 },
        hint: null,
        read: { points: 100, durationSeconds: 10 },
        anonymous: { points: 1000, durationSeconds: 3600 },
      },
      longPoll: { maxWaiters: 50, maxWaitersPerUser: 0 },
      cors: { kind: 'list', origins: ['https://app.example.com', 'http://localhost:5173'] },
      trustProxy: ['10.0.0.0/8', 'loopback'],
      healthDetailsToken: 'an-operators-token-of-32-characters',
    });
    expect(
      loadConfig({ role: 'service', service: 'path', env: { ...service, TRUST_PROXY: '1' } }).edge
        .trustProxy,
    ).toBe(1);
  });

  it.each([
    ['RATE_LIMIT_SUBMIT', '30', 'RATE_LIMIT_SUBMIT must be "<requests>/<window>"'],
    ['RATE_LIMIT_READ', '0/1m', 'RATE_LIMIT_READ must be "<requests>/<window>"'],
    ['RATE_LIMIT_ANONYMOUS', '10/0s', 'RATE_LIMIT_ANONYMOUS must be "<requests>/<window>"'],
    ['LONG_POLL_MAX_WAITERS', '-1', 'LONG_POLL_MAX_WAITERS must be an integer'],
    ['CORS_ORIGINS', '*', 'CORS_ORIGINS must be "none" or a comma-separated list of origins'],
    ['CORS_ORIGINS', 'https://app.example.com/', 'CORS_ORIGINS must be "none"'],
    ['TRUST_PROXY', 'true', 'TRUST_PROXY must be a number of proxy hops'],
    ['TRUST_PROXY', '10.0.0.0/40', 'TRUST_PROXY must be a number of proxy hops'],
    ['HEALTH_DETAILS_TOKEN', 'short', 'HEALTH_DETAILS_TOKEN must be at least 32 characters'],
  ])('refuses %s=%j, naming it', (name, value, message) => {
    expect(problemsOf({ [name]: value })).toEqual([expect.stringContaining(message)]);
  });

  it('reports its problems together with the rest of the environment', () => {
    expect(problemsOf({ PORT: 'eighty', RATE_LIMIT_HINT: 'lots' })).toEqual([
      expect.stringContaining('PORT'),
      expect.stringContaining('RATE_LIMIT_HINT'),
    ]);
  });
});
