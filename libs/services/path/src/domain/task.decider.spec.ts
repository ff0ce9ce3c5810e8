import { deciderSpecification, fold } from '@studypath/decider';
import {
  DomainError,
  HintTooSoonError,
  IllegalTransitionError,
  NotFoundError,
} from './domain-errors';
import {
  countsAsAttempt,
  evaluationResultOf,
  HINT_IN_FLIGHT_TIMEOUT_MS,
  HINT_MIN_INTERVAL_MS,
  isTerminal,
  taskDecider,
  type EvaluationResult,
  type TaskCommand,
  type TaskEvent,
  type TaskHistoryEvent,
  type TaskStatus,
} from './task.decider';

const task_id = '0d3c6a51-9a7e-4f0e-b1a2-3c4d5e6f7a8b';
const path_id = '6f1c2f4e-8d61-4b2a-9f5e-2b8d7c3a1e01';
const ids = { task_id, path_id };
const s1 = '11111111-1111-4111-8111-111111111111';
const s2 = '22222222-2222-4222-8222-222222222222';
const s3 = '33333333-3333-4333-8333-333333333333';
const h1 = '44444444-4444-4444-8444-444444444444';

const task = {
  task_id,
  path_id,
  problem_id: 'graph-courier-reach',
  module: 'graphs' as const,
  topics: ['bfs'],
  difficulty: 1,
  order: 0,
  source: 'initial' as const,
  proposal_id: '55555555-5555-4555-8555-555555555555',
};
const created: TaskEvent = {
  event_type: 'task.created',
  data: { ...task, metadata: { max_attempts: 2 } },
};
const to = (from: TaskStatus, next: TaskStatus, reason: string): TaskEvent => ({
  event_type: 'task.status_changed',
  data: { ...ids, from, to: next, reason },
});
const started: TaskEvent[] = [
  { event_type: 'task.started', data: ids },
  to('pending', 'in_progress', 'started by the user'),
];
const submitted = (submission_id: string, attempt: number): TaskEvent[] => [
  {
    event_type: 'task.submitted',
    data: {
      ...ids,
      submission_id,
      problem_id: task.problem_id,
      language: 'python',
      code: 'x = 1',
      attempt,
    },
  },
  to('in_progress', 'submitted', `attempt ${attempt} of 2 submitted`),
];
const result = (submission_id: string, status: EvaluationResult['status']): EvaluationResult => ({
  submission_id,
  status,
  score: status === 'passed' ? 1 : 0.5,
  passed_tests: status === 'passed' ? 10 : 5,
  total_tests: 10,
  runtime_ms: 12,
  memory_kb: 9000,
});
const evaluated = (submission_id: string, status: EvaluationResult['status']): TaskEvent => ({
  event_type: 'task.evaluated',
  data: { ...ids, ...result(submission_id, status) },
});
const submit = (submissionId: string) => ({
  type: 'submit' as const,
  submissionId,
  language: 'python' as const,
  code: 'x = 1',
});
const spec = deciderSpecification(taskDecider);
const inProgress = [created, ...started];

