import type { SubmissionState } from '../domain/submission-state';
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
  tests: null,
  message: null,
  test_suite_hash: null,
  queued_at: new Date('2026-11-01T00:00:00Z'),
  finished_at: null,
});

/** Queries over a repository that answers each read with the next of `reads` (then the last). */
function queriesOver(...reads: (SubmissionRow | undefined)[]) {
  const findForOwner = jest.fn(async () => (reads.length > 1 ? reads.shift() : reads[0]));
  const repository = { findForOwner } as unknown as TaskEvaluationsRepository;
  return { queries: new SubmissionQueries(repository), findForOwner };
}

describe('SubmissionQueries.get', () => {
  it("reads the user's own submission, and answers at once without waiting", async () => {
    const { queries, findForOwner } = queriesOver(row('running'));
    await expect(queries.get('user-1', submissionId)).resolves.toMatchObject({ state: 'running' });
    expect(findForOwner).toHaveBeenCalledTimes(1);
    expect(findForOwner).toHaveBeenCalledWith('user-1', submissionId);
  });

  it('waits for a submission to be received and to finish, then answers as soon as it has', async () => {
    const { queries, findForOwner } = queriesOver(
      undefined,
      row('running'),
      row('completed'),
      row('failed'),
    );
    await expect(queries.get('user-1', submissionId, 5_000)).resolves.toMatchObject({
      state: 'completed',
    });
    expect(findForOwner).toHaveBeenCalledTimes(3);
  });

  it('answers with the unfinished submission when the wait is over', async () => {
    const { queries } = queriesOver(row('queued'));
    await expect(queries.get('user-1', submissionId, 120)).resolves.toMatchObject({
      state: 'queued',
    });
  });

  it('does not find a submission that is not there (or not yet) when the wait is over', async () => {
    await expect(queriesOver(undefined).queries.get('user-1', submissionId)).rejects.toThrow(
      SubmissionNotFound,
    );
    await expect(queriesOver(undefined).queries.get('user-1', submissionId, 120)).rejects.toThrow(
      'submission not found (or not received yet)',
    );
  });
});
