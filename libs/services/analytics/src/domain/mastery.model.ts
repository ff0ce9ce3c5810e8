/*
 * Topic mastery: an Elo rating, as adaptive-learning systems use it (Pelánek, "Applications of the
 * Elo rating system in adaptive educational systems", 2016), with the task's difficulty as a fixed
 * item difficulty. A skill (a topic, or a module) has a rating θ on the logit scale; the chance of
 * passing a task of difficulty d is σ(θ − b(d)) with b(d) = d − 3. Each counted evaluation moves θ
 * toward the evidence by a step K that shrinks as evidence accumulates:
 *
 *   pass:    θ += K · credit · (1 − p)      credit = 0.75^(attempt − 1) / (1 + hints / 2)
 *   failure: θ −= K · p · (1 − score / 2)   score = the share of hidden tests that passed
 *
 * with p = σ(θ − b(d)) and K = 1 / (1 + n / 10) after n evaluations, θ clamped to [−6, 6].
 * Plain Elo scores a pass with hints as a partial success (θ += K(y − p), y < 1), which lowers θ
 * whenever p > y; scaling the gain instead keeps the rules learners expect: a pass never lowers
 * mastery, a failure never raises it, a harder pass raises it more, and hints or earlier failed
 * attempts make a pass count for less. Mastery is the expected pass rate over the difficulty
 * ladder, mean over d = 1..5 of σ(θ − b(d)): 0–1, increasing in θ. Deterministic: no randomness,
 * no clock.
 */

/** Names the model on published mastery, so consumers can tell scores of different models apart. */
export const MASTERY_MODEL = 'elo-1';

export const DIFFICULTY_LEVELS = [1, 2, 3, 4, 5] as const;
/** Before any evidence: an even chance on a warm-up (difficulty 1) task. */
export const INITIAL_THETA = -2;
const THETA_LIMIT = 6;
const BASE_STEP = 1;
const STEP_DECAY = 0.1;
const ATTEMPT_DECAY = 0.75;
const HINT_WEIGHT = 0.5;
/** How much of a failure's weight a fully passing score would take away. */
const SCORE_RELIEF = 0.5;

export interface Rating {
  theta: number;
  /** Counted evaluations so far. */
  evaluations: number;
}

/** One counted evaluation of a task, as the model sees it. */
export interface Evidence {
  passed: boolean;
  /** The task's difficulty, 1 (warm-up) to 5 (hard). */
  difficulty: number;
  /** 1 for the task's first counted evaluation, 2 for the next... */
  attempt: number;
  /** Hints delivered on the task before this submission. */
  hints: number;
  /** The share of hidden tests that passed, 0–1. */
  score: number;
}

export function initialRating(): Rating {
  return { theta: INITIAL_THETA, evaluations: 0 };
}

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));
const itemDifficulty = (difficulty: number): number => Math.min(5, Math.max(1, difficulty)) - 3;
const clamp = (theta: number): number => Math.min(THETA_LIMIT, Math.max(-THETA_LIMIT, theta));

/** The chance, as the model has it, of passing a task of this difficulty. */
export function passProbability(rating: Rating, difficulty: number): number {
  return sigmoid(rating.theta - itemDifficulty(difficulty));
}

/** How much a pass counts: less after failed attempts, less with hints; in (0, 1]. */
export function passCredit(attempt: number, hints: number): number {
  return ATTEMPT_DECAY ** Math.max(0, attempt - 1) / (1 + HINT_WEIGHT * Math.max(0, hints));
}

/** The rating after one more counted evaluation. */
export function updateRating(rating: Rating, evidence: Evidence): Rating {
  const p = passProbability(rating, evidence.difficulty);
  const step = BASE_STEP / (1 + STEP_DECAY * rating.evaluations);
  const score = Math.min(1, Math.max(0, evidence.score));
  const delta = evidence.passed
    ? step * passCredit(evidence.attempt, evidence.hints) * (1 - p)
    : -step * p * (1 - SCORE_RELIEF * score);
  return { theta: clamp(rating.theta + delta), evaluations: rating.evaluations + 1 };
}

/** Mastery 0–1: the expected pass rate over the difficulty ladder. */
export function masteryOf(rating: Rating): number {
  let sum = 0;
  for (const difficulty of DIFFICULTY_LEVELS) sum += passProbability(rating, difficulty);
  return sum / DIFFICULTY_LEVELS.length;
}
