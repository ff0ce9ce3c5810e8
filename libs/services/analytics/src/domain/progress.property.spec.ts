import type { EventData, ModuleId, TaskEvaluated } from '@studypath/contracts';
import fc from 'fast-check';
import { initialRating, masteryOf } from './mastery.model';
import { progressFromHistory } from './progress-from-history';
import { ProgressHistory } from './progress-history.factory';
import {
  applyProgress,
  evolveProgress,
  initialProgress,
  progressTimeline,
  progressView,
  type ProgressState,
} from './progress.read-model';

/*
 * CO-017, "test progress tracking accuracy": for random histories, every figure the fold gives
 * equals the brute-force computation over the raw events. Histories follow the path service's
 * task rules, start near a DST change of their zone, may change zone midway, and mix in
 * evaluations that could not run, re-evaluations, hints, skips and expiries.
 */

type Status = EventData<typeof TaskEvaluated>['status'];

const ZONES = ['America/New_York', 'Europe/Berlin', 'Australia/Sydney', 'Asia/Kolkata', 'UTC'];
/** DST changes of 2026 (UTC instants) in New York, Berlin and Sydney. */
const DST_CHANGES = [
  '2026-03-08T07:00:00Z',
  '2026-11-01T06:00:00Z',
  '2026-03-29T01:00:00Z',
  '2026-10-25T01:00:00Z',
  '2026-04-04T16:00:00Z',
  '2026-10-03T16:00:00Z',
].map(Date.parse);
const MODULES: ModuleId[] = ['arrays-strings', 'hashing', 'graphs', 'trees'];
const TOPICS = ['arrays', 'hash-map', 'bfs', 'dfs', 'two-pointers'];
const STATUSES: Status[] = [
  'passed',
  'passed',
  'passed',
  'failed',
  'error',
  'timeout',
  'memory_limit',
  'syntax_error',
  'infrastructure_error',
  'infrastructure_error',
];

interface TaskPlan {
  module: ModuleId;
  topics: string[];
  difficulty: number;
  source: 'initial' | 'adaptive' | 'review';
}

const gap = fc.oneof(
  { weight: 10, arbitrary: fc.integer({ min: 0, max: 90 }) },
  { weight: 3, arbitrary: fc.integer({ min: 60, max: 26 * 60 }) },
  { weight: 1, arbitrary: fc.integer({ min: 24 * 60, max: 4 * 24 * 60 }) },
);
const taskPlan: fc.Arbitrary<TaskPlan> = fc.record({
  module: fc.constantFrom(...MODULES),
  topics: fc.array(fc.constantFrom(...TOPICS), { maxLength: 3 }),
  difficulty: fc.integer({ min: 1, max: 5 }),
  source: fc.constantFrom('initial' as const, 'adaptive' as const, 'review' as const),
});

const scenario = fc.record({
  zone: fc.constantFrom(...ZONES),
  start: fc
    .tuple(fc.constantFrom(...DST_CHANGES), fc.integer({ min: -4 * 24 * 60, max: 60 }))
    .map(([change, minutes]) => change + minutes * 60_000),
  maxAttempts: fc.integer({ min: 1, max: 4 }),
  startingLevels: fc.dictionary(fc.constantFrom(...MODULES), fc.integer({ min: 1, max: 5 })),
  interview: fc.option(fc.constantFrom('2026-04-15', '2026-12-01'), { nil: null }),
  tasks: fc.array(taskPlan, { minLength: 1, maxLength: 10 }),
  steps: fc.array(
    fc.record({
      task: fc.nat({ max: 9 }),
      choice: fc.nat({ max: 99 }),
      status: fc.constantFrom(...STATUSES),
      score: fc.integer({ min: 0, max: 4 }).map((n) => n / 4),
      zone: fc.oneof(
        { weight: 20, arbitrary: fc.constant(null) },
        { weight: 1, arbitrary: fc.constantFrom(...ZONES) },
      ),
      gap,
    }),
    { maxLength: 120, size: 'max' },
  ),
  /** "Now" is some minutes after the last event, or after an earlier one (events ahead of it). */
  nowFrom: fc.option(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), { nil: null }),
  nowAfter: fc.oneof(fc.integer({ min: 0, max: 120 }), fc.integer({ min: 0, max: 3 * 24 * 60 })),
});

type Scenario = typeof scenario extends fc.Arbitrary<infer S> ? S : never;

interface SimTask {
  name: string;
  status: 'pending' | 'in_progress' | 'submitted' | 'completed' | 'failed' | 'skipped' | 'expired';
  attempts: number;
  submissions: number;
  pending: string | null;
  lastEvaluated: string | null;
  hints: number;
}

