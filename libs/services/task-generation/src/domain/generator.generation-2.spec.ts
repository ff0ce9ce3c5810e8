import { META_SWE, MODULE_IDS, type ModuleId, type Track } from '@studypath/contracts';
import { BundledCatalog } from '@studypath/problem-bank';
import fc from 'fast-check';
import {
  generateTasks,
  generateTasksV2,
  generatorFor,
  initialBatchSize,
  needsRelief,
  openTask,
  type CatalogProblem,
  type GenerateInput,
  type GeneratorConfig,
  type HistoryTask,
  type Outcome,
  type ProposedTask,
} from './generator';
import type { GenerationPolicyVersion } from '@studypath/contracts';

const bundled: CatalogProblem[] = new BundledCatalog()
  .all()
  .map((p) => ({ id: p.id, module: p.module, difficulty: p.difficulty, topics: p.topics }));

/** Forty problems per module and level, on three topics: no level ever runs out here. */
const rich: CatalogProblem[] = MODULE_IDS.flatMap((module) =>
  [1, 2, 3, 4, 5].flatMap((difficulty) =>
    Array.from({ length: 40 }, (_, i) => ({
      id: `${module}-${difficulty}-${String(i).padStart(2, '0')}`,
      module,
      difficulty,
      topics: [`${module}-topic-${i % 3}`],
    })),
  ),
);

const GRAPHS_ONLY: Track = {
  id: 'graphs-only',
  title: 'Graphs',
  description: 'graphs',
  modules: META_SWE.modules.filter((m) => m.id === 'graphs'),
};
const TWO_MODULES: Track = {
  id: 'two-modules',
  title: 'Two modules',
  description: 'graphs and trees',
  modules: META_SWE.modules.filter((m) => m.id === 'graphs' || m.id === 'trees'),
};

const baseConfig: GeneratorConfig = {
  starting_levels: {},
  personalization_weights: {},
  hours_per_week: 3,
  target_interview_date: null,
};

const input = (changes: Partial<GenerateInput>): GenerateInput => ({
  track: META_SWE,
  catalog: rich,
  config: baseConfig,
  history: [],
  count: 1,
  seed: 'seed',
  daysToInterview: null,
  source: 'adaptive',
  clock: 100,
  ...changes,
});

let tick = 0;
/** A task of the history, decided at the next tick when it is not open. */
const done = (
  problemId: string,
  difficulty: number,
  outcome: Outcome,
  module: ModuleId = 'graphs',
  source: HistoryTask['source'] = 'adaptive',
): HistoryTask => {
  tick += 2;
  return {
    problemId,
    module,
    difficulty,
    topics: [`${module}-topic-${tick % 3}`],
    source,
    outcome,
    proposedAt: tick - 1,
    ...(outcome === 'open' ? {} : { decidedAt: tick }),
  };
};

/** The one task each version proposes next on a graphs-only path after `history`. */
const nextUnder = (history: HistoryTask[]): { g1: ProposedTask; g2: ProposedTask } => {
  const [g1] = generateTasks(input({ track: GRAPHS_ONLY, history }));
  const [g2] = generateTasksV2(input({ track: GRAPHS_ONLY, history }));
  if (!g1 || !g2) throw new Error('no proposal');
  return { g1, g2 };
};

