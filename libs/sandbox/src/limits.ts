import type { RunRequest, SandboxLimits } from './code-runner';

export type Language = RunRequest['language'];

export const DEFAULT_SANDBOX_LIMITS: Readonly<SandboxLimits> = Object.freeze({
  cpuSeconds: 5,
  wallMs: 10_000,
  memoryMb: 256,
  processes: 64,
  fileSizeKb: 1024,
  outputKb: 1024,
});

/** Upper bounds a request cannot exceed, whatever a problem asks for. */
export const MAX_SANDBOX_LIMITS: Readonly<SandboxLimits> = Object.freeze({
  cpuSeconds: 60,
  wallMs: 120_000,
  memoryMb: 4096,
  processes: 512,
  fileSizeKb: 64 * 1024,
  outputKb: 64 * 1024,
});

const KEYS = Object.keys(DEFAULT_SANDBOX_LIMITS) as (keyof SandboxLimits)[];

/**
 * Layers limits (defaults, then the sandbox's, the language's, the problem's): later layers win,
 * undefined entries are skipped, every value must be a positive finite number and is capped.
 */
export function resolveLimits(...layers: (Partial<SandboxLimits> | undefined)[]): SandboxLimits {
  const limits: SandboxLimits = { ...DEFAULT_SANDBOX_LIMITS };
  for (const layer of layers) {
    if (!layer) continue;
    for (const key of KEYS) {
      const value = layer[key];
      if (value === undefined) continue;
      if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
        throw new RangeError(
          `sandbox limit ${key} must be a positive number, got ${String(value)}`,
        );
      }
      limits[key] = Math.min(value, MAX_SANDBOX_LIMITS[key]);
    }
  }
  return limits;
}
