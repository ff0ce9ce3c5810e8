import { couldNotRun, type CouldNotRun } from './evaluation-outcome';

/*
 * A submission is stuck when it is not finished and nothing is working on it any more: its
 * `task.submitted` was dead-lettered, or it waits for a dependency that stays away, or its worker
 * vanished without the message coming back. The sweeper looks for such submissions every
 * interval:
 * - stuck means unfinished, queued (or last re-driven) longer than `stuckAfterMs` ago, and not
 *   taken by a worker within that time either. The budget exceeds the longest run (the sandbox's
 *   wall limit) plus the problem bank's time, so a submission being run is never stuck.
 * - a stuck submission is re-driven: run again, in the sweeper, as its consumer would (the same
 *   inbox key, so a late delivery and the re-drive have one effect);
 * - after `maxRedrives` re-drives it is given up: `evaluation.failed`, cause `stalled`, which is
 *   free for the learner and not counted against the code (it says nothing about the code).
 */

export interface SweepPolicy {
  stuckAfterMs: number;
  maxRedrives: number;
}

export type StuckDecision = { kind: 'redrive' } | { kind: 'give-up'; outcome: CouldNotRun };

/**
 * What to do with a stuck submission that is now swept for the `redrives`-th time. One recorded
 * before its delivery was kept is not `redrivable` (no inbox key): it is given up at once.
 */
export function decideOnStuck(
  stuck: { redrives: number; redrivable: boolean },
  policy: SweepPolicy,
): StuckDecision {
  if (stuck.redrivable && stuck.redrives <= policy.maxRedrives) return { kind: 'redrive' };
  const minutes = Math.max(1, Math.round(policy.stuckAfterMs / 60_000));
  return {
    kind: 'give-up',
    outcome: couldNotRun(
      'stalled',
      stuck.redrivable
        ? `the submission could not be evaluated: still unfinished after ${policy.maxRedrives} re-run(s), ${minutes} min apart`
        : 'the submission could not be evaluated in time',
    ),
  };
}

/** The oldest a submission's last sign of life may be, at `now`, before it counts as stuck. */
export function stuckBefore(now: Date, policy: SweepPolicy): Date {
  return new Date(now.getTime() - policy.stuckAfterMs);
}