describe('generation-2, by example (rich catalog)', () => {
  it('holds the level after one pass, where generation-1 steps up', () => {
    const { g1, g2 } = nextUnder([done('graphs-2-00', 2, 'passed')]);
    expect(g1.difficulty).toBe(3);
    expect(g2).toMatchObject({ difficulty: 2, reason: 'graphs: next at level 2' });
  });

  it('steps up after two passes in a row at the level', () => {
    const { g2 } = nextUnder([done('graphs-2-00', 2, 'passed'), done('graphs-2-01', 2, 'passed')]);
    expect(g2).toMatchObject({
      difficulty: 3,
      reason: 'graphs: a step up after two passes in a row',
    });
  });

  it('does not count a pass below the level towards the step', () => {
    const { g2 } = nextUnder([
      done('graphs-2-00', 2, 'passed'),
      done('graphs-2-01', 2, 'passed'),
      done('graphs-3-00', 3, 'passed'),
    ]);
    expect(g2.difficulty).toBe(3);
  });

  it('drops by one after a failure, and a pass after it does not step up', () => {
    const failed = [done('graphs-2-00', 2, 'passed'), done('graphs-3-00', 3, 'failed')];
    expect(nextUnder(failed).g2).toMatchObject({
      difficulty: 2,
      reason: 'graphs: easier after a miss',
    });
    expect(nextUnder([...failed, done('graphs-2-01', 2, 'passed')]).g2.difficulty).toBe(2);
  });

  it('does not count reviews as rungs of the ladder', () => {
    const { g2 } = nextUnder([
      done('graphs-2-00', 2, 'passed'),
      done('graphs-1-00', 1, 'passed', 'graphs', 'review'),
      done('graphs-2-01', 2, 'passed'),
    ]);
    expect(g2.difficulty).toBe(3);
  });

  it('starts a module at its configured level', () => {
    const [task] = generateTasksV2(
      input({ track: GRAPHS_ONLY, config: { ...baseConfig, starting_levels: { graphs: 4 } } }),
    );
    expect(task).toMatchObject({
      difficulty: 4,
      reason: 'first graphs task, at the starting level 4',
    });
  });

  it('interleaves modules where generation-1 follows the weights, twice in a row', () => {
    const config = { ...baseConfig, personalization_weights: { graphs: 5, trees: 1 } };
    const modules = (generate: (i: GenerateInput) => ProposedTask[]): string[] =>
      generate(input({ track: TWO_MODULES, config, count: 6 })).map((t) => t.module);
    expect(twiceInARow(modules(generateTasks))).toBe(true);
    expect(modules(generateTasksV2)).toEqual([
      'graphs',
      'trees',
      'graphs',
      'trees',
      'graphs',
      'trees',
    ]);
  });

  it('steps above the ceiling only when the module has nothing left below it, never after a failure', () => {
    const oneLevel = rich.filter((p) => p.module === 'graphs' && p.difficulty !== 2);
    const passed = [done('graphs-2-00', 2, 'passed')];
    const [held] = generateTasksV2(
      input({ track: GRAPHS_ONLY, catalog: oneLevel, history: passed }),
    );
    expect(held).toMatchObject({ difficulty: 1 });
    const onlyHarder = rich.filter((p) => p.module === 'graphs' && p.difficulty >= 3);
    const [up] = generateTasksV2(
      input({ track: GRAPHS_ONLY, catalog: onlyHarder, history: passed }),
    );
    expect(up).toMatchObject({ difficulty: 3, reason: 'graphs: nothing left up to level 2' });
    const [afterMiss] = generateTasksV2(
      input({
        track: GRAPHS_ONLY,
        catalog: onlyHarder,
        history: [done('graphs-2-00', 2, 'passed'), done('graphs-2-01', 2, 'failed')],
      }),
    );
    // The missed problem again, as a review, rather than anything harder.
    expect(afterMiss).toMatchObject({ problem_id: 'graphs-2-01', source: 'review' });
  });
});

function twiceInARow(modules: readonly string[]): boolean {
  return modules.some((m, i) => i > 0 && modules[i - 1] === m);
}

describe('the version dispatch', () => {
  it('runs generation-1 and generation-2 by name', () => {
    expect(generatorFor('generation-1')).toBe(generateTasks);
    expect(generatorFor('generation-2')).toBe(generateTasksV2);
  });

  it('refuses a version it does not know rather than falling back', () => {
    expect(() => generatorFor('generation-9' as GenerationPolicyVersion)).toThrow(/generation-9/);
  });
});

/** A proposal and the history it was made on (earlier proposals of its batch open in it). */
interface Proposed {
  task: ProposedTask;
  before: HistoryTask[];
}