/** Plays the steps by the path service's task rules: each step takes a move its task's status allows. */
function historyOf(s: Scenario): { history: ProgressHistory; now: Date } {
  const h = new ProgressHistory(new Date(s.start).toISOString()).path({
    timezone: s.zone,
    max_attempts: s.maxAttempts,
    starting_levels: s.startingLevels,
    target_interview_date: s.interview,
  });
  const tasks = new Map<number, SimTask>();
  const generations = new Map<number, number>();
  let hints = 0;
  const pick = <T>(choice: number, options: readonly T[]): T => options[choice % options.length];
  for (const step of s.steps) {
    h.after(step.gap);
    if (step.zone !== null) {
      h.configure({
        timezone: step.zone,
        max_attempts: s.maxAttempts,
        starting_levels: s.startingLevels,
        target_interview_date: s.interview,
      });
      continue;
    }
    const index = step.task % s.tasks.length;
    const previous = tasks.get(index);
    const over = previous && !['pending', 'in_progress', 'submitted'].includes(previous.status);
    // A slot whose task is over gets the next task (as generation tops the path up), mostly.
    if (!previous || (over && step.choice % 4 !== 0)) {
      const generation = (generations.get(index) ?? -1) + 1;
      generations.set(index, generation);
      const plan = s.tasks[index];
      const name = `t${index}-${generation}`;
      h.task(name, { ...plan, difficulty: ((plan.difficulty + generation - 1) % 5) + 1 });
      tasks.set(index, {
        name,
        status: 'pending',
        attempts: 0,
        submissions: 0,
        pending: null,
        lastEvaluated: null,
        hints: 0,
      });
      continue;
    }
    const task = previous;
    const { name } = task;
    const hint = (delivered: boolean): void => {
      const id = `h${hints++}`;
      const level = Math.min(task.hints + 1, 3);
      task.hints += 1;
      if (delivered) h.hint(name, id, level);
      else h.hintRequestOnly(name, id, level);
    };
    const start = (): void => {
      h.start(name).status(name, 'pending', 'in_progress');
      task.status = 'in_progress';
    };
    const submit = (): void => {
      if (task.status === 'pending') start();
      const submission = `${name}-s${task.submissions++}`;
      h.submit(name, submission, task.attempts + 1).status(name, 'in_progress', 'submitted');
      task.attempts += 1;
      task.pending = submission;
      task.status = 'submitted';
    };
    const leave = (to: 'skipped' | 'expired'): void => {
      if (to === 'skipped') h.skip(name);
      else h.expire(name);
      h.status(name, task.status, to);
      task.status = to;
    };
    switch (task.status) {
      case 'pending':
        pick(step.choice, [
          start,
          start,
          submit,
          submit,
          submit,
          submit,
          () => hint(true),
          () => hint(false),
          () => leave('skipped'),
          () => leave('expired'),
        ])();
        break;
      case 'in_progress':
        pick(step.choice, [
          submit,
          submit,
          submit,
          submit,
          submit,
          submit,
          () => hint(true),
          () => hint(true),
          () => hint(false),
          () => leave('skipped'),
        ])();
        break;
      case 'submitted': {
        const pending = task.pending;
        if (step.choice % 6 === 0 || pending === null) {
          hint(true); // asked for before the result came back
          break;
        }
        h.evaluate(name, pending, step.status, step.status === 'passed' ? 1 : step.score);
        task.lastEvaluated = pending;
        task.pending = null;
        if (step.status === 'infrastructure_error') task.attempts -= 1;
        task.status =
          step.status === 'passed'
            ? 'completed'
            : step.status !== 'infrastructure_error' && task.attempts >= s.maxAttempts
              ? 'failed'
              : 'in_progress';
        h.status(name, 'submitted', task.status);
        break;
      }
      case 'completed':
      case 'failed':
      case 'skipped':
      case 'expired':
        // Over: a result comes again for its last submission; the first one stands.
        if (task.lastEvaluated) {
          h.evaluate(name, task.lastEvaluated, step.status, step.score);
        }
    }
  }
  const from =
    s.nowFrom === null
      ? h.now.getTime()
      : Date.parse(h.events[Math.floor(s.nowFrom * h.events.length)].occurred_at);
  return { history: h, now: new Date(from + s.nowAfter * 60_000) };
}

const fold = (h: ProgressHistory): ProgressState =>
  h.events.reduce(evolveProgress, initialProgress());

describe('progress figures (property)', () => {
  it('the fold equals the brute force over the raw events, figure by figure', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const { history, now } = historyOf(s);
        const state = fold(history);
        // The rebuild's and the projector's in-place fold: one state changed event after event,
        // never changing an event (a state must not share what a later event changes).
        const events = JSON.stringify(history.events);
        const inPlace = initialProgress();
        for (const event of history.events) applyProgress(inPlace, event);
        expect(inPlace).toEqual(state);
        expect(JSON.stringify(history.events)).toBe(events);
        const reference = progressFromHistory(history.events, now);
        const view = progressView(state, now);
        expect(view.totals).toEqual(reference.view.totals);
        expect(view.modules).toEqual(reference.view.modules);
        expect(view.topics).toEqual(reference.view.topics);
        expect(view.streaks).toEqual(reference.view.streaks);
        expect(view).toEqual(reference.view);
        expect(progressTimeline(state, 'day')).toEqual(reference.days);
        expect(progressTimeline(state, 'week')).toEqual(reference.weeks);
        expect(JSON.stringify(view)).not.toMatch(/NaN|Infinity/);
      }),
      { numRuns: 300 },
    );
  });

  it('moves mastery up on a pass and down on a failure, never outside [0, 1]', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const { history } = historyOf(s);
        let state = initialProgress();
        for (const event of history.events) {
          const before = state;
          state = evolveProgress(state, event);
          if (event.event_type !== 'task.evaluated') continue;
          const task = state.tasks[event.data.task_id];
          if (!task) continue;
          const ratings = (x: ProgressState) => [
            x.mastery.modules[task.module] ?? initialRating(),
            ...task.topics.map((topic) => x.mastery.topics[topic] ?? initialRating()),
          ];
          const [after, prior] = [ratings(state).map(masteryOf), ratings(before).map(masteryOf)];
          after.forEach((m1, i) => {
            const m0 = prior[i];
            expect(m1).toBeGreaterThanOrEqual(0);
            expect(m1).toBeLessThanOrEqual(1);
            if (event.data.status === 'passed') expect(m1).toBeGreaterThanOrEqual(m0);
            else expect(m1).toBeLessThanOrEqual(m0);
          });
        }
      }),
      { numRuns: 200 },
    );
  });
});
