import { isFinished } from './submission-state';

describe('isFinished', () => {
  it('is true once the evaluation ran or could not run, and only then', () => {
    expect(isFinished('queued')).toBe(false);
    expect(isFinished('running')).toBe(false);
    expect(isFinished('completed')).toBe(true);
    expect(isFinished('failed')).toBe(true);
  });
});
