import { createHash } from 'node:crypto';
import type { GenerationPolicyVersion, ModuleId, Track } from '@studypath/contracts';
import { assertNever } from '@studypath/decider';

/** What the generator needs to know of a problem. */
export interface CatalogProblem {
  id: string;
  module: ModuleId;
  difficulty: number;
  topics: readonly string[];
}

export type Outcome = 'open' | 'passed' | 'failed' | 'skipped' | 'expired';

/** A task of the path so far (created or proposed), in path order. */
export interface HistoryTask {
  problemId: string;
  module: ModuleId;
  difficulty: number;
  topics: readonly string[];
  source: 'initial' | 'adaptive' | 'review';
  outcome: Outcome;
  /** When the outcome became known (the path's event sequence); open tasks have none. */
  decidedAt?: number;
  /** When the task was proposed (same sequence). */
  proposedAt: number;
}

export interface GeneratorConfig {
  starting_levels: Readonly<Record<string, number>>;
  personalization_weights: Readonly<Record<string, number>>;
  hours_per_week: number;
  target_interview_date: string | null;
}

export interface ProposedTask {
  problem_id: string;
  module: ModuleId;
  topics: string[];
  difficulty: number;
  source: 'initial' | 'adaptive' | 'review';
  reason: string;
}

export interface GenerateInput {
  track: Track;
  catalog: readonly CatalogProblem[];
  config: GeneratorConfig;
  history: readonly HistoryTask[];
  /** How many tasks to propose. */
  count: number;
  /** Seeds every tie-break: the same inputs give the same tasks. */
  seed: string;
  /** Days until the interview, when known (an urgent path opens every module at once). */
  daysToInterview?: number | null;
  source: 'initial' | 'adaptive';
  /** The path's event sequence now: later than every decidedAt and proposedAt in the history. */
  clock: number;
}

/** Minutes a task of each difficulty takes, for sizing the first week. */
const MINUTES_BY_DIFFICULTY = [0, 25, 35, 45, 60, 75];

/** How many tasks the first week holds at the configured hours (at least 3, at most 25). */
export function initialBatchSize(config: GeneratorConfig, track: Track): number {
  const levels = track.modules.map((m) => config.starting_levels[m.id] ?? 1);
  const average =
    levels.reduce((sum, level) => sum + (MINUTES_BY_DIFFICULTY[level] ?? 45), 0) / levels.length;
  return Math.max(3, Math.min(25, Math.floor((config.hours_per_week * 60) / average)));
}

