import { classifyError, TransientError } from './error-classification';
import { NonRetriableError } from './message-bus';
import { decideOnFailure, retryPolicy } from './retrying-handler';

const withCode = (message: string, code: string): Error =>
  Object.assign(new Error(message), { code });

describe('classifyError', () => {
  it.each([
    [
      'PostgreSQL shutting down (57P01)',
      withCode('terminating connection due to administrator command', '57P01'),
    ],
    ['PostgreSQL crash shutdown (57P02)', withCode('crash shutdown', '57P02')],
    ['PostgreSQL starting up (57P03)', withCode('the database system is starting up', '57P03')],
    ['a connection failure (08006)', withCode('connection failure', '08006')],
    ['a serialization failure (40001)', withCode('could not serialize access', '40001')],
    ['a deadlock (40P01)', withCode('deadlock detected', '40P01')],
    [
      'a statement timeout (57014)',
      withCode('canceling statement due to statement timeout', '57014'),
    ],
    ['too many connections (53300)', withCode('sorry, too many clients already', '53300')],
    ['a refused connection', withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED')],
    ['a dropped connection (pg)', new Error('Connection terminated unexpectedly')],
    ['a pool that cannot connect', new Error('timeout exceeded when trying to connect')],
    [
      'a timeout',
      Object.assign(new Error('The operation was aborted due to timeout'), {
        name: 'TimeoutError',
      }),
    ],
    [
      'a dependency answering 503 (the problem bank down)',
      Object.assign(new Error('problem bank: timeout'), { status: 503 }),
    ],
    ['an open circuit', Object.assign(new Error('circuit open'), { name: 'BrokenCircuitError' })],
    [
      'Kafka away',
      Object.assign(new Error('Connection error'), { name: 'KafkaJSConnectionError' }),
    ],
    ['an error marked retriable', Object.assign(new Error('leader moved'), { retriable: true })],
    ['a TransientError', new TransientError('try later')],
  ])('%s is transient', (_, error) => {
    expect(classifyError(error)).toBe('transient');
  });

  it('looks through wrappers: fetch failed (a TypeError) caused by a refused connection', () => {
    const error = new TypeError('fetch failed', {
      cause: withCode('connect ECONNREFUSED', 'ECONNREFUSED'),
    });
    expect(classifyError(error)).toBe('transient');
  });

  it("looks into TypeORM's driverError", () => {
    const error = Object.assign(new Error('Query failed'), {
      name: 'QueryFailedError',
      driverError: withCode('deadlock detected', '40P01'),
    });
    expect(classifyError(error)).toBe('transient');
  });

  it.each([
    ['a NonRetriableError (a message that does not decode)', new NonRetriableError('not JSON')],
    ['a data exception (22P02)', withCode('invalid input syntax for type uuid', '22P02')],
    ['a check violation (23514)', withCode('violates check constraint', '23514')],
  ])('%s is non-retriable', (_, error) => {
    expect(classifyError(error)).toBe('non-retriable');
  });

  it.each([
    ['a plain Error', new Error('something odd')],
    ['a bug', new TypeError("Cannot read properties of undefined (reading 'x')")],
    ['a duplicate key (a race with a duplicate delivery)', withCode('duplicate key', '23505')],
    ['a 4xx of a dependency', Object.assign(new Error('rejected'), { status: 502 })],
    ['a non-error', 'a string'],
  ])('%s is of unknown kind', (_, error) => {
    expect(classifyError(error)).toBe('unknown');
  });
});

describe('decideOnFailure', () => {
  const policy = retryPolicy({ retries: 3, initialDelayMs: 100, maxDelayMs: 1000 });

  it('retries a transient failure however often it failed, with a capped delay', () => {
    const decision = decideOnFailure(withCode('gone', 'ECONNRESET'), 1000, policy);
    expect(decision).toMatchObject({ action: 'retry', errorClass: 'transient' });
    expect(decision.action === 'retry' && decision.delayMs).toBeLessThanOrEqual(1000);
  });

  it('retries a failure of unknown kind `retries` times, then dead-letters it', () => {
    expect(decideOnFailure(new Error('odd'), 3, policy).action).toBe('retry');
    expect(decideOnFailure(new Error('odd'), 4, policy)).toEqual({
      action: 'dead-letter',
      errorClass: 'unknown',
    });
  });

  it('dead-letters a non-retriable failure at once', () => {
    expect(decideOnFailure(new NonRetriableError('bad'), 1, policy)).toEqual({
      action: 'dead-letter',
      errorClass: 'non-retriable',
    });
  });

  it('waits between half and all of the doubled delay', () => {
    for (let attempts = 1; attempts <= 6; attempts++) {
      const decision = decideOnFailure(new Error('odd'), attempts, { ...policy, retries: 10 });
      const base = Math.min(100 * 2 ** (attempts - 1), 1000);
      expect(decision.action === 'retry' && decision.delayMs).toBeGreaterThanOrEqual(base / 2);
      expect(decision.action === 'retry' && decision.delayMs).toBeLessThanOrEqual(base);
    }
  });
});
