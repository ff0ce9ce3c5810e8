import { MIN_COHORT, peerComparisonOf, peerFiguresOf } from './peer-comparison';
import { evolveProgress, initialProgress } from './progress.read-model';
import { ProgressHistory } from './progress-history.factory';

/** Two tasks in arrays-strings: one passed at the second try, one failed; nothing elsewhere. */
const state = new ProgressHistory('2026-03-02T09:00:00Z')
  .path()
  .task('a')
  .task('b')
  .start('a')
  .submit('a', 'a1')
  .evaluate('a', 'a1', 'failed')
  .submit('a', 'a2', 2)
  .evaluate('a', 'a2', 'passed')
  .start('b')
  .submit('b', 'b1')
  .evaluate('b', 'b1', 'infrastructure_error')
  .submit('b', 'b2')
  .evaluate('b', 'b2', 'failed')
  .events.reduce(evolveProgress, initialProgress());

describe('peer comparison', () => {
  it('compares a module on its counted evaluations only, and only the modules attempted', () => {
    expect(peerFiguresOf(state)).toEqual([
      { module: 'arrays-strings', accuracy: 1 / 3, completed: 1 },
    ]);
  });

  it('shows percentiles from a cohort of exactly MIN_COHORT, not one fewer', () => {
    const at = (others: number) =>
      peerComparisonOf(state, [
        { module: 'arrays-strings', others, accuracyBelow: 7, completedBelow: others },
      ]).modules['arrays-strings'];
    expect(at(MIN_COHORT - 1)).toEqual({
      cohortSize: MIN_COHORT,
      accuracy: { percentile: Math.round((100 * 7) / (MIN_COHORT - 1)), reason: null },
      completed: { percentile: 100, reason: null },
    });
    const none = { percentile: null, reason: `cohort smaller than ${MIN_COHORT}` };
    expect(at(MIN_COHORT - 2)).toEqual({ cohortSize: null, accuracy: none, completed: none });
  });

  it('lists every module of the track, with the reason where there is no percentile', () => {
    const { modules, trackId } = peerComparisonOf(state, []);
    expect(trackId).toBe('meta-swe');
    expect(modules['arrays-strings']?.accuracy.reason).toBe('cohort smaller than 20');
    expect(modules.graphs).toEqual({
      cohortSize: null,
      accuracy: { percentile: null, reason: 'no attempts in this module yet' },
      completed: { percentile: null, reason: 'no attempts in this module yet' },
    });
    expect(Object.keys(modules)).toHaveLength(12);
  });
});
