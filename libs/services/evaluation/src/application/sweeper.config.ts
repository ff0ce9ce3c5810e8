import { MAX_SANDBOX_LIMITS } from '@studypath/sandbox';
import type { SweepPolicy } from '../domain/stuck-submission';

export interface SweeperConfig extends SweepPolicy {
  /** How often one replica looks for stuck submissions. */
  intervalMs: number;
  /** The most submissions one round takes. */
  batch: number;
}

export const SWEEPER_CONFIG = Symbol('SWEEPER_CONFIG');

const DEFAULTS: SweeperConfig = {
  intervalMs: 30_000,
  stuckAfterMs: 180_000,
  maxRedrives: 2,
  batch: 20,
};

/**
 * The sweeper's settings from the environment, checked at start (one error names every bad one):
 * EVALUATION_SWEEP_INTERVAL_MS, EVALUATION_STUCK_AFTER_MS (above the sandbox's longest wall limit,
 * so that a submission being run is never taken for stuck) and EVALUATION_MAX_REDRIVES.
 */
export function loadSweeperConfig(env: NodeJS.ProcessEnv = process.env): SweeperConfig {
  const problems: string[] = [];
  const integer = (name: string, fallback: number, min: number): number => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min) {
      problems.push(`${name} must be an integer of at least ${min}, got "${raw}"`);
      return fallback;
    }
    return value;
  };
  const config: SweeperConfig = {
    intervalMs: integer('EVALUATION_SWEEP_INTERVAL_MS', DEFAULTS.intervalMs, 1_000),
    stuckAfterMs: integer(
      'EVALUATION_STUCK_AFTER_MS',
      DEFAULTS.stuckAfterMs,
      MAX_SANDBOX_LIMITS.wallMs + 30_000,
    ),
    maxRedrives: integer('EVALUATION_MAX_REDRIVES', DEFAULTS.maxRedrives, 0),
    batch: DEFAULTS.batch,
  };
  if (problems.length > 0) throw new Error(`Invalid configuration:\n- ${problems.join('\n- ')}`);
  return config;
}
