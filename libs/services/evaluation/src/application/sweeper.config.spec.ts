import { loadSweeperConfig } from './sweeper.config';

describe('loadSweeperConfig', () => {
  it('has defaults', () => {
    expect(loadSweeperConfig({})).toEqual({
      intervalMs: 30_000,
      stuckAfterMs: 180_000,
      maxRedrives: 2,
      batch: 20,
    });
  });

  it('reads the environment', () => {
    expect(
      loadSweeperConfig({
        EVALUATION_SWEEP_INTERVAL_MS: '5000',
        EVALUATION_STUCK_AFTER_MS: '600000',
        EVALUATION_MAX_REDRIVES: '0',
      }),
    ).toMatchObject({ intervalMs: 5_000, stuckAfterMs: 600_000, maxRedrives: 0 });
  });

  it('names every bad value at once, and refuses a budget a sandbox run could exceed', () => {
    expect(() =>
      loadSweeperConfig({ EVALUATION_STUCK_AFTER_MS: '60000', EVALUATION_MAX_REDRIVES: 'two' }),
    ).toThrow(
      /EVALUATION_STUCK_AFTER_MS must be an integer of at least 150000[\s\S]*EVALUATION_MAX_REDRIVES/,
    );
  });
});
