import { META_SWE, MODULE_IDS, type ModuleId, type Track } from '@studypath/contracts';
import { BundledCatalog } from '@studypath/problem-bank';
import fc from 'fast-check';
import {
  generateTasks,
  initialBatchSize,
  needsRelief,
  type CatalogProblem,
  type GenerateInput,
  type GeneratorConfig,
  type HistoryTask,
  type Outcome,
} from './generator';

const catalog: CatalogProblem[] = new BundledCatalog()
  .all()
  .map((p) => ({ id: p.id, module: p.module, difficulty: p.difficulty, topics: p.topics }));

interface Simulation {
  tasks: HistoryTask[];
}

/**
 * A path played out: the initial batch, then the user finishes the oldest open task with the next
 * outcome, and the window of pending tasks is topped up after each one.
 */
function simulate(
  config: GeneratorConfig,
  outcomes: readonly Exclude<Outcome, 'open'>[],
  options: { seed: string; pendingAhead: number; daysToInterview?: number | null },
): Simulation {
  let clock = 1;
  const tasks: HistoryTask[] = [];
  const propose = (count: number, source: 'initial' | 'adaptive'): void => {
    const proposals = generateTasks({
      track: META_SWE,
      catalog,
      config,
      history: tasks,
      count,
      seed: `${options.seed}:${clock}`,
      daysToInterview: options.daysToInterview,
      source,
      clock,
    });
    for (const p of proposals) {
      tasks.push({
        problemId: p.problem_id,
        module: p.module,
        difficulty: p.difficulty,
        topics: p.topics,
        source: p.source,
        outcome: 'open',
        proposedAt: clock,
      });
    }
    clock += 1;
  };
  propose(initialBatchSize(config, META_SWE), 'initial');
  for (const outcome of outcomes) {
    const task = tasks.find((t) => t.outcome === 'open');
    if (!task) break;
    task.outcome = outcome;
    task.decidedAt = clock;
    clock += 1;
    const open = tasks.filter((t) => t.outcome === 'open').length;
    if (open < options.pendingAhead) propose(options.pendingAhead - open, 'adaptive');
  }
  return { tasks };
}

function violations(sim: Simulation): string[] {
  const found: string[] = [];
  const { tasks } = sim;
  // No jump of more than +1 over the module's previous task.
  tasks.forEach((task, i) => {
    const previous = tasks
      .slice(0, i)
      .reverse()
      .find((t) => t.module === task.module);
    if (previous && task.difficulty > previous.difficulty + 1) {
      found.push(
        `${task.problemId}: difficulty ${task.difficulty} after ${previous.difficulty} in ${task.module}`,
      );
    }
  });
  // No problem twice, except as a review; reviews are of problems met before.
  const seen = new Set<string>();
  tasks.forEach((task, i) => {
    if (task.source === 'review') {
      if (
        !tasks
          .slice(0, i)
          .some(
            (t) => t.problemId === task.problemId && t.source !== 'review' && t.outcome !== 'open',
          )
      ) {
        found.push(`${task.problemId}: a review of something not met before`);
      }
      return;
    }
    if (seen.has(task.problemId)) found.push(`${task.problemId}: repeated`);
    seen.add(task.problemId);
  });
  // After two failures in a row, the next task proposed is easier or a review.
  const batches = [...new Set(tasks.map((t) => t.proposedAt))].sort((a, b) => a - b);
  for (const at of batches) {
    const graded = tasks
      .filter(
        (t) =>
          t.decidedAt !== undefined &&
          t.decidedAt < at &&
          (t.outcome === 'passed' || t.outcome === 'failed'),
      )
      .sort((a, b) => (a.decidedAt as number) - (b.decidedAt as number));
    const [a, b] = graded.slice(-2);
    if (!a || !b || a.outcome !== 'failed' || b.outcome !== 'failed') continue;
    const givenBefore = tasks.some(
      (t) => t.proposedAt > (b.decidedAt as number) && t.proposedAt < at,
    );
    if (givenBefore) continue;
    const first = tasks.find((t) => t.proposedAt === at);
    const solved = (id: string): boolean =>
      tasks.some((t) => t.problemId === id && t.outcome === 'passed');
    const relief =
      first &&
      ((first.source === 'review' && solved(first.problemId)) ||
        first.difficulty < b.difficulty ||
        b.difficulty === 1);
    if (first && !relief) {
      found.push(
        `after two failures (last at ${b.difficulty}), ${first.problemId} at ${first.difficulty}`,
      );
    }
  }
  // No topic twice in a row within a module where another topic was available at that level.
  tasks.forEach((task, i) => {
    if (task.source === 'review') return;
    const previous = tasks
      .slice(0, i)
      .reverse()
      .find((t) => t.module === task.module);
    if (!previous || previous.topics[0] !== task.topics[0]) return;
    const used = new Set(
      tasks
        .slice(0, i)
        .filter((t) => t.source !== 'review')
        .map((t) => t.problemId),
    );
    const alternative = catalog.find(
      (p) =>
        p.module === task.module &&
        !used.has(p.id) &&
        p.difficulty === task.difficulty &&
        p.topics[0] !== task.topics[0],
    );
    if (alternative)
      found.push(
        `${task.problemId}: topic ${task.topics[0]} twice in ${task.module} though ${alternative.id} was free`,
      );
  });
  return found;
}

