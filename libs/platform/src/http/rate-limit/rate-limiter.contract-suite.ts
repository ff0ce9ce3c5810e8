import { randomUUID } from 'node:crypto';
import type { RateLimitPolicy, RateLimitRule } from '../http-edge.config';
import type { RateLimiter } from './rate-limiter';

/** The rules every adapter is tested with: small budgets, and `hint` off. */
export const CONTRACT_RULES: Record<RateLimitPolicy, RateLimitRule | null> = {
  submit: { points: 3, durationSeconds: 30 },
  hint: null,
  read: { points: 2, durationSeconds: 1 },
  anonymous: { points: 5, durationSeconds: 30 },
};

/**
 * The semantics both rate-limit adapters must have. Run by memory.rate-limiter.spec.ts and, against
 * the real server, by redis.rate-limiter.int-spec.ts. `make` builds an adapter over CONTRACT_RULES.
 */
export function describeRateLimiterContract(name: string, make: () => Promise<RateLimiter>): void {
  describe(`RateLimiter contract: ${name}`, () => {
    let limiter: RateLimiter;
    const key = (): string => `user:${randomUUID()}`;

    beforeAll(async () => {
      limiter = await make();
    });

    afterAll(async () => {
      await limiter.close();
    });

    it('allows the budget of a window, counting down, then refuses with the seconds to wait', async () => {
      const user = key();
      const decisions = [];
      for (let i = 0; i < 4; i++) decisions.push(await limiter.consume('submit', user));

      expect(decisions.slice(0, 3)).toEqual([
        expect.objectContaining({ allowed: true, limit: 3, remaining: 2 }),
        expect.objectContaining({ allowed: true, limit: 3, remaining: 1 }),
        expect.objectContaining({ allowed: true, limit: 3, remaining: 0 }),
      ]);
      expect(decisions[3]).toMatchObject({ allowed: false, limit: 3 });
      const refused = decisions[3] as { retryAfterSeconds: number };
      expect(refused.retryAfterSeconds).toBeGreaterThanOrEqual(1);
      expect(refused.retryAfterSeconds).toBeLessThanOrEqual(30);
    });

    it('keeps a budget per key and per policy', async () => {
      const [alice, bob] = [key(), key()];
      for (let i = 0; i < 3; i++) await limiter.consume('submit', alice);

      expect(await limiter.consume('submit', alice)).toMatchObject({ allowed: false });
      expect(await limiter.consume('submit', bob)).toMatchObject({ allowed: true, remaining: 2 });
      expect(await limiter.consume('anonymous', alice)).toMatchObject({
        allowed: true,
        remaining: 4,
      });
    });

    it('allows everything under a policy that is off', async () => {
      const user = key();
      for (let i = 0; i < 10; i++) expect(await limiter.consume('hint', user)).toBeUndefined();
    });

    it('allows again once the Retry-After it gave has passed', async () => {
      const user = key();
      await limiter.consume('read', user);
      await limiter.consume('read', user);
      const refused = await limiter.consume('read', user);
      expect(refused).toMatchObject({ allowed: false, retryAfterSeconds: 1 });

      await new Promise((resolve) => setTimeout(resolve, 1000 * 1 + 50));

      expect(await limiter.consume('read', user)).toMatchObject({ allowed: true, remaining: 1 });
    });
  });
}
