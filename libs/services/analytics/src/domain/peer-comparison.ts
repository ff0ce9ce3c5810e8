import { findTrack, type ModuleId } from '@studypath/contracts';
import type { ProgressState } from './progress.read-model';

/*
 * Peer comparison (docs/progress.md, "Peer comparison"). Per module of the path, where the learner
 * stands among the other learners of the same track who have attempted that module, on two
 * figures: accuracy (passing / counted evaluations) and tasks completed. A percentile is the share
 * of those other learners whose figure is strictly lower, 0–100. Only for a cohort (the learner and
 * the others) of at least MIN_COHORT; otherwise null with the reason. Nothing of another learner
 * leaves this module but counts: the comparison is made in the database, which answers how many
 * are below, never who or with what.
 */

/** The smallest cohort a percentile is shown for. */
export const MIN_COHORT = 20;

/** What a learner is compared on in one module: the figures the projection also keeps per row. */
export interface PeerFigures {
  module: ModuleId;
  /** Passing / counted evaluations; the learner has at least one counted evaluation. */
  accuracy: number;
  completed: number;
}

/** The database's answer for one module: how many other learners there are, how many below. */
export interface PeerCounts {
  module: ModuleId;
  others: number;
  accuracyBelow: number;
  completedBelow: number;
}

export type PeerReason = 'no attempts in this module yet' | `cohort smaller than ${number}`;

export type Percentile =
  { percentile: number; reason: null } | { percentile: null; reason: PeerReason };

export interface ModuleStanding {
  /** The learner and the others of the track with an attempt in the module; null below MIN_COHORT. */
  cohortSize: number | null;
  accuracy: Percentile;
  completed: Percentile;
}

export interface PeerComparison {
  trackId: string | null;
  minCohort: number;
  modules: Record<string, ModuleStanding>;
}

/** The path's own figures per module with a counted evaluation: what the cohort is compared to. */
export function peerFiguresOf(state: ProgressState): PeerFigures[] {
  const figures: PeerFigures[] = [];
  for (const [module, tally] of Object.entries(state.modules)) {
    if (!tally || tally.attempts === 0) continue;
    figures.push({
      module: module as ModuleId,
      accuracy: tally.passes / tally.attempts,
      completed: tally.completed,
    });
  }
  return figures;
}

/** The percentile (0–100, rounded) of being above `below` of `others`. */
const percentileOf = (below: number, others: number): number => Math.round((100 * below) / others);

/**
 * The comparison the API shows: every module of the track (and any module the path has tasks in),
 * each with its percentiles or the reason there are none.
 */
export function peerComparisonOf(state: ProgressState, counts: PeerCounts[]): PeerComparison {
  const trackModules = (state.trackId ? findTrack(state.trackId)?.modules : undefined) ?? [];
  const moduleIds = new Set<string>([
    ...trackModules.map((m) => m.id),
    ...Object.keys(state.modules),
  ]);
  const attempted = new Set(peerFiguresOf(state).map((f) => f.module as string));
  const byModule = new Map(counts.map((c) => [c.module as string, c]));
  const modules: Record<string, ModuleStanding> = {};
  for (const id of moduleIds) {
    if (!attempted.has(id)) {
      const none = { percentile: null, reason: 'no attempts in this module yet' } as const;
      modules[id] = { cohortSize: null, accuracy: none, completed: none };
      continue;
    }
    const count = byModule.get(id);
    const others = count?.others ?? 0;
    if (others + 1 < MIN_COHORT || !count) {
      const none = { percentile: null, reason: `cohort smaller than ${MIN_COHORT}` } as const;
      modules[id] = { cohortSize: null, accuracy: none, completed: none };
      continue;
    }
    modules[id] = {
      cohortSize: others + 1,
      accuracy: { percentile: percentileOf(count.accuracyBelow, others), reason: null },
      completed: { percentile: percentileOf(count.completedBelow, others), reason: null },
    };
  }
  return { trackId: state.trackId, minCohort: MIN_COHORT, modules };
}
