import { findTrack, TRACKS, type Track } from '@studypath/contracts';
import { InvalidCommandError } from './domain-errors';
import type { PathConfig } from './path.decider';

/*
 * How a client's choices become a path's configuration. A new path fills in every field left out
 * from the defaults below and gives every module of its track a starting level and a weight. A
 * change keeps only the fields sent; a self-assessment resets the level of every module it does
 * not name. Either way a client may only name modules of the path's track.
 */

export const SELF_ASSESSMENTS = ['beginner', 'intermediate', 'advanced'] as const;
export type SelfAssessment = (typeof SELF_ASSESSMENTS)[number];

/** The starting level (difficulty 1-5) of each self-assessment. */
export const SELF_ASSESSMENT_LEVELS: Readonly<Record<SelfAssessment, number>> = {
  beginner: 1,
  intermediate: 2,
  advanced: 3,
};

/** Attempts a task allows before it fails, unless the path says otherwise. */
export const DEFAULT_MAX_ATTEMPTS = 3;

export const PATH_CONFIG_DEFAULTS = {
  target_interview_date: null,
  timezone: 'UTC',
  hours_per_week: 5,
  self_assessment: 'beginner',
  personalization_weight: 1,
  pending_tasks_ahead: 5,
  max_attempts: DEFAULT_MAX_ATTEMPTS,
  expiry_days: 7,
} as const satisfies Omit<PathConfig, 'starting_levels' | 'personalization_weights'> & {
  self_assessment: SelfAssessment;
  personalization_weight: number;
};

/** What a client may say about a path's configuration: any of its fields, or none. */
export interface PathConfigRequest {
  target_interview_date?: string | null;
  timezone?: string;
  hours_per_week?: number;
  starting_levels?: Record<string, number>;
  self_assessment?: SelfAssessment;
  personalization_weights?: Record<string, number>;
  pending_tasks_ahead?: number;
  max_attempts?: number;
  expiry_days?: number;
}

/** The track a new path goes on; an unknown one is the client's mistake, answered with the known ones. */
export function trackForNewPath(trackId: string): Track {
  const track = findTrack(trackId);
  if (!track) {
    throw new InvalidCommandError(`unknown track "${trackId}"`, {
      known_tracks: Object.keys(TRACKS),
    });
  }
  return track;
}

/** A new path's full configuration: every module of the track gets a level and a weight. */
export function newPathConfig(
  request: PathConfigRequest,
  track: Track,
  now: Date = new Date(),
): PathConfig {
  onlyModulesOf(track, request);
  notInThePast(
    request.target_interview_date,
    request.timezone ?? PATH_CONFIG_DEFAULTS.timezone,
    now,
  );
  const level =
    SELF_ASSESSMENT_LEVELS[request.self_assessment ?? PATH_CONFIG_DEFAULTS.self_assessment];
  const d = PATH_CONFIG_DEFAULTS;
  return {
    target_interview_date: request.target_interview_date ?? d.target_interview_date,
    timezone: request.timezone ?? d.timezone,
    hours_per_week: request.hours_per_week ?? d.hours_per_week,
    starting_levels: Object.fromEntries(
      track.modules.map((m) => [m.id, request.starting_levels?.[m.id] ?? level]),
    ),
    personalization_weights: Object.fromEntries(
      track.modules.map((m) => [
        m.id,
        request.personalization_weights?.[m.id] ?? d.personalization_weight,
      ]),
    ),
    pending_tasks_ahead: request.pending_tasks_ahead ?? d.pending_tasks_ahead,
    max_attempts: request.max_attempts ?? d.max_attempts,
    expiry_days: request.expiry_days ?? d.expiry_days,
  };
}

/** The part of a path's configuration a request changes (the path's decider refuses an empty one). */
export function pathConfigChanges(
  request: PathConfigRequest,
  current: PathConfig,
  track: Track,
  now: Date = new Date(),
): Partial<PathConfig> {
  onlyModulesOf(track, request);
  notInThePast(request.target_interview_date, request.timezone ?? current.timezone, now);
  const {
    self_assessment: assessment,
    starting_levels: levels,
    personalization_weights: weights,
    ...plain
  } = request;
  // A validated DTO has every declared field, the absent ones undefined: keep only what was sent.
  const changes = Object.fromEntries(
    Object.entries(plain).filter(([, value]) => value !== undefined),
  ) as Partial<PathConfig>;
  if (assessment || levels) {
    const reset = assessment ? SELF_ASSESSMENT_LEVELS[assessment] : undefined;
    const fallback = SELF_ASSESSMENT_LEVELS[PATH_CONFIG_DEFAULTS.self_assessment];
    changes.starting_levels = Object.fromEntries(
      track.modules.map((m) => [
        m.id,
        levels?.[m.id] ?? reset ?? current.starting_levels[m.id] ?? fallback,
      ]),
    );
  }
  if (weights) changes.personalization_weights = { ...current.personalization_weights, ...weights };
  return changes;
}

/**
 * An interview date sent must not be before today in the path's time zone (today itself is
 * allowed: the interview may be this afternoon). Reviews are planned up to that date, so a past
 * one would plan nothing.
 */
function notInThePast(date: string | null | undefined, timeZone: string, now: Date): void {
  if (!date) return;
  const today = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(now);
  if (date < today) {
    throw new InvalidCommandError(
      `target_interview_date ${date} is in the past (today is ${today} in ${timeZone})`,
      { today },
    );
  }
}

function onlyModulesOf(track: Track, request: PathConfigRequest): void {
  const modules = new Set<string>(track.modules.map((m) => m.id));
  for (const key of ['starting_levels', 'personalization_weights'] as const) {
    const unknown = Object.keys(request[key] ?? {}).filter((module) => !modules.has(module));
    if (unknown.length > 0) {
      throw new InvalidCommandError(
        `${key} names modules that are not on the ${track.id} track: ${unknown.join(', ')}`,
      );
    }
  }
}
