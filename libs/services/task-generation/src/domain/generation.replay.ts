import type { GenerationPolicyVersion, Track } from '@studypath/contracts';
import {
  generationDecider,
  type GenerationDecision,
  type GenerationFact,
  type GenerationState,
  type NameUuid,
} from './generation.decider';
import type { CatalogProblem } from './generator';

/** A fact of a path's history as it was delivered: what happened, and when. */
export type TimedFact = GenerationFact & { occurred_at: string };

/** One fact of the history and what was decided on it, under the replayed version and for real. */
export interface ReplayStep {
  cause: TimedFact;
  /** What the replayed version decides on the fact, given the path's real history up to it. */
  proposed: GenerationDecision[];
  /** What the versions the path ran decided on it (the live decider). */
  actual: GenerationDecision[];
}

/**
 * A path's generation replayed under `version`, for a what-if: pure, it writes nothing. The
 * history stays the one that happened: the state is the live decider's, folded from the facts and
 * its own decisions under the versions the path recorded (moved by `path.policies_changed`). On
 * each fact the decider also runs under `version` on that same state; what it proposes is set
 * beside what the path got and never folded, since the tasks it would have proposed were never
 * created nor answered and the facts say nothing of them. So each step answers "given all that
 * really happened until then, what would `version` have proposed on this fact?". Replaying under
 * the versions the path ran gives `proposed` equal to `actual` at every step, as long as `catalog`
 * is the one the path was generated from. Only the facts on which either decided something are
 * returned, in order; `facts` are one path's, in the order the service consumed them.
 */
export function replayGeneration(
  facts: readonly TimedFact[],
  version: GenerationPolicyVersion,
  catalog: readonly CatalogProblem[],
  track: Track,
  uuid: NameUuid,
): ReplayStep[] {
  const live = generationDecider(uuid);
  const whatIf = generationDecider(uuid, { generation: version });
  const steps: ReplayStep[] = [];
  let state: GenerationState = live.initialState();
  for (const cause of facts) {
    const command = { fact: cause, track, catalog, now: new Date(cause.occurred_at) };
    const actual = live.decide(command, state);
    const proposed = whatIf.decide(command, state);
    if (actual.length > 0 || proposed.length > 0) steps.push({ cause, proposed, actual });
    state = [cause, ...actual].reduce<GenerationState>(
      (current, event) => live.evolve(current, event),
      state,
    );
  }
  return steps;
}
