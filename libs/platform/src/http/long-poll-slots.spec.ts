import { LongPollSlots } from './long-poll-slots';

describe('LongPollSlots', () => {
  it('gives at most maxWaitersPerUser slots to one user, and takes them back', () => {
    const slots = new LongPollSlots({ maxWaiters: 10, maxWaitersPerUser: 2 });
    const first = slots.tryAcquire('alice');
    const second = slots.tryAcquire('alice');

    expect(first && second).toBeDefined();
    expect(slots.tryAcquire('alice')).toBeUndefined();
    expect(slots.tryAcquire('bob')).toBeDefined();

    first?.();
    first?.(); // twice: still one slot given back
    expect(slots.inUse).toBe(2);
    expect(slots.tryAcquire('alice')).toBeDefined();
    expect(slots.tryAcquire('alice')).toBeUndefined();
  });

  it('gives at most maxWaiters slots in all', () => {
    const slots = new LongPollSlots({ maxWaiters: 2, maxWaitersPerUser: 5 });
    const releases = [slots.tryAcquire('a'), slots.tryAcquire('b')];

    expect(slots.tryAcquire('c')).toBeUndefined();
    releases[0]?.();
    expect(slots.tryAcquire('c')).toBeDefined();
  });

  it('waits for nobody when the cap is 0', () => {
    expect(
      new LongPollSlots({ maxWaiters: 0, maxWaitersPerUser: 5 }).tryAcquire('a'),
    ).toBeUndefined();
  });
});
