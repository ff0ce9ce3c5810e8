import { HINT_CAP_WINDOW_MS, secondsUntilHintAllowed } from './hint-cap';

describe('secondsUntilHintAllowed', () => {
  const now = new Date('2026-12-01T12:00:00Z');

  it('lets a request through while the user is under the cap', () => {
    expect(secondsUntilHintAllowed({ used: 0, oldest: null }, 3, now)).toBeUndefined();
    expect(
      secondsUntilHintAllowed({ used: 2, oldest: new Date(now.getTime() - 1000) }, 3, now),
    ).toBeUndefined();
  });

  it('at the cap, says when the oldest request in the window leaves it', () => {
    const oldest = new Date(now.getTime() - HINT_CAP_WINDOW_MS + 90_500);
    expect(secondsUntilHintAllowed({ used: 3, oldest }, 3, now)).toBe(91);
  });

  it('never says less than a second', () => {
    const oldest = new Date(now.getTime() - HINT_CAP_WINDOW_MS);
    expect(secondsUntilHintAllowed({ used: 5, oldest }, 3, now)).toBe(1);
  });
});
