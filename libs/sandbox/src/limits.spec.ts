import { describe, expect, it } from '@jest/globals';
import { DEFAULT_SANDBOX_LIMITS, MAX_SANDBOX_LIMITS, resolveLimits } from './limits';

describe('resolveLimits', () => {
  it('starts from sane defaults', () => {
    expect(resolveLimits()).toEqual({
      cpuSeconds: 5,
      wallMs: 10_000,
      memoryMb: 256,
      processes: 64,
      fileSizeKb: 1024,
      outputKb: 1024,
    });
  });

  it('lets later layers win and skips undefined entries', () => {
    const limits = resolveLimits({ cpuSeconds: 2, memoryMb: 512 }, undefined, {
      memoryMb: 128,
      wallMs: undefined,
    });
    expect(limits).toEqual({ ...DEFAULT_SANDBOX_LIMITS, cpuSeconds: 2, memoryMb: 128 });
  });

  it('caps values and rejects nonsense', () => {
    expect(resolveLimits({ memoryMb: 1e9 }).memoryMb).toBe(MAX_SANDBOX_LIMITS.memoryMb);
    expect(() => resolveLimits({ cpuSeconds: 0 })).toThrow(/cpuSeconds/);
    expect(() => resolveLimits({ wallMs: Number.NaN })).toThrow(/wallMs/);
    expect(() => resolveLimits({ processes: -1 })).toThrow(/processes/);
  });
});
