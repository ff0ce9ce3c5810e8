import { randomUUID } from 'node:crypto';
import { exactIntegerText, parseExactJson } from '@studypath/contracts';
import { RedisCache } from './redis.cache';

describe('RedisCache (real Redis)', () => {
  let cache: RedisCache;
  const prefix = `studypath:test:${randomUUID()}:`;

  beforeAll(() => {
    cache = RedisCache.connect(process.env.REDIS_URL as string, prefix);
  });

  afterAll(async () => {
    await cache.close();
  });

  it('round-trips a value', async () => {
    const value = { id: 'p-42', difficulty: 3, topics: ['graphs', 'bfs'], nested: { ok: true } };
    await cache.set('problem:p-42', value, 60_000);

    expect(await cache.get('problem:p-42')).toEqual(value);
  });

  it('keeps every digit of an integer beyond 2^53 (an expected value of a hidden test)', async () => {
    const value = parseExactJson('{"expected":[9007199254740993,-123456789012345678901]}');
    await cache.set('problem:big', value, 60_000);

    const { expected } = (await cache.get('problem:big')) as { expected: unknown[] };
    expect(expected.map(exactIntegerText)).toEqual(['9007199254740993', '-123456789012345678901']);
  });

  it('expires a value after its TTL', async () => {
    await cache.set('short', 'lived', 50);
    await new Promise((resolve) => setTimeout(resolve, 120));

    expect(await cache.get('short')).toBeUndefined();
  });

  it('deletes, and misses cleanly', async () => {
    await cache.set('gone', 1, 60_000);
    await cache.delete('gone');

    expect(await cache.get('gone')).toBeUndefined();
    expect(await cache.get('never-set')).toBeUndefined();
  });

  it('reports its health with a ping', async () => {
    const report = await cache.checkHealth();

    expect(report.up).toBe(true);
    expect(report.details).toMatchObject({ kind: 'redis' });
  });
});