/** A generation-2 path played out like generator.spec.ts's, keeping each proposal's history. */
function simulate(
  catalog: readonly CatalogProblem[],
  config: GeneratorConfig,
  outcomes: readonly Exclude<Outcome, 'open'>[],
  options: { seed: string; pendingAhead: number; daysToInterview: number | null },
): Proposed[] {
  let clock = 1;
  const tasks: HistoryTask[] = [];
  const made: Proposed[] = [];
  const propose = (count: number, source: 'initial' | 'adaptive'): void => {
    const snapshot = tasks.map((t) => ({ ...t }));
    const proposals = generateTasksV2({
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
    proposals.forEach((task, i) => {
      made.push({
        task,
        before: [...snapshot, ...proposals.slice(0, i).map((p) => openTask(p, clock))],
      });
      tasks.push(openTask(task, clock));
    });
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
  return made;
}

/** The rules of generation-2 restated, apart from the code: a module's target and ceiling. */
function ladder(before: readonly HistoryTask[], module: string, start: number) {
  const rungs = before.filter((t) => t.module === module && t.source !== 'review');
  const last = rungs[rungs.length - 1];
  const prior = rungs[rungs.length - 2];
  if (!last) {
    const level = Math.max(1, Math.min(5, start));
    return { last, target: level, ceiling: level };
  }
  const target =
    last.outcome === 'failed'
      ? Math.max(1, last.difficulty - 1)
      : last.outcome === 'passed' &&
          prior?.outcome === 'passed' &&
          prior.difficulty >= last.difficulty
        ? Math.min(5, last.difficulty + 1)
        : last.difficulty;
  return { last, target, ceiling: Math.max(target, last.difficulty) };
}

const levels = fc.dictionary(
  fc.constantFrom(...MODULE_IDS),
  fc.integer({ min: 1, max: 5 }),
) as fc.Arbitrary<Record<string, number>>;
const weights = fc.dictionary(
  fc.constantFrom(...MODULE_IDS),
  fc.double({ min: 0.5, max: 3, noNaN: true }),
) as fc.Arbitrary<Record<string, number>>;
const configs = fc.record({
  starting_levels: levels,
  personalization_weights: weights,
  hours_per_week: fc.integer({ min: 1, max: 10 }),
  target_interview_date: fc.constant(null),
});
/** Outcomes, mostly passes as on a real path (so that ladders climb as well as ease). */
const outcomes = fc.array(
  fc.oneof(
    { arbitrary: fc.constant<Exclude<Outcome, 'open'>>('passed'), weight: 4 },
    {
      arbitrary: fc.constantFrom<Exclude<Outcome, 'open'>>('failed', 'skipped', 'expired'),
      weight: 2,
    },
  ),
  { maxLength: 30 },
);
const options = fc.record({
  seed: fc.string({ maxLength: 8 }),
  pendingAhead: fc.integer({ min: 1, max: 5 }),
  daysToInterview: fc.option(fc.integer({ min: 0, max: 60 }), { nil: null }),
});

describe('generation-2, properties', () => {
  it('with problems at every level: each new task is exactly at its module target, and no module comes twice in a row', () => {
    // Not vacuous: the runs step up, ease and interleave.
    const seen = { stepUps: 0, eased: 0, switches: 0 };
    fc.assert(
      fc.property(configs, outcomes, options, (config, played, opts) => {
        for (const { task, before } of simulate(rich, config, played, opts)) {
          if (needsRelief(before)) continue;
          const previous = before[before.length - 1];
          expect(previous === undefined || previous.module !== task.module).toBe(true);
          if (previous) seen.switches += 1;
          if (task.source === 'review') continue;
          const start = config.starting_levels[task.module] ?? 1;
          const { last, target } = ladder(before, task.module, start);
          expect(task.difficulty).toBe(target);
          if (last && target > last.difficulty) seen.stepUps += 1;
          if (last && target < last.difficulty) seen.eased += 1;
        }
      }),
      { numRuns: 150 },
    );
    expect(seen.stepUps).toBeGreaterThan(0);
    expect(seen.eased).toBeGreaterThan(0);
    expect(seen.switches).toBeGreaterThan(0);
  });

  it('on the real catalog: above the ceiling only when nothing is left below it, never after a failure, never two above the last rung', () => {
    fc.assert(
      fc.property(configs, outcomes, options, (config, played, opts) => {
        for (const { task, before } of simulate(bundled, config, played, opts)) {
          if (task.source === 'review') continue;
          const start = config.starting_levels[task.module] ?? 1;
          const { last, ceiling } = ladder(before, task.module, start);
          if (last?.outcome === 'failed')
            expect(task.difficulty).toBeLessThanOrEqual(last.difficulty);
          if (last) expect(task.difficulty).toBeLessThanOrEqual(last.difficulty + 1);
          if (task.difficulty <= ceiling) continue;
          const used = new Set(before.filter((t) => t.source !== 'review').map((t) => t.problemId));
          const left = bundled.filter(
            (p) => p.module === task.module && !used.has(p.id) && p.difficulty <= ceiling,
          );
          expect(left).toEqual([]);
        }
      }),
      { numRuns: 150 },
    );
  });

  it('proposes no problem twice except as a review, and only reviews of problems met before', () => {
    fc.assert(
      fc.property(configs, outcomes, options, (config, played, opts) => {
        const seen = new Set<string>();
        for (const { task, before } of simulate(bundled, config, played, opts)) {
          if (task.source === 'review') {
            expect(
              before.some((t) => t.problemId === task.problem_id && t.outcome !== 'open'),
            ).toBe(true);
            continue;
          }
          expect(seen.has(task.problem_id)).toBe(false);
          seen.add(task.problem_id);
        }
      }),
      { numRuns: 100 },
    );
  });

  it('is deterministic: the same inputs give the same tasks', () => {
    fc.assert(
      fc.property(configs, outcomes, options, (config, played, opts) => {
        expect(simulate(bundled, config, played, opts)).toEqual(
          simulate(bundled, config, played, opts),
        );
      }),
      { numRuns: 30 },
    );
  });
});
