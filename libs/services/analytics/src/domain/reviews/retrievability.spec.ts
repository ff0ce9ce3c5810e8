import { retrievability, schedulingPolicies } from './scheduling-policy';

describe('retrievability (the retention estimate)', () => {
  const policy = schedulingPolicies['fsrs-1'];
  const start = new Date('2026-03-02T09:00:00Z');
  const reviewed = policy.review(policy.newCard(start), 'good', start, {
    timeZone: 'UTC',
    targetInterviewDate: null,
    hoursPerWeek: 5,
    problemDifficulty: 2,
    bookedReviews: {},
  });
  const at = (days: number) => new Date(start.getTime() + days * 86_400_000);

  it('is about the desired retention when the review falls due, higher before, lower after', () => {
    const due = new Date(reviewed.due);
    const days = (due.getTime() - start.getTime()) / 86_400_000;
    expect(retrievability(reviewed.card, due)).toBeCloseTo(0.9, 1);
    expect(retrievability(reviewed.card, at(days / 2))).toBeGreaterThan(0.9);
    expect(retrievability(reviewed.card, at(days * 3))).toBeLessThan(0.9);
  });

  it('never rises with time, and is 0 for a card never reviewed', () => {
    const values = [0, 1, 2, 5, 10, 30, 90].map((d) => retrievability(reviewed.card, at(d)));
    expect(values).toEqual([...values].sort((a, b) => b - a));
    expect(retrievability(policy.newCard(start), at(3))).toBe(0);
  });
});
