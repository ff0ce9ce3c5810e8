import { ScrapeSampler } from './scrape-sampler';

describe('ScrapeSampler', () => {
  it('gives the value read when the read answers in time', async () => {
    const sampler = new ScrapeSampler(async () => 7, 10_000);
    await expect(sampler.sample()).resolves.toBe(7);
  });

  it('gives the last value read while a slow read goes on, and the new one once it answers', async () => {
    let value = 1;
    let release: (() => void) | undefined;
    const sampler = new ScrapeSampler(async () => {
      if (value > 1) await new Promise<void>((resolve) => (release = resolve));
      return value;
    }, 20);
    await expect(sampler.sample()).resolves.toBe(1);
    value = 2;
    await expect(sampler.sample()).resolves.toBe(1);
    release?.();
    await new Promise((resolve) => setImmediate(resolve));
    value = 3;
    const next = sampler.sample();
    release?.();
    await expect(next).resolves.toBe(3);
  });

  it('gives nothing after a failed read (absent, not stale), and shares one read between scrapes', async () => {
    let reads = 0;
    let fail = false;
    const sampler = new ScrapeSampler(async () => {
      reads += 1;
      if (fail) throw new Error('the database is away');
      return reads;
    }, 10_000);
    await expect(sampler.sample()).resolves.toBe(1);
    fail = true;
    await expect(sampler.sample()).resolves.toBeUndefined();
    fail = false;
    const [a, b] = await Promise.all([sampler.sample(), sampler.sample()]);
    expect(a).toBe(3);
    expect(b).toBe(3);
  });
});
