import { META_SWE, MODULE_IDS } from '@studypath/contracts';
import { BundledCatalog } from '@studypath/problem-bank';
import fc from 'fast-check';
import {
  generateTasks,
  initialBatchSize,
  type CatalogProblem,
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
