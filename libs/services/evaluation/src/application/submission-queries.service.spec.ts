import { LongPollSlots } from '@studypath/platform';
import type { SubmissionState } from '../domain/submission-state';
import type {
  SubmissionFinishedListener,
  WakeReason,
} from '../projections/submission-finished.listener';
import type {
  SubmissionRow,
  TaskEvaluationsRepository,
} from '../projections/task-evaluations.repository';
import { SubmissionNotFound, SubmissionQueries } from './submission-queries.service';

const submissionId = '11111111-1111-4111-8111-111111111111';

const row = (state: SubmissionState): SubmissionRow => ({
  submission_id: submissionId,
  task_id: '0d3c6a51-9a7e-4f0e-b1a2-3c4d5e6f7a8b',
  state,
  language: 'python',
  attempt: 1,
  status: state === 'completed' ? 'passed' : null,
  score: state === 'completed' ? 1 : null,
  passed_tests: null,
  total_tests: null,
  runtime_ms: null,
  memory_kb: null,
  failing_tests: null,
  message: null,
  test_suite_hash: null,
  queued_at: new Date('2026-11-01T00:00:00Z'),
  finished_at: null,
});

/**
 * A listener whose wake-ups the test hands out one by one: each `next()` takes the next reason
 * of `wakes` (then waits for ever); `closed` counts closed subscriptions.
 */
function listenerWaking(...wakes: WakeReason[]) {
  const state = { subscribed: 0, closed: 0, waitedFor: [] as number[] };
  const listener = {
    subscribe: () => {
      state.subscribed += 1;
      return {
        next: (ms: number) => {
          state.waitedFor.push(ms);
          const reason = wakes.shift();
          return reason ? Promise.resolve(reason) : new Promise<WakeReason>(() => undefined);
        },
        close: () => {
          state.closed += 1;
        },
      };
    },
  } as unknown as SubmissionFinishedListener;
  return { listener, state };
}

/** Queries over a repository that answers each read with the next of `reads` (then the last). */
function queriesOver(
  reads: (SubmissionRow | undefined)[],
  listener = listenerWaking().listener,
  slots = new LongPollSlots({ maxWaiters: 10, maxWaitersPerUser: 2 }),
) {
  const findForOwner = jest.fn(async () => (reads.length > 1 ? reads.shift() : reads[0]));
  const repository = { findForOwner } as unknown as TaskEvaluationsRepository;
  return { queries: new SubmissionQueries(repository, listener, slots), findForOwner, slots };
}

describe('SubmissionQueries.get', () => {
  it("reads the user's own submission, and answers at once without waiting", async () => {
    const { listener, state } = listenerWaking();
    const { queries, findForOwner } = queriesOver([row('running')], listener);
    await expect(queries.get('user-1', submissionId)).resolves.toMatchObject({ state: 'running' });
    expect(findForOwner).toHaveBeenCalledTimes(1);
    expect(findForOwner).toHaveBeenCalledWith('user-1', submissionId);
    expect(state.subscribed).toBe(0);
  });

  it('reads once when it starts and once each time it is woken, until the submission has finished', async () => {
    const { listener, state } = listenerWaking('listening', 'finished', 'finished');
    const { queries, findForOwner, slots } = queriesOver(
      [undefined, row('running'), row('completed'), row('failed')],
      listener,
    );
    await expect(queries.get('user-1', submissionId, 5_000)).resolves.toMatchObject({
      state: 'completed',
    });
    expect(findForOwner).toHaveBeenCalledTimes(3);
    expect(state).toMatchObject({ subscribed: 1, closed: 1 });
    expect(slots.inUse).toBe(0);
  });

  it('answers with the unfinished submission when the wait is over, after one last read', async () => {
    const { listener, state } = listenerWaking('timeout');
    const { queries, findForOwner } = queriesOver([row('queued'), row('running')], listener);
    await expect(queries.get('user-1', submissionId, 120)).resolves.toMatchObject({
      state: 'running',
    });
    expect(findForOwner).toHaveBeenCalledTimes(2);
    expect(state.waitedFor).toHaveLength(1);
    expect(state.waitedFor[0]).toBeLessThanOrEqual(120);
  });

  it('answers at once with what there is when the process is stopping', async () => {
    const { listener } = listenerWaking('closing');
    const { queries, findForOwner } = queriesOver([row('running')], listener);
    await expect(queries.get('user-1', submissionId, 25_000)).resolves.toMatchObject({
      state: 'running',
    });
    expect(findForOwner).toHaveBeenCalledTimes(2);
  });

  it('does not wait beyond the long-poll caps: it answers at once with the current state', async () => {
    const { listener, state } = listenerWaking();
    const slots = new LongPollSlots({ maxWaiters: 10, maxWaitersPerUser: 1 });
    const hold = slots.tryAcquire('user-1');
    const { queries, findForOwner } = queriesOver([row('running')], listener, slots);

    await expect(queries.get('user-1', submissionId, 25_000)).resolves.toMatchObject({
      state: 'running',
    });
    expect(findForOwner).toHaveBeenCalledTimes(1);
    expect(state.subscribed).toBe(0);
    hold?.();
  });

  it('does not find a submission that is not there (or not yet) when the wait is over', async () => {
    await expect(queriesOver([undefined]).queries.get('user-1', submissionId)).rejects.toThrow(
      SubmissionNotFound,
    );
    const { listener } = listenerWaking('timeout');
    await expect(
      queriesOver([undefined], listener).queries.get('user-1', submissionId, 120),
    ).rejects.toThrow('submission not found (or not received yet)');
  });
});
