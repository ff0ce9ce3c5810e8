import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { CONTRACT_RULES, describeRateLimiterContract } from './rate-limiter.contract-suite';
import { RedisRateLimiter } from './redis.rate-limiter';

const redisUrl = (): string => process.env.REDIS_URL as string;

describeRateLimiterContract('Redis (real server)', () =>
  RedisRateLimiter.connect(redisUrl(), CONTRACT_RULES, `studypath:test:${randomUUID()}:`),
);

describe('RedisRateLimiter', () => {
  it('shares one budget between replicas (two limiters, one Redis)', async () => {
    const prefix = `studypath:test:${randomUUID()}:`;
    const [a, b] = await Promise.all([
      RedisRateLimiter.connect(redisUrl(), CONTRACT_RULES, prefix),
      RedisRateLimiter.connect(redisUrl(), CONTRACT_RULES, prefix),
    ]);
    try {
      const user = `user:${randomUUID()}`;
      expect(await a.consume('submit', user)).toMatchObject({ allowed: true, remaining: 2 });
      expect(await b.consume('submit', user)).toMatchObject({ allowed: true, remaining: 1 });
      expect(await a.consume('submit', user)).toMatchObject({ allowed: true, remaining: 0 });
      expect(await b.consume('submit', user)).toMatchObject({ allowed: false });
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('starts counting in memory, with one WARN, when Redis does not answer at start', async () => {
    const limiter = await RedisRateLimiter.connect('redis://127.0.0.1:1', CONTRACT_RULES, 'x:');
    try {
      const user = `user:${randomUUID()}`;
      expect(await limiter.consume('submit', user)).toMatchObject({ allowed: true, remaining: 2 });
    } finally {
      await limiter.close();
    }
  });

  it('counts in memory with one WARN while Redis is down, and never fails a request', async () => {
    // Nothing listens on port 1: every command fails at once, as with Redis down.
    const redis = new Redis('redis://127.0.0.1:1', {
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
      retryStrategy: () => null,
    });
    redis.on('error', () => undefined);
    const logger = { warn: jest.fn(), log: jest.fn() };
    const limiter = new RedisRateLimiter(redis, CONTRACT_RULES, 'studypath:test:', logger);
    try {
      const user = `user:${randomUUID()}`;
      const decisions = [];
      for (let i = 0; i < 4; i++) decisions.push(await limiter.consume('submit', user));

      expect(decisions.map((d) => d?.allowed)).toEqual([true, true, true, false]);
      expect(logger.warn).toHaveBeenCalledTimes(1);
      expect(logger.warn.mock.calls[0]?.[0]).toMatch(/counting rate limits in this process/);
    } finally {
      await limiter.close();
    }
  });

  it('goes back to Redis, saying so, once Redis answers again', async () => {
    const redis = new Redis(redisUrl(), { maxRetriesPerRequest: 0, enableOfflineQueue: false });
    redis.on('error', () => undefined);
    await new Promise((resolve) => redis.once('ready', resolve));
    const logger = { warn: jest.fn(), log: jest.fn() };
    const prefix = `studypath:test:${randomUUID()}:`;
    const limiter = new RedisRateLimiter(redis, CONTRACT_RULES, prefix, logger);
    try {
      const user = `user:${randomUUID()}`;
      const ended = new Promise((resolve) => redis.once('end', resolve));
      redis.disconnect();
      await ended;
      expect(await limiter.consume('submit', user)).toMatchObject({ allowed: true });
      expect(logger.warn).toHaveBeenCalledTimes(1);

      await redis.connect();
      expect(await limiter.consume('submit', user)).toMatchObject({ allowed: true, remaining: 2 });
      expect(logger.log).toHaveBeenCalledWith(
        'Redis is back: rate limits are shared by every replica again',
      );
      const keys = await redis.keys(`${prefix}*`);
      expect(keys).toHaveLength(1);
    } finally {
      await limiter.close();
    }
  });
});
