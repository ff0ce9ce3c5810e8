import { decideOnStuck, stuckBefore } from './stuck-submission';

describe('a stuck submission', () => {
  const policy = { stuckAfterMs: 180_000, maxRedrives: 2 };

  it('is re-driven up to maxRedrives times', () => {
    expect(decideOnStuck({ redrives: 1, redrivable: true }, policy)).toEqual({ kind: 'redrive' });
    expect(decideOnStuck({ redrives: 2, redrivable: true }, policy)).toEqual({ kind: 'redrive' });
  });

  it('is then given up as stalled, saying how long it was tried', () => {
    expect(decideOnStuck({ redrives: 3, redrivable: true }, policy)).toEqual({
      kind: 'give-up',
      outcome: {
        kind: 'could_not_run',
        cause: 'stalled',
        reason:
          'the submission could not be evaluated: still unfinished after 2 re-run(s), 3 min apart',
      },
    });
  });

  it('is given up at once when it cannot be re-driven under its inbox key', () => {
    expect(decideOnStuck({ redrives: 1, redrivable: false }, policy)).toMatchObject({
      kind: 'give-up',
      outcome: { cause: 'stalled' },
    });
  });

  it('is one that showed no sign of life for the budget', () => {
    expect(stuckBefore(new Date('2026-01-01T00:10:00Z'), policy)).toEqual(
      new Date('2026-01-01T00:07:00Z'),
    );
  });
});
