/*
 * The versioned policies a study path runs (issue 13, CO-003-021; docs/reviews.md, "Policies"):
 * how task generation picks the next tasks, and how the review queue schedules reviews. A path
 * records the versions it runs: a new path gets the newest, an existing one keeps its own until
 * an explicit `path.policies_changed` moves it. A version never changes what it decides: a new
 * rule is a new version, so a path's history replays under its own versions as it happened.
 */

/** Task generation: `generation-1` the original generator, `generation-2` (docs/reviews.md). */
export const GENERATION_POLICY_VERSIONS = ['generation-1', 'generation-2'] as const;
export type GenerationPolicyVersion = (typeof GENERATION_POLICY_VERSIONS)[number];

/** Review scheduling: plain FSRS, and FSRS with deadline awareness and a daily load cap. */
export const SCHEDULING_POLICY_VERSIONS = ['fsrs-1', 'fsrs-deadline-1'] as const;
export type SchedulingPolicyVersion = (typeof SCHEDULING_POLICY_VERSIONS)[number];

export interface PathPolicies {
  generation: GenerationPolicyVersion;
  scheduling: SchedulingPolicyVersion;
}

/** What a new path runs. */
export const LATEST_POLICIES: PathPolicies = {
  generation: 'generation-2',
  scheduling: 'fsrs-deadline-1',
};

/**
 * What a path created before paths recorded their versions runs: what every path ran then (the
 * review queue, which came with the versions, scheduled its cards with fsrs-deadline-1).
 */
export const ORIGINAL_POLICIES: PathPolicies = {
  generation: 'generation-1',
  scheduling: 'fsrs-deadline-1',
};

export function isGenerationPolicyVersion(v: string): v is GenerationPolicyVersion {
  return (GENERATION_POLICY_VERSIONS as readonly string[]).includes(v);
}

export function isSchedulingPolicyVersion(v: string): v is SchedulingPolicyVersion {
  return (SCHEDULING_POLICY_VERSIONS as readonly string[]).includes(v);
}
