import { fullJitterDelay } from './backoff';

describe('fullJitterDelay', () => {
  it('doubles its ceiling with each retry, up to the maximum', () => {
    const ceiling = (retry: number): number => fullJitterDelay(retry, 100, 1000, () => 0.999999);

    expect([1, 2, 3, 4, 5, 10].map(ceiling)).toEqual([99, 199, 399, 799, 999, 999]);
  });

  it('draws anywhere from zero to the ceiling', () => {
    expect(fullJitterDelay(3, 100, 1000, () => 0)).toBe(0);
    expect(fullJitterDelay(3, 100, 1000, () => 0.5)).toBe(200);
    for (let i = 0; i < 1000; i++) {
      const delay = fullJitterDelay(2, 100, 1000);
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThan(200);
    }
  });
});
