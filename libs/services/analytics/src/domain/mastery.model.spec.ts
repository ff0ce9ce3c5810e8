import fc from 'fast-check';
import {
  initialRating,
  INITIAL_THETA,
  masteryOf,
  passCredit,
  passProbability,
  updateRating,
  type Evidence,
  type Rating,
} from './mastery.model';

const difficulty = fc.integer({ min: 1, max: 5 });
const attempt = fc.integer({ min: 1, max: 10 });
const hints = fc.integer({ min: 0, max: 6 });
const score = fc.double({ min: 0, max: 1, noNaN: true });
const evidence: fc.Arbitrary<Evidence> = fc.record({
  passed: fc.boolean(),
  difficulty,
  attempt,
  hints,
  score,
});
/** Any rating the model can reach: the start, then any evidence. */
const rating: fc.Arbitrary<Rating> = fc
  .array(evidence, { maxLength: 40 })
  .map((history) => history.reduce(updateRating, initialRating()));

const runs = { numRuns: 2000 };

describe('the mastery model', () => {
  it('starts at an even chance on a warm-up task, with a low mastery', () => {
    expect(initialRating()).toEqual({ theta: INITIAL_THETA, evaluations: 0 });
    expect(passProbability(initialRating(), 1)).toBeCloseTo(0.5);
    expect(masteryOf(initialRating())).toBeCloseTo(0.19, 2);
  });

  it('stays within [0, 1], whatever the evidence', () => {
    fc.assert(
      fc.property(rating, (r) => {
        const m = masteryOf(r);
        expect(m).toBeGreaterThanOrEqual(0);
        expect(m).toBeLessThanOrEqual(1);
        expect(Number.isFinite(r.theta)).toBe(true);
      }),
      runs,
    );
  });

  it('never lowers mastery on a pass, at any difficulty, attempt or number of hints', () => {
    fc.assert(
      fc.property(rating, difficulty, attempt, hints, score, (r, d, a, h, s) => {
        const after = updateRating(r, {
          passed: true,
          difficulty: d,
          attempt: a,
          hints: h,
          score: s,
        });
        expect(masteryOf(after)).toBeGreaterThanOrEqual(masteryOf(r));
      }),
      runs,
    );
  });

  it('raises mastery at least as much for a pass at a higher difficulty', () => {
    fc.assert(
      fc.property(rating, difficulty, difficulty, attempt, hints, (r, d1, d2, a, h) => {
        const [low, high] = d1 <= d2 ? [d1, d2] : [d2, d1];
        const pass = { passed: true, attempt: a, hints: h, score: 1 };
        expect(masteryOf(updateRating(r, { ...pass, difficulty: high }))).toBeGreaterThanOrEqual(
          masteryOf(updateRating(r, { ...pass, difficulty: low })),
        );
      }),
      runs,
    );
  });

  it('never raises mastery on a failure, whatever its score', () => {
    fc.assert(
      fc.property(rating, difficulty, attempt, hints, score, (r, d, a, h, s) => {
        const after = updateRating(r, {
          passed: false,
          difficulty: d,
          attempt: a,
          hints: h,
          score: s,
        });
        expect(masteryOf(after)).toBeLessThanOrEqual(masteryOf(r));
      }),
      runs,
    );
  });

  it('raises mastery less for the same pass with more hints', () => {
    fc.assert(
      fc.property(rating, difficulty, attempt, hints, hints, (r, d, a, h1, h2) => {
        const [fewer, more] = h1 <= h2 ? [h1, h2] : [h2, h1];
        const pass = { passed: true, difficulty: d, attempt: a, score: 1 };
        expect(masteryOf(updateRating(r, { ...pass, hints: more }))).toBeLessThanOrEqual(
          masteryOf(updateRating(r, { ...pass, hints: fewer })),
        );
      }),
      runs,
    );
  });

  it('raises mastery less for the same pass at a later attempt', () => {
    fc.assert(
      fc.property(rating, difficulty, attempt, attempt, hints, (r, d, a1, a2, h) => {
        const [earlier, later] = a1 <= a2 ? [a1, a2] : [a2, a1];
        const pass = { passed: true, difficulty: d, hints: h, score: 1 };
        expect(masteryOf(updateRating(r, { ...pass, attempt: later }))).toBeLessThanOrEqual(
          masteryOf(updateRating(r, { ...pass, attempt: earlier })),
        );
      }),
      runs,
    );
  });

  it('lowers mastery less for a failure that passed more of the tests', () => {
    fc.assert(
      fc.property(rating, difficulty, score, score, (r, d, s1, s2) => {
        const [lower, higher] = s1 <= s2 ? [s1, s2] : [s2, s1];
        const fail = { passed: false, difficulty: d, attempt: 1, hints: 0 };
        expect(masteryOf(updateRating(r, { ...fail, score: higher }))).toBeGreaterThanOrEqual(
          masteryOf(updateRating(r, { ...fail, score: lower })),
        );
      }),
      runs,
    );
  });

  it('is deterministic: the same evidence gives the same rating', () => {
    fc.assert(
      fc.property(fc.array(evidence, { maxLength: 30 }), (history) => {
        expect(history.reduce(updateRating, initialRating())).toEqual(
          history.reduce(updateRating, initialRating()),
        );
      }),
    );
  });

  it('gives full credit to a first-attempt pass without hints, less with either', () => {
    expect(passCredit(1, 0)).toBe(1);
    expect(passCredit(2, 0)).toBe(0.75);
    expect(passCredit(1, 2)).toBe(0.5);
  });

  it('moves quickly at first and settles as evidence accumulates', () => {
    const pass: Evidence = { passed: true, difficulty: 3, attempt: 1, hints: 0, score: 1 };
    const first = updateRating(initialRating(), pass);
    const steady = updateRating({ theta: INITIAL_THETA, evaluations: 50 }, pass);
    expect(first.theta - INITIAL_THETA).toBeGreaterThan(5 * (steady.theta - INITIAL_THETA));
    // A learner who passes every level-3 task gets well past half mastery, never beyond 1.
    const expert = Array.from({ length: 40 }, () => pass).reduce(updateRating, initialRating());
    expect(masteryOf(expert)).toBeGreaterThan(0.5);
    expect(masteryOf(expert)).toBeLessThanOrEqual(1);
  });
});