/** The domain error a command is refused with, to check what it tells the client. */
function refusal(given: TaskEvent[], command: TaskCommand): DomainError {
  try {
    taskDecider.decide(command, fold(taskDecider, given));
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error('the command was not refused');
}

describe('taskDecider', () => {
  it('creates a pending task that remembers its attempt limit', () => {
    spec.given([]).when({ type: 'create', task, maxAttempts: 2 }).then([created]);
    spec
      .given([created])
      .when({ type: 'create', task, maxAttempts: 2 })
      .thenThrows(IllegalTransitionError, /^the task exists already$/);
  });

  it('keeps what else the creation recorded in its metadata', () => {
    spec
      .given([])
      .when({ type: 'create', task: { ...task, metadata: { hint: 'bfs' } }, maxAttempts: 4 })
      .then([
        {
          event_type: 'task.created',
          data: { ...task, metadata: { hint: 'bfs', max_attempts: 4 } },
        },
      ]);
  });

  it('allows three attempts to a task created without a limit', () => {
    const unlimited: TaskEvent = { event_type: 'task.created', data: task };
    spec
      .given([unlimited, ...started])
      .when(submit(s1))
      .then([submitted(s1, 1)[0], to('in_progress', 'submitted', 'attempt 1 of 3 submitted')]);
  });

  it('starts a pending task, and only a pending one', () => {
    spec.given([created]).when({ type: 'start' }).then(started);
    spec
      .given([created, ...started])
      .when({ type: 'start' })
      .thenThrows(IllegalTransitionError, /^cannot start a task that is in_progress$/);
    expect(refusal(inProgress, { type: 'start' }).details).toEqual({
      current_status: 'in_progress',
    });
  });

  it('leaves the status to the status change that follows a started, skipped or expired event', () => {
    for (const event of [
      { event_type: 'task.started', data: ids },
      { event_type: 'task.skipped', data: ids },
      { event_type: 'task.expired', data: ids },
    ] as const) {
      expect(fold(taskDecider, [created, event])).toMatchObject({ status: 'pending' });
    }
  });

  it('starts a pending task when it is submitted', () => {
    spec
      .given([created])
      .when(submit(s1))
      .then([
        { event_type: 'task.started', data: ids },
        to('pending', 'in_progress', 'first submission'),
        ...submitted(s1, 1),
      ]);
  });

  it('evaluates one submission at a time', () => {
    spec
      .given([created, ...started, ...submitted(s1, 1)])
      .when(submit(s2))
      .thenThrows(
        IllegalTransitionError,
        /^the previous submission of this task is still being evaluated$/,
      );
    expect(refusal([...inProgress, ...submitted(s1, 1)], submit(s2)).details).toEqual({
      current_status: 'submitted',
    });
  });

  it('numbers the attempts: a wrong answer counts, a later submission is the next attempt', () => {
    spec
      .given([
        ...inProgress,
        ...submitted(s1, 1),
        evaluated(s1, 'failed'),
        to('submitted', 'in_progress', 'attempt 1 of 2 did not pass'),
      ])
      .when(submit(s2))
      .then(submitted(s2, 2));
  });

  it('reopens the task, without counting the attempt, when the evaluation could not run', () => {
    spec
      .given([...inProgress, ...submitted(s1, 1)])
      .when({ type: 'record_evaluation', result: result(s1, 'infrastructure_error') })
      .then([
        evaluated(s1, 'infrastructure_error'),
        to('submitted', 'in_progress', 'the evaluation could not run; this attempt does not count'),
      ]);
    // Even on the last attempt: the task does not fail for the runner's fault.
    spec
      .given([
        ...inProgress,
        ...submitted(s1, 1),
        evaluated(s1, 'failed'),
        to('submitted', 'in_progress', 'attempt 1 of 2 did not pass'),
        ...submitted(s2, 2),
      ])
      .when({ type: 'record_evaluation', result: result(s2, 'infrastructure_error') })
      .then([
        evaluated(s2, 'infrastructure_error'),
        to('submitted', 'in_progress', 'the evaluation could not run; this attempt does not count'),
      ]);
  });

  it('ignores a result for a submission evaluated before, even if its id is submitted again', () => {
    spec
      .given([
        ...inProgress,
        ...submitted(s1, 1),
        evaluated(s1, 'failed'),
        to('submitted', 'in_progress', 'attempt 1 of 2 did not pass'),
        ...submitted(s1, 2),
      ])
      .when({ type: 'record_evaluation', result: result(s1, 'passed') })
      .then([]);
  });

  it('completes the task when the submission passes', () => {
    spec
      .given([created, ...started, ...submitted(s1, 1)])
      .when({ type: 'record_evaluation', result: result(s1, 'passed') })
      .then([evaluated(s1, 'passed'), to('submitted', 'completed', 'all tests passed')]);
  });

  it('reopens the task after a wrong answer while attempts remain', () => {
    spec
      .given([created, ...started, ...submitted(s1, 1)])
      .when({ type: 'record_evaluation', result: result(s1, 'failed') })
      .then([
        evaluated(s1, 'failed'),
        to('submitted', 'in_progress', 'attempt 1 of 2 did not pass'),
      ]);
  });

  it('fails the task when the last attempt is wrong', () => {
    const history = [
      created,
      ...started,
      ...submitted(s1, 1),
      evaluated(s1, 'failed'),
      to('submitted', 'in_progress', 'attempt 1 of 2 did not pass'),
      ...submitted(s2, 2),
    ];
    spec
      .given(history)
      .when({ type: 'record_evaluation', result: result(s2, 'timeout') })
      .then([evaluated(s2, 'timeout'), to('submitted', 'failed', 'no attempts left (2 used)')]);
  });

  it('does not count an attempt whose evaluation could not run', () => {
    const history = [
      created,
      ...started,
      ...submitted(s1, 1),
      evaluated(s1, 'infrastructure_error'),
      to('submitted', 'in_progress', 'the evaluation could not run; this attempt does not count'),
    ];
    spec.given(history).when(submit(s2)).then(submitted(s2, 1));
  });

  it('ignores a duplicate or stale evaluation result', () => {
    const done = [
      created,
      ...started,
      ...submitted(s1, 1),
      evaluated(s1, 'passed'),
      to('submitted', 'completed', 'all tests passed'),
    ];
    spec
      .given(done)
      .when({ type: 'record_evaluation', result: result(s1, 'passed') })
      .then([]);
    spec
      .given([created, ...started, ...submitted(s1, 1)])
      .when({ type: 'record_evaluation', result: result(s3, 'passed') })
      .then([]);
  });

  it('refuses submissions to finished tasks', () => {
    const done = [
      created,
      ...started,
      ...submitted(s1, 1),
      evaluated(s1, 'passed'),
      to('submitted', 'completed', 'all tests passed'),
    ];
    spec
      .given(done)
      .when(submit(s2))
      .thenThrows(IllegalTransitionError, /^cannot submit a task that is completed$/);
    expect(refusal(done, submit(s2)).details).toEqual({ current_status: 'completed' });
  });

  it('skips a pending or in-progress task, but not a submitted or finished one', () => {
    spec
      .given([created])
      .when({ type: 'skip', reason: 'seen it' })
      .then([
        { event_type: 'task.skipped', data: { ...ids, reason: 'seen it' } },
        to('pending', 'skipped', 'seen it'),
      ]);
    spec
      .given([created, ...started])
      .when({ type: 'skip' })
      .then([
        { event_type: 'task.skipped', data: ids },
        to('in_progress', 'skipped', 'skipped by the user'),
      ]);
    spec
      .given([created, ...started, ...submitted(s1, 1)])
      .when({ type: 'skip' })
      .thenThrows(IllegalTransitionError, /^cannot skip a task that is submitted$/);
  });

  describe('hint requests', () => {
    const t0 = new Date('2026-11-01T10:00:00Z');
    const at = (ms: number): Date => new Date(t0.getTime() + ms);
    const h2 = '66666666-6666-4666-8666-666666666666';
    const h3 = '77777777-7777-4777-8777-777777777777';
    const asked = (id: string, level: number, when: Date): TaskHistoryEvent => ({
      event_type: 'task.hint_requested',
      data: { ...ids, hint_request_id: id, level },
      occurred_at: when.toISOString(),
    });
    const delivered = (id: string, level: number): TaskEvent => ({
      event_type: 'task.hint_delivered',
      data: { ...ids, hint_request_id: id, level, content: 'Think of BFS layers.' },
    });
    const request = (id: string, now: Date) => ({
      type: 'request_hint' as const,
      hintRequestId: id,
      now,
    });
    /** Three delivered hints, a minute apart. */
    const ladder = [
      asked(h1, 1, t0),
      delivered(h1, 1),
      asked(h2, 2, at(60_000)),
      delivered(h2, 2),
      asked(h3, 3, at(120_000)),
      delivered(h3, 3),
    ];

    it('climbs the ladder one level per request, recorded at the command time', () => {
      spec
        .given([created])
        .when(request(h1, t0))
        .then([asked(h1, 1, t0)]);
      spec
        .given([created, asked(h1, 1, t0), delivered(h1, 1)])
        .when(request(h2, at(HINT_MIN_INTERVAL_MS)))
        .then([asked(h2, 2, at(HINT_MIN_INTERVAL_MS))]);
    });

    it('refuses a request after level 3 with 409, however long after', () => {
      spec
        .given([created, ...ladder])
        .when(request(h1, at(86_400_000)))
        .thenThrows(IllegalTransitionError, /^no hint beyond level 3$/);
      // A task with more requests than levels (recorded before the cap) stays capped.
      spec
        .given([created, ...ladder, asked(h1, 3, at(180_000))])
        .when(request(h2, at(86_400_000)))
        .thenThrows(IllegalTransitionError, /^no hint beyond level 3$/);
    });

    it('refuses a request while the last one is not delivered, naming it', () => {
      spec
        .given([created, asked(h1, 1, t0)])
        .when(request(h2, at(HINT_IN_FLIGHT_TIMEOUT_MS - 1)))
        .thenThrows(
          IllegalTransitionError,
          new RegExp(`^hint ${h1} \\(level 1\\) of this task is still being prepared`),
        );
      const state = fold(taskDecider, [created, asked(h1, 1, t0)]);
      try {
        taskDecider.decide(request(h2, at(20_000)), state);
        throw new Error('not refused');
      } catch (error) {
        expect(error).toMatchObject({ status: 409, details: { pending_hint_id: h1, level: 1 } });
      }
    });

    it('lets a request that was never delivered block the task for 60 s only', () => {
      spec
        .given([created, asked(h1, 1, t0)])
        .when(request(h2, at(HINT_IN_FLIGHT_TIMEOUT_MS)))
        .then([asked(h2, 2, at(HINT_IN_FLIGHT_TIMEOUT_MS))]);
      // Its late delivery is still recorded, and does not count for the newer request.
      spec
        .given([created, asked(h1, 1, t0), asked(h2, 2, at(60_000)), delivered(h1, 1)])
        .when(request(h3, at(70_000)))
        .thenThrows(IllegalTransitionError, new RegExp(`^hint ${h2} \\(level 2\\)`));
    });

    it('refuses a request within 10 s of the last one with 429, saying when to retry', () => {
      const history = [created, asked(h1, 1, t0), delivered(h1, 1)];
      spec
        .given(history)
        .when(request(h2, at(2_500)))
        .thenThrows(
          HintTooSoonError,
          /^at most one hint every 10 s on a task: ask again in 8 s \(at 2026-11-01T10:00:10.000Z\)$/,
        );
      try {
        taskDecider.decide(request(h2, at(9_001)), fold(taskDecider, history));
        throw new Error('not refused');
      } catch (error) {
        expect(error).toBeInstanceOf(HintTooSoonError);
        expect(error).toMatchObject({
          status: 429,
          retryAfterSeconds: 1,
          details: { retry_after_seconds: 1 },
        });
      }
      spec
        .given(history)
        .when(request(h2, at(HINT_MIN_INTERVAL_MS)))
        .then([asked(h2, 2, at(HINT_MIN_INTERVAL_MS))]);
    });

    it('counts no limit from a request whose time is unknown', () => {
      spec
        .given([
          created,
          { event_type: 'task.hint_requested', data: { ...ids, hint_request_id: h1, level: 1 } },
        ])
        .when(request(h2, t0))
        .then([asked(h2, 2, t0)]);
    });

    it('refuses hints on finished tasks', () => {
      spec
        .given([created, { event_type: 'task.skipped', data: ids }, to('pending', 'skipped', 'x')])
        .when(request(h1, t0))
        .thenThrows(IllegalTransitionError, /^cannot ask for a hint on a task that is skipped$/);
      for (const status of ['completed', 'failed', 'skipped', 'expired'] as const) {
        spec
          .given([created, to('pending', status, 'x')])
          .when(request(h1, t0))
          .thenThrows(IllegalTransitionError, new RegExp(`that is ${status}$`));
      }
      expect(
        ['pending', 'in_progress', 'submitted'].map((s) => isTerminal(s as TaskStatus)),
      ).toEqual([false, false, false]);
    });
  });

  it('records a delivered hint once', () => {
    const delivered: TaskEvent = {
      event_type: 'task.hint_delivered',
      data: { ...ids, hint_request_id: h1, level: 1, content: 'Think of BFS layers.' },
    };
    const command = {
      type: 'deliver_hint' as const,
      hintRequestId: h1,
      level: 1,
      content: 'Think of BFS layers.',
    };
    spec.given([created]).when(command).then([delivered]);
    spec.given([created, delivered]).when(command).then([]);
  });

  it('expires a pending task after its window, and nothing else', () => {
    const createdAt = new Date('2026-11-01T00:00:00Z');
    const expire = (now: string) => ({
      type: 'expire' as const,
      now: new Date(now),
      expiryDays: 7,
      createdAt,
    });
    spec
      .given([created])
      .when(expire('2026-11-08T00:00:00Z'))
      .then([
        { event_type: 'task.expired', data: ids },
        to('pending', 'expired', 'not started within 7 day(s)'),
      ]);
    spec.given([created]).when(expire('2026-11-07T23:59:59Z')).then([]);
    spec
      .given([created, ...started])
      .when(expire('2026-12-01T00:00:00Z'))
      .then([]);
  });

  it('knows no commands for a task that does not exist', () => {
    spec
      .given([])
      .when({ type: 'start' })
      .thenThrows(NotFoundError, /^study task not found$/);
    spec.given([]).when(submit(s1)).thenThrows(NotFoundError);
  });

  it('folds nothing into a task that was never created', () => {
    expect(fold(taskDecider, [to('pending', 'in_progress', 'x'), ...submitted(s1, 1)])).toEqual({
      status: 'none',
    });
    spec
      .given([to('pending', 'in_progress', 'x')])
      .when({ type: 'start' })
      .thenThrows(NotFoundError);
  });

  it('folds the history of a task into its state', () => {
    expect(fold(taskDecider, [created])).toEqual({
      status: 'pending',
      taskId: task_id,
      pathId: path_id,
      problemId: task.problem_id,
      attempts: 0,
      maxAttempts: 2,
      hintsRequested: 0,
      pendingSubmissionId: null,
      evaluatedSubmissions: [],
      deliveredHints: [],
      lastHintRequest: null,
    });
    expect(
      fold(taskDecider, [
        ...inProgress,
        { event_type: 'task.hint_requested', data: { ...ids, hint_request_id: h1, level: 1 } },
        {
          event_type: 'task.hint_delivered',
          data: { ...ids, hint_request_id: h1, level: 1, content: 'BFS' },
        },
        ...submitted(s1, 1),
        evaluated(s1, 'infrastructure_error'),
        to('submitted', 'in_progress', 'x'),
        ...submitted(s2, 1),
      ]),
    ).toMatchObject({
      status: 'submitted',
      attempts: 1,
      hintsRequested: 1,
      pendingSubmissionId: s2,
      evaluatedSubmissions: [s1],
      deliveredHints: [h1],
      lastHintRequest: { id: h1, level: 1, requestedAt: null },
    });
  });

  it('refuses a command or an event it does not know', () => {
    const state = fold(taskDecider, [created]);
    expect(() => taskDecider.decide({ type: 'rename' } as unknown as TaskCommand, state)).toThrow(
      'unexpected command: {"type":"rename"}',
    );
    expect(() =>
      taskDecider.evolve(state, { event_type: 'task.renamed' } as unknown as TaskEvent),
    ).toThrow('unexpected event: {"event_type":"task.renamed"}');
  });
});

describe('evaluation results', () => {
  const completedEvent = {
    event_type: 'evaluation.completed' as const,
    data: { task_id, path_id, ...result(s1, 'failed'), test_suite_hash: 'abc' },
  };

  it('takes the result of a completed evaluation, without its task or test suite', () => {
    expect(evaluationResultOf(completedEvent)).toEqual(result(s1, 'failed'));
  });

  it('makes a failed evaluation an infrastructure error with nothing measured', () => {
    expect(
      evaluationResultOf({
        event_type: 'evaluation.failed',
        data: { submission_id: s2, task_id, path_id, reason: 'the sandbox failed to start' },
      }),
    ).toEqual({
      submission_id: s2,
      status: 'infrastructure_error',
      score: 0,
      passed_tests: 0,
      total_tests: 0,
      runtime_ms: null,
      memory_kb: null,
    });
  });

  it('counts every evaluated submission as an attempt, but not one that could not run', () => {
    expect(countsAsAttempt('infrastructure_error')).toBe(false);
    for (const status of ['passed', 'failed', 'error', 'timeout'] as const) {
      expect(countsAsAttempt(status)).toBe(true);
    }
  });

  it('refuses an evaluation event it does not know', () => {
    expect(() =>
      evaluationResultOf({ event_type: 'evaluation.lost' } as unknown as typeof completedEvent),
    ).toThrow('unexpected event: {"event_type":"evaluation.lost"}');
  });
});
