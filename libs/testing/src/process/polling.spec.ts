import { eventually, until } from './polling';

describe('until', () => {
  it('returns the first value that is neither undefined nor false', async () => {
    let tries = 0;
    const value = await until(() => (++tries < 3 ? false : tries), 'three tries', {
      intervalMs: 1,
    });

    expect(value).toBe(3);
  });

  it('names what it waited for, as the probe last saw it, when it times out', async () => {
    let last = 0;
    const waiting = until(
      () => {
        last += 1;
        return undefined;
      },
      () => `a value after ${last} tries`,
      { timeoutMs: 20, intervalMs: 5 },
    );

    await expect(waiting).rejects.toThrow(/^timed out waiting for a value after \d+ tries$/);
  });
});

describe('eventually', () => {
  it('fails with the last error of the check', async () => {
    await expect(eventually(() => expect(1).toBe(2), 20, 5)).rejects.toThrow(
      /expect\(received\)\.toBe\(expected\)/,
    );
  });

  it('returns once the check passes', async () => {
    let calls = 0;
    await eventually(() => expect(++calls).toBeGreaterThan(2), 1_000, 1);

    expect(calls).toBe(3);
  });
});