const configArbitrary: fc.Arbitrary<GeneratorConfig> = fc.record({
  starting_levels: fc.record(
    Object.fromEntries(MODULE_IDS.map((m) => [m, fc.integer({ min: 1, max: 5 })])),
  ),
  personalization_weights: fc.record(
    Object.fromEntries(MODULE_IDS.map((m) => [m, fc.constantFrom(0.5, 1, 1, 2, 4)])),
  ),
  hours_per_week: fc.integer({ min: 1, max: 30 }),
  target_interview_date: fc.constant(null),
});
const outcomesArbitrary = fc.array(
  fc.constantFrom<Exclude<Outcome, 'open'>>('passed', 'failed', 'failed', 'skipped', 'expired'),
  {
    maxLength: 35,
  },
);

function config(levels: number, overrides: Partial<GeneratorConfig> = {}): GeneratorConfig {
  return {
    starting_levels: Object.fromEntries(MODULE_IDS.map((m) => [m, levels])),
    personalization_weights: Object.fromEntries(MODULE_IDS.map((m) => [m, 1])),
    hours_per_week: 5,
    target_interview_date: null,
    ...overrides,
  };
}

describe('generateTasks', () => {
  it('keeps every invariant for random profiles, configurations and outcomes', () => {
    fc.assert(
      fc.property(
        configArbitrary,
        outcomesArbitrary,
        fc.string({ minLength: 1, maxLength: 12 }),
        fc.integer({ min: 1, max: 8 }),
        fc.option(fc.integer({ min: 1, max: 120 })),
        (cfg, outcomes, seed, pendingAhead, days) => {
          const sim = simulate(cfg, outcomes, { seed, pendingAhead, daysToInterview: days });
          expect(violations(sim)).toEqual([]);
          expect(sim.tasks.length).toBeGreaterThan(0);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('is deterministic: the same inputs give the same tasks', () => {
    fc.assert(
      fc.property(configArbitrary, outcomesArbitrary, fc.string(), (cfg, outcomes, seed) => {
        const once = simulate(cfg, outcomes, { seed, pendingAhead: 4 });
        const twice = simulate(cfg, outcomes, { seed, pendingAhead: 4 });
        expect(twice).toEqual(once);
      }),
      { numRuns: 100 },
    );
  });

  it('starts a beginner gently at the beginning of the track', () => {
    const { tasks } = simulate(config(1, { hours_per_week: 3 }), [], {
      seed: 'beginner',
      pendingAhead: 5,
    });

    expect(tasks.length).toBe(initialBatchSize(config(1, { hours_per_week: 3 }), META_SWE));
    expect(tasks.every((t) => t.difficulty <= 2)).toBe(true);
    for (const module of new Set(tasks.map((t) => t.module))) {
      expect([module, tasks.find((t) => t.module === module)?.difficulty]).toEqual([module, 1]);
    }
    const modules = new Set(tasks.map((t) => t.module));
    expect(modules.size).toBeLessThanOrEqual(4);
    expect([...modules].sort()).toEqual(
      META_SWE.modules
        .slice(0, modules.size)
        .map((m) => m.id)
        .sort(),
    );
    expect(tasks.every((t) => t.source === 'initial')).toBe(true);
  });

  it('takes a strong candidate who solves everything up to the hardest problems', () => {
    const { tasks } = simulate(config(3, { hours_per_week: 10 }), Array(30).fill('passed'), {
      seed: 'strong',
      pendingAhead: 5,
    });

    const mean = (list: HistoryTask[]): number =>
      list.reduce((sum, t) => sum + t.difficulty, 0) / list.length;
    expect(tasks[0]?.difficulty).toBe(3);
    expect(Math.max(...tasks.map((t) => t.difficulty))).toBeGreaterThanOrEqual(4);
    expect(mean(tasks.slice(-10))).toBeGreaterThan(mean(tasks.slice(0, 10)));
  });

  it('gives someone weak only in graphs more, and easier, graph work and reviews', () => {
    let clock = 1;
    const tasks: HistoryTask[] = [];
    const cfg = config(2, { hours_per_week: 8 });
    const run = (count: number): void => {
      for (const p of generateTasks({
        track: META_SWE,
        catalog,
        config: cfg,
        history: tasks,
        count,
        seed: `graphs:${clock}`,
        source: 'adaptive',
        clock,
        daysToInterview: 10,
      })) {
        tasks.push({
          problemId: p.problem_id,
          module: p.module,
          difficulty: p.difficulty,
          topics: p.topics,
          source: p.source,
          outcome: 'open',
          proposedAt: clock,
        });
      }
      clock += 1;
    };
    run(6);
    for (let i = 0; i < 40; i++) {
      const task = tasks.find((t) => t.outcome === 'open');
      if (!task) break;
      // Solid everywhere; in graphs only the easiest problems go through.
      task.outcome = task.module === 'graphs' && task.difficulty > 1 ? 'failed' : 'passed';
      task.decidedAt = clock++;
      run(1);
    }

    const graphs = tasks.filter((t) => t.module === 'graphs');
    const share = graphs.length / tasks.length;
    expect(share).toBeGreaterThan(1 / 12 + 0.05);
    expect(Math.min(...graphs.map((t) => t.difficulty))).toBe(1);
    expect(tasks.some((t) => t.source === 'review')).toBe(true);
    expect(violations({ tasks })).toEqual([]);
  });

  it('opens every module at once when the interview is ten days away', () => {
    const cfg = config(2, { hours_per_week: 20 });
    const { tasks } = simulate(cfg, [], { seed: 'soon', pendingAhead: 5, daysToInterview: 10 });

    expect(new Set(tasks.map((t) => t.module)).size).toBeGreaterThanOrEqual(10);
    const later = simulate(cfg, [], { seed: 'soon', pendingAhead: 5, daysToInterview: 90 });
    expect(new Set(later.tasks.map((t) => t.module)).size).toBeLessThan(
      new Set(tasks.map((t) => t.module)).size,
    );
  });

  it('sizes the first week by the hours the user has', () => {
    expect(initialBatchSize(config(1, { hours_per_week: 2 }), META_SWE)).toBe(4);
    expect(initialBatchSize(config(1, { hours_per_week: 10 }), META_SWE)).toBe(24);
    expect(initialBatchSize(config(5, { hours_per_week: 10 }), META_SWE)).toBe(8);
  });
});

/*
 * The rules one at a time, on small hand-made catalogs: modules A, B, C and D of a made-up track,
 * problems named by module and difficulty.
 */
const [A, B, C, D] = ['arrays-strings', 'hashing', 'graphs', 'trees'] as const;
const trackOf = (...modules: ModuleId[]): Track => ({
  id: 'test-track',
  title: 'Test track',
  description: 'modules in a given order',
  modules: modules.map((id) => ({ id, title: id, objectives: [] })),
});
const problem = (id: string, module: ModuleId, difficulty: number, topic = id): CatalogProblem => ({
  id,
  module,
  difficulty,
  topics: [topic],
});
/** A task of the path: `p`, proposed at `proposedAt`, its outcome known at `decidedAt`. */
const task = (
  p: CatalogProblem,
  outcome: Outcome,
  proposedAt: number,
  decidedAt?: number,
  source: HistoryTask['source'] = 'adaptive',
): HistoryTask => ({
  problemId: p.id,
  module: p.module,
  difficulty: p.difficulty,
  topics: p.topics,
  source,
  outcome,
  proposedAt,
  ...(decidedAt === undefined ? {} : { decidedAt }),
});
const seeds = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j'];

/** The next tasks on a small track, every module at level 1 and weight 1 unless said otherwise. */
function next(input: Partial<GenerateInput> & Pick<GenerateInput, 'catalog'>) {
  return generateTasks({
    track: trackOf(A),
    config: config(1),
    history: [],
    count: 1,
    seed: 'seed',
    source: 'adaptive',
    clock: 100,
    ...input,
  });
}
const ids = (tasks: { problem_id: string }[]) => tasks.map((t) => t.problem_id);
const modules = (tasks: { module: string }[]) => tasks.map((t) => t.module);

describe('generateTasks, rule by rule', () => {
  const a1 = problem('a1', A, 1);
  const a2 = problem('a2', A, 2);
  const a3 = problem('a3', A, 3);
  const a4 = problem('a4', A, 4);
  const b1 = problem('b1', B, 1);
  const b2 = problem('b2', B, 2);
  const b3 = problem('b3', B, 3);

  describe('difficulty within a module', () => {
    const catalog = [a1, a2, a3, a4];

    it('starts at the configured level, and says so', () => {
      expect(next({ catalog, config: config(2), source: 'initial' })).toEqual([
        {
          problem_id: 'a2',
          module: A,
          topics: ['a2'],
          difficulty: 2,
          source: 'initial',
          reason: `first ${A} task, at the starting level 2`,
        },
      ]);
    });

    it('steps up after a success, eases after a miss, and stays after a skip', () => {
      expect(next({ catalog, history: [task(a2, 'passed', 1, 2)] })).toMatchObject([
        { problem_id: 'a3', reason: `${A}: a step up after a success` },
      ]);
      const twoAt3 = [...catalog, problem('a3-other', A, 3)];
      expect(next({ catalog: twoAt3, history: [task(a3, 'failed', 1, 2)] })).toMatchObject([
        { problem_id: 'a2', reason: `${A}: easier after a miss` },
      ]);
      const same = [a1, a2, a3, problem('a2-other', A, 2)];
      for (const outcome of ['skipped', 'expired', 'open'] as const) {
        expect(next({ catalog: same, history: [task(a2, outcome, 1, 2)] })).toMatchObject([
          { problem_id: 'a2-other', reason: `${A}: next at level 2` },
        ]);
      }
    });

    it('goes by the latest task of the module in path order, not the latest finished', () => {
      // a1 was proposed after a3, and missed; a3 was solved, but only later.
      const history = [task(a3, 'passed', 1, 5), task(a1, 'failed', 2, 3)];
      expect(next({ catalog: [...catalog, problem('a1-other', A, 1)], history })).toMatchObject([
        { problem_id: 'a1-other', reason: `${A}: easier after a miss` },
      ]);
    });

    it('prefers the easier of two problems as far from the target, the closer one otherwise', () => {
      for (const seed of seeds) {
        expect(ids(next({ catalog: [a2, a4], config: config(3), seed }))).toEqual(['a2']);
        expect(ids(next({ catalog: [a4, a2], config: config(3), seed }))).toEqual(['a2']);
        expect(ids(next({ catalog: [a1, a4], config: config(3), seed }))).toEqual(['a4']);
      }
    });

    it('picks among equally good problems by the seed alone, not by the catalog order', () => {
      const equals = [problem('x', A, 2), problem('y', A, 2), problem('z', A, 2)];
      const picked = seeds.map((seed) => ids(next({ catalog: equals, config: config(2), seed })));
      expect(new Set(picked.flat()).size).toBeGreaterThan(1);
      seeds.forEach((seed, i) => {
        expect(ids(next({ catalog: [...equals].reverse(), config: config(2), seed }))).toEqual(
          picked[i],
        );
      });
    });
  });

  describe('modules', () => {
    const track = trackOf(A, B, C, D);
    const catalog = [A, B, C, D].flatMap((m) => [1, 2, 3].map((i) => problem(`${m}-${i}`, m, 1)));

    it('open two at a time along the track, one more every three tasks', () => {
      for (const daysToInterview of [undefined, null, 15, 90]) {
        expect(modules(next({ track, catalog, count: 6, daysToInterview }))).toEqual([
          A,
          B,
          A,
          C,
          B,
          C,
        ]);
      }
    });

    it('open all at once when the interview is two weeks away or less', () => {
      for (const daysToInterview of [14, 1]) {
        expect(modules(next({ track, catalog, count: 4, daysToInterview }))).toEqual([A, B, C, D]);
      }
    });

    it('start with the first of the track, whatever the seed', () => {
      for (const seed of seeds) {
        expect(modules(next({ track: trackOf(B, A), catalog, count: 2, seed }))).toEqual([B, A]);
      }
    });

    it('get tasks in proportion to their personalization weights', () => {
      const weights = (w: Record<string, number>) => config(1, { personalization_weights: w });
      const two = trackOf(A, B);
      expect(modules(next({ track: two, catalog, count: 4, config: weights({ [A]: 3 }) }))).toEqual(
        [A, A, B, A],
      );
      expect(
        modules(next({ track: two, catalog, count: 4, config: weights({ [A]: 3, [B]: 1 }) })),
      ).toEqual([A, A, B, A]);
      expect(
        modules(next({ track: two, catalog, count: 3, config: weights({ [A]: 0, [B]: 1 }) })),
      ).toEqual([B, B, B]);
      // Not even when the others have nothing left.
      expect(
        next({
          track: two,
          catalog: [problem('a', A, 1), problem('b', B, 1)],
          count: 3,
          config: weights({ [A]: 0, [B]: 1 }),
        }),
      ).toMatchObject([{ problem_id: 'b' }]);
    });

    it('get more tasks the more of their graded tasks failed', () => {
      // A: one miss in two graded tasks; B: one miss in one graded task (and a skip, ungraded).
      const history = [
        task(problem('a-miss', A, 1), 'failed', 1, 5),
        task(problem('a-pass', A, 1), 'passed', 2, 6),
        task(problem('b-miss', B, 1), 'failed', 3, 7),
        task(problem('b-skip', B, 1), 'skipped', 4, 8),
      ];
      expect(modules(next({ track: trackOf(A, B), catalog, history }))).toEqual([B]);
    });
  });

  describe('after two misses in a row', () => {
    const missA3 = task(a3, 'failed', 1, 3);
    const failA3 = [missA3, task(problem('a3b', A, 3), 'failed', 2, 4)];

    it('asks for relief once the last two graded outcomes failed, in the order they came', () => {
      expect(needsRelief(failA3)).toBe(failA3[1]);
      // Skips and expiries are not graded; a success in between is.
      expect(needsRelief([missA3, task(a1, 'skipped', 2, 4), task(a2, 'failed', 2, 5)])).toEqual(
        task(a2, 'failed', 2, 5),
      );
      expect(needsRelief([missA3, task(a1, 'passed', 2, 4), task(a2, 'failed', 2, 5)])).toBe(
        undefined,
      );
      expect(needsRelief([task(a1, 'passed', 1, 3), task(a2, 'failed', 2, 4)])).toBe(undefined);
      expect(needsRelief([task(a1, 'failed', 1, 3), task(a2, 'passed', 2, 4)])).toBe(undefined);
      expect(needsRelief([task(a1, 'failed', 1, 3)])).toBe(undefined);
      // Finished out of path order: what counts is when each outcome became known.
      const late = task(a3, 'failed', 1, 9);
      expect(needsRelief([late, task(a1, 'passed', 1, 3), task(a2, 'failed', 1, 5)])).toBe(late);
      expect(
        needsRelief([task(a1, 'failed', 1, 3), task(a2, 'passed', 1, 9), task(a3, 'failed', 1, 5)]),
      ).toBe(undefined);
      // Open tasks in between change nothing.
      const last = task(a3, 'failed', 4, 6);
      expect(
        needsRelief([
          task(a2, 'failed', 1, 5),
          task(a4, 'open', 2),
          task(a1, 'passed', 3, 4),
          last,
        ]),
      ).toBe(last);
    });

    it('asks for relief only until an easier task or a review was proposed after the second miss', () => {
      const after = (t: HistoryTask) => needsRelief([...failA3, t]);
      expect(after(task(a4, 'open', 5, undefined, 'review'))).toBe(undefined);
      expect(after(task(a2, 'open', 5))).toBe(undefined);
      expect(after(task(a3, 'open', 5))).toBe(failA3[1]);
      expect(after(task(a4, 'open', 5))).toBe(failA3[1]);
      // Proposed before the second miss was known: no relief yet.
      expect(after(task(a1, 'open', 3))).toBe(failA3[1]);
      // Nothing is easier than level 1: any later task will do.
      const failA1 = [task(a1, 'failed', 1, 3), task(problem('a1b', A, 1), 'failed', 2, 4)];
      expect(needsRelief([...failA1, task(problem('a1c', A, 1), 'open', 5)])).toBe(undefined);
    });

    it('reviews the easiest problem solved in the module that went wrong', () => {
      const solved = [
        task(problem('a-hard', A, 3), 'passed', 1, 1),
        task(problem('z-easy', A, 1, 'easy'), 'passed', 1, 2),
        task(problem('b-easiest', B, 1), 'passed', 1, 3),
        task(a3, 'failed', 1, 4),
        task(problem('a3b', A, 3), 'failed', 2, 5),
      ];
      for (const seed of seeds) {
        expect(
          next({ track: trackOf(A, B), catalog: [a1, a2, b1], history: solved, seed }),
        ).toEqual([
          {
            problem_id: 'z-easy',
            module: A,
            topics: ['easy'],
            difficulty: 1,
            source: 'review',
            reason: 'two misses in a row: a review of something already solved',
          },
        ]);
      }
    });

    it('reviews a problem of another module when the one that went wrong has none', () => {
      const history = [task(b2, 'passed', 1, 1), task(a3, 'failed', 1, 4), ...failA3.slice(1)];
      expect(next({ track: trackOf(A, B), catalog: [a4], history })).toMatchObject([
        { problem_id: 'b2', source: 'review' },
      ]);
    });

    it('reviews no problem harder than its module now allows', () => {
      // b3 was solved, but B's latest task is at level 1: a review of b3 would jump two levels.
      const tooHard = [task(b3, 'passed', 1, 1), task(b1, 'skipped', 1, 2), ...failA3];
      expect(next({ track: trackOf(A, B), catalog: [a2], history: tooHard })).toMatchObject([
        { problem_id: 'a2', source: 'adaptive', reason: 'two misses in a row: an easier problem' },
      ]);
      // One level up is fine.
      const oneUp = [task(b2, 'passed', 1, 1), task(b1, 'skipped', 1, 2), ...failA3];
      expect(next({ track: trackOf(A, B), catalog: [a2], history: oneUp })).toMatchObject([
        { problem_id: 'b2', source: 'review' },
      ]);
    });

    it('otherwise proposes a new problem one level easier', () => {
      const failA4 = [task(a4, 'failed', 1, 3), task(problem('a4b', A, 4), 'failed', 2, 4)];
      expect(next({ catalog: [a1, a2, a3], history: failA4 })).toEqual([
        {
          problem_id: 'a3',
          module: A,
          topics: ['a3'],
          difficulty: 3,
          source: 'adaptive',
          reason: 'two misses in a row: an easier problem',
        },
      ]);
      // In another module when the one that went wrong has nothing easier.
      expect(
        next({ track: trackOf(A, B), catalog: [problem('a4c', A, 4), b3], history: failA4 }),
      ).toMatchObject([{ problem_id: 'b3', reason: 'two misses in a row: an easier problem' }]);
    });

    it('at level 1, proposes another level-1 problem as the relief', () => {
      const failA1 = [task(a1, 'failed', 1, 3), task(problem('a1b', A, 1), 'failed', 2, 4)];
      expect(next({ catalog: [problem('a1c', A, 1)], history: failA1 })).toMatchObject([
        { problem_id: 'a1c', reason: 'two misses in a row: an easier problem' },
      ]);
    });

    it('goes on as usual when no relief is to be had', () => {
      const failA2 = [task(a2, 'failed', 1, 3), task(problem('a2b', A, 2), 'failed', 2, 4)];
      expect(next({ catalog: [problem('a2c', A, 2)], history: failA2 })).toMatchObject([
        { problem_id: 'a2c', reason: `${A}: easier after a miss` },
      ]);
    });
  });

  describe('when a module runs out of new problems', () => {
    it('gives another go at a problem missed earlier, the easiest first', () => {
      for (const seed of seeds) {
        expect(
          next({
            catalog: [a1, a2, a3],
            history: [
              task(a1, 'failed', 1, 2),
              task(a2, 'skipped', 1, 3),
              task(a3, 'passed', 1, 4),
            ],
            seed,
          }),
        ).toEqual([
          {
            problem_id: 'a1',
            module: A,
            topics: ['a1'],
            difficulty: 1,
            source: 'review',
            reason: `${A}: another go at a problem missed earlier`,
          },
        ]);
      }
    });

    it('retries skipped and expired problems, never solved ones', () => {
      for (const missed of ['skipped', 'expired'] as const) {
        expect(
          next({ catalog: [a1, a2], history: [task(a1, 'passed', 1, 2), task(a2, missed, 1, 3)] }),
        ).toMatchObject([{ problem_id: 'a2', source: 'review' }]);
      }
      expect(next({ catalog: [a1], history: [task(a1, 'passed', 1, 2)] })).toEqual([]);
    });

    it('picks among equally easy missed problems by the seed alone', () => {
      const x = problem('x', A, 2);
      const y = problem('y', A, 2);
      for (const seed of seeds) {
        expect(
          ids(
            next({
              catalog: [x, y],
              history: [task(x, 'skipped', 1, 2), task(y, 'skipped', 1, 3)],
              seed,
            }),
          ),
        ).toEqual(
          ids(
            next({
              catalog: [x, y],
              history: [task(y, 'skipped', 1, 2), task(x, 'skipped', 1, 3)],
              seed,
            }),
          ),
        );
      }
    });

    it('does not retry a problem that is open again, nor one of another module', () => {
      const history = [
        task(a1, 'skipped', 1, 2),
        task(b1, 'skipped', 1, 3),
        task(a1, 'open', 4, undefined, 'review'),
      ];
      // A is first in line, but has nothing new and its miss is open again; B has a new problem.
      expect(
        next({
          track: trackOf(A, B),
          catalog: [a1, b1, b2],
          history,
          config: config(1, {
            personalization_weights: { [A]: 10, [B]: 1 },
          }),
        }),
      ).toMatchObject([{ problem_id: 'b2', source: 'adaptive' }]);
    });
  });
});
