import { exactIntegerText, parseExactJson } from '@studypath/contracts';
import { MemoryCache } from './memory.cache';

describe('MemoryCache', () => {
  it('returns a copy of what was stored, until its TTL passes', async () => {
    const cache = new MemoryCache();
    const value = { problem: 'two-sum', tests: [1, 2] };
    await cache.set('p:1', value, 50);
    value.tests.push(3);

    expect(await cache.get('p:1')).toEqual({ problem: 'two-sum', tests: [1, 2] });
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(await cache.get('p:1')).toBeUndefined();
  });

  it('keeps every digit of an integer beyond 2^53', async () => {
    const cache = new MemoryCache();
    await cache.set('p:big', parseExactJson('[9007199254740993]'), 1000);

    expect(((await cache.get('p:big')) as unknown[]).map(exactIntegerText)).toEqual([
      '9007199254740993',
    ]);
  });

  it('evicts the least recently used entry beyond its bound', async () => {
    const cache = new MemoryCache(2);
    await cache.set('a', 1, 60_000);
    await cache.set('b', 2, 60_000);
    await cache.get('a');
    await cache.set('c', 3, 60_000);

    expect(await cache.get('a')).toBe(1);
    expect(await cache.get('b')).toBeUndefined();
    expect(await cache.get('c')).toBe(3);
  });

  it('deletes', async () => {
    const cache = new MemoryCache();
    await cache.set('a', 1, 60_000);
    await cache.delete('a');
    expect(await cache.get('a')).toBeUndefined();
  });
});
