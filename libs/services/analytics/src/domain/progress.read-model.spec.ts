import { eventCatalog, META_SWE } from '@studypath/contracts';
import { masteryUpdateFor } from './mastery-updated';
import { initialRating, masteryOf, updateRating } from './mastery.model';
import { progressFromHistory } from './progress-from-history';
import { ProgressHistory } from './progress-history.factory';
import {
  evolveProgress,
  initialProgress,
  progressTimeline,
  progressView,
  type ProgressEvent,
  type ProgressState,
} from './progress.read-model';

const fold = (events: readonly ProgressEvent[]): ProgressState =>
  events.reduce(evolveProgress, initialProgress());

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}

/**
 * The story of the end-to-end test, in Berlin: task a solved after a wrong attempt and a
 * hint, task b solved after an evaluation that could not run, task c skipped.
 */
function story(options: { infrastructureError: boolean } = { infrastructureError: true }) {
  const h = new ProgressHistory('2026-03-10T08:00:00Z') // 09:00 in Berlin, a Tuesday
    .path({ timezone: 'Europe/Berlin', starting_levels: { 'arrays-strings': 2, trees: 3 } })
    .task('a', { module: 'arrays-strings', topics: ['arrays', 'two-sum'], difficulty: 2 })
    .task('b', { module: 'hashing', topics: ['hash-map'], difficulty: 3 })
    .task('c', { module: 'graphs', topics: ['bfs'], difficulty: 2 })
    .start('a')
    .status('a', 'pending', 'in_progress')
    .after(10)
    .submit('a', 's1')
    .after(1)
    .evaluate('a', 's1', 'failed', 0.5)
    .after(2)
    .hint('a', 'h1')
    .after(7)
    .submit('a', 's2', 2)
    .after(1)
    .evaluate('a', 's2', 'passed')
    .status('a', 'submitted', 'completed')
    .after(9)
    .start('b'); // minute 30
  if (options.infrastructureError) {
    h.after(15).submit('b', 's3').after(1).evaluate('b', 's3', 'infrastructure_error').after(4);
  } else {
    h.after(20);
  }
  h.submit('b', 's4') // minute 50
    .after(1)
    .evaluate('b', 's4', 'passed')
    .after(9)
    .skip('c');
  return h;
}

