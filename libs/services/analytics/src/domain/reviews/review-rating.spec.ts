import { ProgressHistory } from '../progress-history.factory';
import { fastWorkMs, ratingOf, reviewOutcomeOf, type ReviewOutcome } from './review-rating';

const minutes = (n: number): number => n * 60_000;
const outcome = (facts: Partial<ReviewOutcome>): ReviewOutcome => ({
  ended: 'passed',
  attempts: 1,
  hints: 0,
  workedMs: minutes(30),
  difficulty: 3,
  ...facts,
});

describe('ratingOf: the rating table', () => {
  it.each<[string, Partial<ReviewOutcome>, string]>([
    ['a first-attempt pass without hints, in ordinary time', {}, 'good'],
    ['a first-attempt pass without hints, fast', { workedMs: minutes(9) }, 'easy'],
    ['a pass after a failed attempt', { attempts: 2 }, 'hard'],
    ['a pass with a hint', { hints: 1 }, 'hard'],
    ['a fast pass with a hint', { hints: 1, workedMs: minutes(1) }, 'hard'],
    ['a fast pass on the third attempt', { attempts: 3, workedMs: minutes(1) }, 'hard'],
    ['a failure with no attempts left', { ended: 'failed', attempts: 3 }, 'again'],
    ['a skip', { ended: 'skipped', attempts: 0 }, 'again'],
    ['an expiry', { ended: 'expired', attempts: 0, workedMs: 0 }, 'again'],
  ])('%s → %s', (_, facts, rating) => {
    expect(ratingOf(outcome(facts))).toBe(rating);
  });

  it('calls a pass fast under half the expected minutes of its difficulty, not at it', () => {
    const expected = { 1: 10, 2: 15, 3: 20, 4: 30, 5: 40 };
    for (const [difficulty, expectedMinutes] of Object.entries(expected)) {
      const limit = fastWorkMs(Number(difficulty));
      expect(limit).toBe(minutes(expectedMinutes / 2));
      const facts = { difficulty: Number(difficulty) };
      expect(ratingOf(outcome({ ...facts, workedMs: limit - 1 }))).toBe('easy');
      expect(ratingOf(outcome({ ...facts, workedMs: limit }))).toBe('good');
    }
  });
});

describe('reviewOutcomeOf: the facts, counted as the progress fold counts them', () => {
  const history = (): ProgressHistory =>
    new ProgressHistory('2026-03-02T09:00:00Z').path().task('t', { difficulty: 2 }).start('t');

  it('is null while the task has not ended', () => {
    const h = history().after(10).submit('t', 's1').evaluate('t', 's1', 'failed');
    expect(reviewOutcomeOf(h.id('t'), h.events)).toBeNull();
  });

  it('a fast first pass without hints: one attempt, its time → easy', () => {
    const h = history().after(6).submit('t', 's1').evaluate('t', 's1', 'passed');
    const result = reviewOutcomeOf(h.id('t'), h.events);
    expect(result).toEqual({
      ended: 'passed',
      attempts: 1,
      hints: 0,
      workedMs: minutes(6),
      difficulty: 2,
    });
    expect(result && ratingOf(result)).toBe('easy');
  });

  it('never counts an evaluation that could not run: a pass after one is still a first attempt', () => {
    const h = history()
      .after(10)
      .submit('t', 's1')
      .evaluate('t', 's1', 'infrastructure_error')
      .after(10)
      .submit('t', 's2', 2)
      .evaluate('t', 's2', 'passed');
    const result = reviewOutcomeOf(h.id('t'), h.events);
    expect(result).toMatchObject({ ended: 'passed', attempts: 1, workedMs: minutes(20) });
    expect(result && ratingOf(result)).toBe('good');
  });

  it('a pass after a counted failure → hard, with the time of both attempts', () => {
    const h = history()
      .after(10)
      .submit('t', 's1')
      .evaluate('t', 's1', 'syntax_error')
      .after(5)
      .submit('t', 's2', 2)
      .evaluate('t', 's2', 'passed');
    const result = reviewOutcomeOf(h.id('t'), h.events);
    expect(result).toMatchObject({ attempts: 2, workedMs: minutes(15) });
    expect(result && ratingOf(result)).toBe('hard');
  });

  it('counts hints delivered before the passing submission, not ones asked for or delivered after', () => {
    const delivered = history().hint('t', 'h1').after(5).submit('t', 's1');
    const withHint = delivered.evaluate('t', 's1', 'passed');
    expect(reviewOutcomeOf(withHint.id('t'), withHint.events)).toMatchObject({ hints: 1 });

    const late = history()
      .hintRequestOnly('t', 'h1')
      .after(5)
      .submit('t', 's1')
      .hint('t', 'h2') // delivered while the passing submission was being evaluated
      .evaluate('t', 's1', 'passed');
    const result = reviewOutcomeOf(late.id('t'), late.events);
    expect(result).toMatchObject({ hints: 0 });
    expect(result && ratingOf(result)).toBe('easy');
  });

  it('a task failed with no attempts left → again', () => {
    const h = history()
      .after(10)
      .submit('t', 's1')
      .evaluate('t', 's1', 'failed')
      .status('t', 'submitted', 'failed');
    const result = reviewOutcomeOf(h.id('t'), h.events);
    expect(result).toMatchObject({ ended: 'failed', attempts: 1 });
    expect(result && ratingOf(result)).toBe('again');
  });

  it.each(['skip', 'expire'] as const)('a task that ended by %s → again', (how) => {
    const h = history().after(10);
    h[how]('t');
    const result = reviewOutcomeOf(h.id('t'), h.events);
    expect(result).toMatchObject({ ended: how === 'skip' ? 'skipped' : 'expired', attempts: 0 });
    expect(result && ratingOf(result)).toBe('again');
  });

  it("reads only the task's own events", () => {
    const h = history()
      .task('other')
      .start('other')
      .submit('other', 'o1')
      .evaluate('other', 'o1', 'failed')
      .skip('other')
      .after(8)
      .submit('t', 's1')
      .evaluate('t', 's1', 'passed');
    expect(reviewOutcomeOf(h.id('t'), h.events)).toMatchObject({
      ended: 'passed',
      attempts: 1,
      workedMs: minutes(8),
    });
  });
});