/** A small deterministic PRNG (mulberry32) seeded from a string. */
function random(seed: string): () => number {
  let state = createHash('sha256').update(seed).digest().readUInt32LE(0);
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const clamp = (value: number): number => Math.max(1, Math.min(5, value));

/**
 * generation-1: the next `count` tasks of a path, a pure, deterministic function of the
 * configuration, the path's history and the catalog. Rules, each also checked by property tests:
 * - modules follow the track, weighted by the personalization weights and by weak spots, more
 *   modules opening as the path goes on (all at once when the interview is near);
 * - within a module the difficulty starts at the configured level, steps up after a success, never
 *   more than +1 over the module's previous task, and eases after a failure;
 * - after two failures in a row the next task is easier, or a review of something already solved;
 * - no topic twice in a row within a module where another is available;
 * - no problem twice, except as a review.
 */
export function generateTasks(input: GenerateInput): ProposedTask[] {
  return generate(input, proposeOne);
}

/** The generator a version names; a version this code does not know is an error, never a fallback. */
export function generatorFor(
  version: GenerationPolicyVersion,
): (input: GenerateInput) => ProposedTask[] {
  switch (version) {
    case 'generation-1':
      return generateTasks;
    case 'generation-2':
      return generateTasksV2;
    default:
      return assertNever(version, 'generation policy version');
  }
}

type ProposeOne = (
  input: GenerateInput,
  history: HistoryTask[],
  next: () => number,
) => ProposedTask | undefined;

/** `count` tasks proposed one at a time, each joining the history as open before the next. */
function generate(input: GenerateInput, one: ProposeOne): ProposedTask[] {
  const next = random(input.seed);
  const history: HistoryTask[] = [...input.history];
  const proposals: ProposedTask[] = [];
  for (let i = 0; i < input.count; i++) {
    const task = one(input, history, next);
    if (!task) break; // the catalog has nothing left that fits
    proposals.push(task);
    history.push(openTask(task, input.clock));
  }
  return proposals;
}

/** A proposed task as the history holds it: open, proposed at `clock`. */
export function openTask(task: ProposedTask, clock: number): HistoryTask {
  return {
    problemId: task.problem_id,
    module: task.module,
    difficulty: task.difficulty,
    topics: task.topics,
    source: task.source,
    outcome: 'open',
    proposedAt: clock,
  };
}

function lastInModule(history: readonly HistoryTask[], module: string): HistoryTask | undefined {
  for (let i = history.length - 1; i >= 0; i--)
    if (history[i]?.module === module) return history[i];
  return undefined;
}

/** The outcomes decided so far, in the order they became known. */
function decided(history: readonly HistoryTask[]): HistoryTask[] {
  return history
    .filter((t) => t.outcome !== 'open' && t.decidedAt !== undefined)
    .sort((a, b) => (a.decidedAt as number) - (b.decidedAt as number));
}

/** True when the last two decided outcomes failed and nothing was proposed after the second one yet. */
export function needsRelief(history: readonly HistoryTask[]): HistoryTask | undefined {
  const outcomes = decided(history).filter((t) => t.outcome === 'passed' || t.outcome === 'failed');
  const [a, b] = outcomes.slice(-2);
  if (!a || !b || a.outcome !== 'failed' || b.outcome !== 'failed') return undefined;
  // Relief already given: a task proposed after the second failure was known is easier or a review.
  const after = history.filter((t) => t.proposedAt > (b.decidedAt as number));
  return after.some(
    (t) => t.source === 'review' || t.difficulty < b.difficulty || b.difficulty === 1,
  )
    ? undefined
    : b;
}

/** The difficulty a module's next task should have, before the +1 cap and catalog availability. */
function targetDifficulty(
  input: GenerateInput,
  history: readonly HistoryTask[],
  module: string,
): number {
  const last = lastInModule(history, module);
  if (!last) return clamp(input.config.starting_levels[module] ?? 1);
  switch (last.outcome) {
    case 'passed':
      return clamp(last.difficulty + 1);
    case 'failed':
      return clamp(last.difficulty - 1);
    case 'open':
    case 'skipped':
    case 'expired':
      return last.difficulty;
  }
}

function moduleWeights(input: GenerateInput, history: readonly HistoryTask[]): Map<string, number> {
  const weights = new Map<string, number>();
  const modules = input.track.modules;
  // Modules open along the track: two at first, one more every three tasks; all when urgent.
  const urgent =
    input.daysToInterview !== null &&
    input.daysToInterview !== undefined &&
    input.daysToInterview <= 14;
  const open = urgent
    ? modules.length
    : Math.min(modules.length, 2 + Math.floor(history.length / 3));
  modules.forEach((module, index) => {
    if (index >= open) return;
    const mine = history.filter((t) => t.module === module.id);
    const failures = mine.filter((t) => t.outcome === 'failed').length;
    const graded = mine.filter((t) => t.outcome === 'failed' || t.outcome === 'passed').length;
    const weakness = graded === 0 ? 1 : 1 + (2 * failures) / graded;
    const preference = input.config.personalization_weights[module.id] ?? 1;
    weights.set(module.id, preference * weakness);
  });
  return weights;
}

function proposeOne(
  input: GenerateInput,
  history: HistoryTask[],
  next: () => number,
): ProposedTask | undefined {
  const used = new Set(history.filter((t) => t.source !== 'review').map((t) => t.problemId));
  const failed = needsRelief(history);
  if (failed) {
    const relief = review(history, next, failed) ?? easier(input, history, next, failed, used);
    if (relief) return relief;
  }
  for (const module of rankedModules(input, history, next)) {
    const task = pick(
      input,
      history,
      next,
      module,
      targetDifficulty(input, history, module),
      used,
      'new',
    );
    if (task) return task;
  }
  return undefined;
}

/** The open modules by deficit: how far each is below its weighted share of the tasks so far. */
function rankedModules(
  input: GenerateInput,
  history: readonly HistoryTask[],
  next: () => number,
): string[] {
  const weights = moduleWeights(input, history);
  const total = [...weights.values()].reduce((a, b) => a + b, 0);
  const order: string[] = input.track.modules.map((m) => m.id);
  return [...weights.entries()]
    .filter(([, weight]) => weight > 0)
    .map(([module, weight]) => {
      const share = (weight / total) * (history.length + 1);
      const done = history.filter((t) => t.module === module).length;
      return { module, deficit: share - done, tie: next() };
    })
    .sort(
      (a, b) =>
        b.deficit - a.deficit || order.indexOf(a.module) - order.indexOf(b.module) || a.tie - b.tie,
    )
    .map(({ module }) => module);
}

/** A problem of `module` near `difficulty` (never above the module's previous task + 1), rotating topics. */
function pick(
  input: GenerateInput,
  history: readonly HistoryTask[],
  next: () => number,
  module: string,
  difficulty: number,
  used: ReadonlySet<string>,
  why: string,
): ProposedTask | undefined {
  const previous = lastInModule(history, module);
  const ceiling = previous ? previous.difficulty + 1 : 5;
  const target = Math.min(difficulty, ceiling);
  const lastTopic = previous?.topics[0];
  const fresh = input.catalog.filter(
    (p) => p.module === module && !used.has(p.id) && p.difficulty <= ceiling,
  );
  if (fresh.length === 0) return retry(history, module, ceiling, next);
  // Closest to the target difficulty, preferring easier over harder; then another topic than last time.
  const distance = (p: CatalogProblem): number =>
    Math.abs(p.difficulty - target) * 2 + (p.difficulty > target ? 1 : 0);
  const best = Math.min(...fresh.map(distance));
  const closest = fresh.filter((p) => distance(p) === best);
  const rotated = closest.filter((p) => p.topics[0] !== lastTopic);
  const pool = (rotated.length > 0 ? rotated : closest).sort((a, b) => a.id.localeCompare(b.id));
  const chosen = pool[Math.floor(next() * pool.length)] as CatalogProblem;
  const reason =
    why === 'new'
      ? !previous
        ? `first ${module} task, at the starting level ${chosen.difficulty}`
        : previous.outcome === 'passed'
          ? `${module}: a step up after a success`
          : previous.outcome === 'failed'
            ? `${module}: easier after a miss`
            : `${module}: next at level ${chosen.difficulty}`
      : why;
  return {
    problem_id: chosen.id,
    module: chosen.module,
    topics: [...chosen.topics],
    difficulty: chosen.difficulty,
    source: input.source,
    reason,
  };
}

/**
 * Another go at a problem missed earlier (as a review), when the module has no new problem at the
 * levels it allows: the catalog is finite, and a weak module should not simply stop.
 */
function retry(
  history: readonly HistoryTask[],
  module: string,
  ceiling: number,
  next: () => number,
): ProposedTask | undefined {
  const open = new Set(history.filter((t) => t.outcome === 'open').map((t) => t.problemId));
  const missed = history.filter(
    (t) =>
      t.module === module &&
      (t.outcome === 'failed' || t.outcome === 'skipped' || t.outcome === 'expired') &&
      t.difficulty <= ceiling &&
      !open.has(t.problemId),
  );
  if (missed.length === 0) return undefined;
  const easiest = Math.min(...missed.map((t) => t.difficulty));
  const pool = missed
    .filter((t) => t.difficulty === easiest)
    .sort((a, b) => a.problemId.localeCompare(b.problemId));
  const chosen = pool[Math.floor(next() * pool.length)] as HistoryTask;
  return reviewOf(chosen, `${module}: another go at a problem missed earlier`);
}

/** A review of a problem already solved, no harder than its module allows. */
function review(
  history: readonly HistoryTask[],
  next: () => number,
  failed: HistoryTask,
): ProposedTask | undefined {
  const solved = history.filter((t) => t.outcome === 'passed');
  const eligible = solved.filter((t) => {
    const previous = lastInModule(history, t.module);
    return !previous || t.difficulty <= previous.difficulty + 1;
  });
  if (eligible.length === 0) return undefined;
  // Prefer the module that just went wrong, then the easiest.
  const sameModule = eligible.filter((t) => t.module === failed.module);
  const pool = (sameModule.length > 0 ? sameModule : eligible).sort(
    (a, b) => a.difficulty - b.difficulty || a.problemId.localeCompare(b.problemId),
  );
  const easiest = pool.filter((t) => t.difficulty === pool[0]?.difficulty);
  const chosen = easiest[Math.floor(next() * easiest.length)] as HistoryTask;
  return reviewOf(chosen, 'two misses in a row: a review of something already solved');
}

/** A task of the history proposed again, as a review. */
function reviewOf(task: HistoryTask, reason: string): ProposedTask {
  return {
    problem_id: task.problemId,
    module: task.module,
    topics: [...task.topics],
    difficulty: task.difficulty,
    source: 'review',
    reason,
  };
}

/** An easier new problem than the last failure, in any open module. */
function easier(
  input: GenerateInput,
  history: readonly HistoryTask[],
  next: () => number,
  failed: HistoryTask,
  used: ReadonlySet<string>,
): ProposedTask | undefined {
  const target = Math.max(1, failed.difficulty - 1);
  const modules = [
    failed.module,
    ...input.track.modules.map((m) => m.id).filter((m) => m !== failed.module),
  ];
  for (const module of modules) {
    const task = pick(
      input,
      history,
      next,
      module,
      target,
      used,
      'two misses in a row: an easier problem',
    );
    if (task && (task.difficulty < failed.difficulty || failed.difficulty === 1)) return task;
  }
  return undefined;
}

/**
 * generation-2: generation-1 with two rules changed, each checked by property tests.
 * - Difficulty moves on a module's ladder: its tasks other than reviews, in path order. The next
 *   task's target is the configured starting level when the ladder is empty; one below the last
 *   rung after it failed; one above it when the last two rungs both passed, the earlier at the
 *   later's level or higher (two passes in a row at this level, not any one success); the last
 *   rung's level otherwise (one pass, open, skipped, expired). A task is never harder than that
 *   target nor than the last rung (its ceiling), except when the module has no problem left at or
 *   below the ceiling, new or to retry: then it may be one above the last rung (any level for a
 *   module's first task), but never after a failure. Reviews are not rungs.
 * - Modules interleave: the module of the path's previous task is tried last, after every other
 *   open module in deficit order, so a module comes twice in a row only when no other open module
 *   has a problem (new, or a retry) at the levels it allows. Relief after two failures in a row
 *   is exempt: it goes to the module that went wrong, as in generation-1.
 * The rest is generation-1's: module weights, the opening of modules, relief, topic rotation, no
 * problem twice except as a review.
 */
export function generateTasksV2(input: GenerateInput): ProposedTask[] {
  return generate(input, proposeOneV2);
}

/** A module's next task under generation-2: the level it aims at and the most it may be. */
export interface LadderStep {
  target: number;
  ceiling: number;
  /** The most it may be when the module has nothing left at or below the ceiling, not even a retry. */
  fallback: number;
  /** Why the target is what it is, for the task's reason. */
  why: 'first' | 'step-up' | 'eased' | 'held';
}

/** A module's ladder: its tasks other than reviews, in path order. */
export function ladderOf(history: readonly HistoryTask[], module: string): HistoryTask[] {
  return history.filter((t) => t.module === module && t.source !== 'review');
}

/** Where generation-2 puts a module's next task (see `generateTasksV2`). */
export function ladderStep(
  history: readonly HistoryTask[],
  module: string,
  startingLevel: number,
): LadderStep {
  const rungs = ladderOf(history, module);
  const last = rungs[rungs.length - 1];
  if (!last) {
    const start = clamp(startingLevel);
    return { target: start, ceiling: start, fallback: 5, why: 'first' };
  }
  const before = rungs[rungs.length - 2];
  const step = (target: number, why: LadderStep['why']): LadderStep => ({
    target,
    ceiling: Math.max(target, last.difficulty),
    fallback: last.outcome === 'failed' ? last.difficulty : clamp(last.difficulty + 1),
    why,
  });
  switch (last.outcome) {
    case 'failed':
      return step(clamp(last.difficulty - 1), 'eased');
    case 'passed':
      return before?.outcome === 'passed' && before.difficulty >= last.difficulty
        ? step(clamp(last.difficulty + 1), 'step-up')
        : step(last.difficulty, 'held');
    case 'open':
    case 'skipped':
    case 'expired':
      return step(last.difficulty, 'held');
    default:
      return assertNever(last.outcome, 'outcome');
  }
}

function proposeOneV2(
  input: GenerateInput,
  history: HistoryTask[],
  next: () => number,
): ProposedTask | undefined {
  const used = new Set(history.filter((t) => t.source !== 'review').map((t) => t.problemId));
  const failed = needsRelief(history);
  if (failed) {
    const relief =
      review(history, next, failed) ?? easierOnLadder(input, history, next, failed, used);
    if (relief) return relief;
  }
  const previous = history[history.length - 1]?.module;
  const ranked = rankedModules(input, history, next);
  const interleaved = [
    ...ranked.filter((m) => m !== previous),
    ...ranked.filter((m) => m === previous),
  ];
  for (const module of interleaved) {
    const step = ladderStep(history, module, input.config.starting_levels[module] ?? 1);
    const task = pickOnLadder(input, history, next, module, step, used, undefined);
    if (task) return task;
  }
  return undefined;
}

/** generation-2's relief: an easier new problem than the last failure, within each module's ladder. */
function easierOnLadder(
  input: GenerateInput,
  history: readonly HistoryTask[],
  next: () => number,
  failed: HistoryTask,
  used: ReadonlySet<string>,
): ProposedTask | undefined {
  const target = Math.max(1, failed.difficulty - 1);
  const modules = [
    failed.module,
    ...input.track.modules.map((m) => m.id).filter((m) => m !== failed.module),
  ];
  for (const module of modules) {
    const { ceiling } = ladderStep(history, module, input.config.starting_levels[module] ?? 1);
    const step: LadderStep = {
      target: Math.min(target, ceiling),
      ceiling,
      fallback: ceiling,
      why: 'eased',
    };
    const task = pickOnLadder(
      input,
      history,
      next,
      module,
      step,
      used,
      'two misses in a row: an easier problem',
    );
    if (task && (task.difficulty < failed.difficulty || failed.difficulty === 1)) return task;
  }
  return undefined;
}

/**
 * A new problem of `module` near the step's target, never above its ceiling, rotating topics;
 * else a retry of a problem missed at or below the ceiling; else, the catalog being finite, a new
 * problem up to the step's fallback, so that a module is not stuck at a level it has used up.
 */
function pickOnLadder(
  input: GenerateInput,
  history: readonly HistoryTask[],
  next: () => number,
  module: string,
  step: LadderStep,
  used: ReadonlySet<string>,
  why: string | undefined,
): ProposedTask | undefined {
  const unused = input.catalog.filter((p) => p.module === module && !used.has(p.id));
  const fresh = unused.filter((p) => p.difficulty <= step.ceiling);
  if (fresh.length > 0) return pickNear(input, history, next, module, fresh, step, why);
  const again = retry(history, module, step.ceiling, next);
  if (again) return again;
  const above = unused.filter((p) => p.difficulty <= step.fallback);
  if (above.length === 0) return undefined;
  return pickNear(
    input,
    history,
    next,
    module,
    above,
    { ...step, target: step.ceiling + 1 },
    why ?? `${module}: nothing left up to level ${step.ceiling}`,
  );
}

/** The problem of `fresh` closest to the target, preferring easier, then another topic than last time. */
function pickNear(
  input: GenerateInput,
  history: readonly HistoryTask[],
  next: () => number,
  module: string,
  fresh: readonly CatalogProblem[],
  step: LadderStep,
  why: string | undefined,
): ProposedTask {
  const lastTopic = lastInModule(history, module)?.topics[0];
  const distance = (p: CatalogProblem): number =>
    Math.abs(p.difficulty - step.target) * 2 + (p.difficulty > step.target ? 1 : 0);
  const best = Math.min(...fresh.map(distance));
  const closest = fresh.filter((p) => distance(p) === best);
  const rotated = closest.filter((p) => p.topics[0] !== lastTopic);
  const pool = (rotated.length > 0 ? rotated : closest).sort((a, b) => a.id.localeCompare(b.id));
  const chosen = pool[Math.floor(next() * pool.length)] as CatalogProblem;
  return {
    problem_id: chosen.id,
    module: chosen.module,
    topics: [...chosen.topics],
    difficulty: chosen.difficulty,
    source: input.source,
    reason: why ?? ladderReason(module, step, chosen.difficulty),
  };
}

function ladderReason(module: string, step: LadderStep, difficulty: number): string {
  switch (step.why) {
    case 'first':
      return `first ${module} task, at the starting level ${difficulty}`;
    case 'step-up':
      return `${module}: a step up after two passes in a row`;
    case 'eased':
      return `${module}: easier after a miss`;
    case 'held':
      return `${module}: next at level ${difficulty}`;
    default:
      return assertNever(step.why, 'ladder step');
  }
}