describe('progress read model', () => {
  it('shows exactly what the learner did: two solved (one after a miss and a hint), one skipped', () => {
    const h = story();
    const now = new Date('2026-03-10T10:00:00Z');
    const view = progressView(fold(h.events), now);

    expect(view.totals).toEqual({
      created: 3,
      completed: 2,
      attempted: 2,
      skipped: 1,
      expired: 0,
      attempts: 3,
      passes: 2,
      timeSpentSeconds: 2400,
      hintsUsed: 1,
    });
    expect(view.overallAccuracy).toBeCloseTo(2 / 3);
    expect(view.completionRate).toBeCloseTo(2 / 3);
    expect(view.engagementRate).toBeCloseTo(2 / 3);
    expect(view.hintIndependence).toBe(0.5);
    expect(view.currentDifficulty).toBe(2);
    expect(view.streaks).toEqual({ current: 1, longest: 1, lastActiveDay: '2026-03-10' });
    expect(view.today).toBe('2026-03-10');
    expect(view.timeZone).toBe('Europe/Berlin');
    expect(view.pathId).toBe(h.pathId);

    const arraysMastery = masteryOf(
      [
        { passed: false, difficulty: 2, attempt: 1, hints: 0, score: 0.5 },
        { passed: true, difficulty: 2, attempt: 2, hints: 1, score: 1 },
      ].reduce(updateRating, initialRating()),
    );
    expect(view.modules['arrays-strings']).toEqual({
      total: 1,
      completed: 1,
      attempted: 1,
      skipped: 0,
      expired: 0,
      attempts: 2,
      accuracy: 0.5,
      avgTimeSeconds: 1200, // started at 0, passed at minute 20
      timeSpentSeconds: 1200,
      currentDifficulty: 2,
      hintsUsed: 1,
      mastery: arraysMastery,
    });
    expect(view.modules.hashing).toMatchObject({
      total: 1,
      completed: 1,
      attempts: 1,
      accuracy: 1,
      avgTimeSeconds: 1200, // started at minute 30, passed at 50; the failed run is no boundary
      hintsUsed: 0,
      currentDifficulty: 3,
    });
    expect(view.modules.graphs).toEqual({
      total: 1,
      completed: 0,
      attempted: 0,
      skipped: 1,
      expired: 0,
      attempts: 0,
      accuracy: null,
      avgTimeSeconds: null,
      timeSpentSeconds: 0,
      currentDifficulty: 2,
      hintsUsed: 0,
      mastery: null,
    });
    // Every module of the track is listed; one without tasks shows its starting level.
    expect(Object.keys(view.modules).sort()).toEqual(META_SWE.modules.map((m) => m.id).sort());
    expect(view.modules.trees).toMatchObject({ total: 0, currentDifficulty: 3, mastery: null });
    expect(view.modules.heaps.currentDifficulty).toBeNull();

    expect(view.topics).toEqual({
      arrays: { attempts: 2, passes: 1, accuracy: 0.5, mastery: arraysMastery },
      'two-sum': { attempts: 2, passes: 1, accuracy: 0.5, mastery: arraysMastery },
      'hash-map': { attempts: 1, passes: 1, accuracy: 1, mastery: view.modules.hashing.mastery },
      bfs: { attempts: 0, passes: 0, accuracy: null, mastery: null },
    });
    // A first-attempt pass of a harder task without a hint says more than a pass after a miss.
    expect(view.modules.hashing.mastery).toBeGreaterThan(arraysMastery);

    const bucket = {
      completed: 2,
      attempts: 3,
      passes: 2,
      accuracy: 2 / 3,
      timeSpentSeconds: 2400,
      avgDifficulty: 2.5,
    };
    expect(progressTimeline(fold(h.events), 'day')).toEqual([{ start: '2026-03-10', ...bucket }]);
    expect(progressTimeline(fold(h.events), 'week')).toEqual([{ start: '2026-03-09', ...bucket }]);

    const reference = progressFromHistory(h.events, now);
    expect(reference.view).toEqual(view);
    expect(reference.days).toEqual(progressTimeline(fold(h.events), 'day'));
  });

  it('counts an evaluation that could not run nowhere', () => {
    const now = new Date('2026-03-11T10:00:00Z');
    const withFailure = fold(story({ infrastructureError: true }).events);
    const without = fold(story({ infrastructureError: false }).events);
    expect(progressView(withFailure, now)).toEqual(progressView(without, now));
    expect(progressTimeline(withFailure, 'day')).toEqual(progressTimeline(without, 'day'));
    expect(withFailure.mastery).toEqual(without.mastery);
  });

  it('gives a path without tasks has null rates, never NaN', () => {
    const h = new ProgressHistory('2026-03-10T08:00:00Z').path({
      starting_levels: { graphs: 4 },
      target_interview_date: '2026-04-01',
    });
    const view = progressView(fold(h.events), h.now);
    expect(view).toMatchObject({
      overallAccuracy: null,
      completionRate: null,
      engagementRate: null,
      hintIndependence: null,
      currentDifficulty: null,
      streaks: { current: 0, longest: 0, lastActiveDay: null },
      daysToInterview: 22,
      topics: {},
    });
    expect(view.modules.graphs).toMatchObject({ total: 0, accuracy: null, currentDifficulty: 4 });
    expect(JSON.stringify(view)).not.toMatch(/NaN|Infinity/);
    expect(progressTimeline(fold(h.events), 'week')).toEqual([]);
    expect(progressFromHistory(h.events, h.now).view).toEqual(view);
  });

  it('shows an empty view before the path is known', () => {
    const view = progressView(initialProgress(), new Date('2026-03-10T08:00:00Z'));
    expect(view).toMatchObject({ pathId: null, timeZone: 'UTC', modules: {}, topics: {} });
    expect(view.totals.created).toBe(0);
  });

  it('ignores a second evaluation or submission of the same submission, and events of unknown tasks', () => {
    const h = story();
    const state = fold(h.events);
    const replayed = h.events
      .filter((e) => e.event_type === 'task.evaluated' || e.event_type === 'task.submitted')
      .reduce(evolveProgress, state);
    expect(replayed).toEqual(state);
    const stranger = new ProgressHistory('2026-03-10T12:00:00Z').task('x').start('x');
    expect(evolveProgress(state, stranger.events[1])).toEqual(state);
  });

  it('counts skipped and expired tasks as created, never completed; an attempt before a skip counts', () => {
    const h = new ProgressHistory('2026-03-10T08:00:00Z')
      .path()
      .task('a')
      .task('b')
      .task('c')
      .start('a')
      .after(5)
      .submit('a', 's1')
      .evaluate('a', 's1', 'syntax_error')
      .after(1)
      .skip('a')
      .after(60 * 24 * 7)
      .expire('b');
    const view = progressView(fold(h.events), h.now);
    expect(view.totals).toMatchObject({
      created: 3,
      completed: 0,
      attempted: 1,
      skipped: 1,
      expired: 1,
      attempts: 1,
      passes: 0,
      timeSpentSeconds: 300,
    });
    expect(view.completionRate).toBe(0);
    expect(view.engagementRate).toBeCloseTo(1 / 3);
    expect(view.overallAccuracy).toBe(0);
    expect(view.hintIndependence).toBeNull(); // nothing completed
  });

  it('takes the current difficulty from the latest task that is not a review', () => {
    const h = new ProgressHistory('2026-03-10T08:00:00Z')
      .path()
      .task('a', { module: 'trees', difficulty: 4 })
      .task('r', { module: 'trees', difficulty: 1, source: 'review' })
      .task('b', { module: 'graphs', difficulty: 3 });
    const view = progressView(fold(h.events), h.now);
    expect(view.modules.trees.currentDifficulty).toBe(4);
    expect(view.modules.trees.total).toBe(2);
    expect(view.currentDifficulty).toBe(3);
  });

  it('puts work on the local date of the zone in force when it was submitted', () => {
    const h = new ProgressHistory('2026-03-29T21:00:00Z') // 23:00 CEST, Sunday 29 March
      .path({ timezone: 'Europe/Berlin' })
      .task('a')
      .task('b')
      .start('a')
      .after(90) // 00:30 CEST on Monday 30 March
      .submit('a', 's1')
      .evaluate('a', 's1', 'passed')
      .configure({ timezone: 'America/New_York' })
      .start('b')
      .after(30) // 23:00Z: 19:00 EDT on Sunday 29 March in New York
      .submit('b', 's2')
      .evaluate('b', 's2', 'passed');
    const state = fold(h.events);
    expect(progressTimeline(state, 'day').map((b) => [b.start, b.completed])).toEqual([
      ['2026-03-29', 1],
      ['2026-03-30', 1],
    ]);
    // Two consecutive local dates, whichever zone each was in.
    expect(progressView(state, h.now).streaks).toMatchObject({ current: 2, longest: 2 });
    expect(progressTimeline(state, 'week').map((b) => [b.start, b.completed])).toEqual([
      ['2026-03-23', 1],
      ['2026-03-30', 1],
    ]);
  });

  it('keeps a streak across the 23-hour day of spring forward in New York', () => {
    const h = new ProgressHistory('2026-03-07T23:00:00Z').path({ timezone: 'America/New_York' });
    // One task a night at 23:30 local: 04:30Z (EST) on the 8th, then 03:30Z (EDT) twice.
    const nights = ['2026-03-08T04:30:00Z', '2026-03-09T03:30:00Z', '2026-03-10T03:30:00Z'];
    nights.forEach((night, i) => {
      const name = `t${i}`;
      h.task(name).at(night).start(name).submit(name, `s${i}`).evaluate(name, `s${i}`, 'passed');
    });
    const state = fold(h.events);
    expect(progressTimeline(state, 'day').map((b) => b.start)).toEqual([
      '2026-03-07',
      '2026-03-08',
      '2026-03-09',
    ]);
    expect(progressView(state, new Date('2026-03-10T14:00:00Z')).streaks).toEqual({
      current: 3,
      longest: 3,
      lastActiveDay: '2026-03-09',
    });
    // The 10th passes without a completion: the streak is over on the 11th.
    expect(progressView(state, new Date('2026-03-11T14:00:00Z')).streaks.current).toBe(0);
  });

  it('never changes the state it is given', () => {
    const h = story();
    expect(() =>
      h.events.reduce(
        (state, event) => evolveProgress(deepFreeze(state), event),
        initialProgress(),
      ),
    ).not.toThrow();
  });
});

describe('masteryUpdateFor', () => {
  const h = story();
  const state = fold(h.events);
  const evaluation = (submission: string) => {
    const event = h.events.find(
      (e) => e.event_type === 'task.evaluated' && e.data.submission_id === h.id(submission),
    );
    if (event?.event_type !== 'task.evaluated') throw new Error(`no evaluation of ${submission}`);
    return event.data;
  };

  it('publishes the mastery of the module and each topic after a counted evaluation', () => {
    const update = masteryUpdateFor(state, evaluation('s2'));
    const view = progressView(state, h.now);
    expect(update).toEqual({
      path_id: h.pathId,
      task_id: h.id('a'),
      submission_id: h.id('s2'),
      model: 'elo-1',
      module: {
        module: 'arrays-strings',
        mastery: view.modules['arrays-strings'].mastery,
        evaluations: 2,
      },
      topics: [
        { topic: 'arrays', mastery: view.topics.arrays.mastery, evaluations: 2 },
        { topic: 'two-sum', mastery: view.topics['two-sum'].mastery, evaluations: 2 },
      ],
    });
    expect(() => eventCatalog.validate('analytics.mastery_updated', update)).not.toThrow();
  });

  it('publishes nothing for an evaluation that could not run', () => {
    expect(masteryUpdateFor(state, evaluation('s3'))).toBeNull();
    expect(masteryUpdateFor(initialProgress(), evaluation('s2'))).toBeNull();
  });
});
