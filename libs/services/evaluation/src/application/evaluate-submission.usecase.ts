import { Injectable, Logger } from '@nestjs/common';
import { assertNever } from '@studypath/decider';
import {
  InjectEventStore,
  InjectInbox,
  type Inbox,
  type PostgresEventStore,
} from '@studypath/event-store';
import { classifyError } from '@studypath/messaging';
import { ProcessMetrics } from '@studypath/platform';
import { ProblemBank } from '@studypath/problem-bank';
import { CodeRunner, type RunRequest, type RunResult } from '@studypath/sandbox';
import type { EntityManager } from 'typeorm';
import {
  couldNotRun,
  evaluationEventOf,
  givenUpAfter,
  outcomeOfRun,
  outcomeSummary,
  testSuiteHash,
  type EvaluationOutcome,
  type Submission,
} from '../domain/evaluation-outcome';
import {
  capWindowStart,
  chargedRun,
  countsTowardCap,
  FREE_FAILURE_WINDOW_HOURS,
  isOverCap,
} from '../domain/infrastructure-failure-cap';
import {
  TaskEvaluationsRepository,
  type StuckSubmission,
  type SubmissionDelivery,
} from '../projections/task-evaluations.repository';

/** The consumer group of the evaluation workers, and the name their inbox records go by. */
export const EVALUATION_CONSUMER_GROUP = 'evaluation';

/** The inbox name of a submission the sweeper gave up without knowing its `task.submitted`. */
const SWEEPER_INBOX = 'evaluation-sweeper';

type SubmittedEvent = SubmissionDelivery;

/**
 * Runs a submission against its problem's hidden tests, with exactly one effect however often it
 * is delivered. The row is claimed before running, so a crash mid-run is seen as a retry; the
 * outcome, the inbox record and `evaluation.completed` (or `evaluation.failed`) commit together.
 */
@Injectable()
export class EvaluateSubmission {
  private readonly logger = new Logger('Evaluation');

  constructor(
    private readonly repository: TaskEvaluationsRepository,
    @InjectEventStore('evaluation') private readonly store: PostgresEventStore,
    @InjectInbox('evaluation') private readonly inbox: Inbox,
    private readonly problems: ProblemBank,
    private readonly runner: CodeRunner,
    private readonly metrics: ProcessMetrics,
  ) {}

  async execute(event: SubmittedEvent): Promise<void> {
    if (await this.inbox.hasHandled(EVALUATION_CONSUMER_GROUP, event.event_id)) return;
    const tries = await this.repository.claim(event);
    if (tries === undefined) return; // finished already
    const started = Date.now();
    const outcome = await this.capFreeFailures(
      event.data,
      givenUpAfter(tries) ?? (await this.runReleasingOnTransientFailure(event.data)),
    );
    await this.finish(event, outcome);
    this.logger.log(
      `submission ${event.data.submission_id}: ${outcomeSummary(outcome)} in ${Date.now() - started} ms`,
    );
  }

  /**
   * Ends a stuck submission with `outcome` (`evaluation.failed`), under its delivery's inbox key:
   * a worker still holding its message records nothing more when it finishes.
   */
  async giveUp(stuck: StuckSubmission, outcome: EvaluationOutcome): Promise<void> {
    const { delivery } = stuck;
    const [consumer, key] =
      delivery.event_id === null
        ? [SWEEPER_INBOX, delivery.data.submission_id]
        : [EVALUATION_CONSUMER_GROUP, delivery.event_id];
    const finished = await this.inbox.handleOnce(consumer, key, async (manager) => {
      await this.record(delivery.data.submission_id, outcome, manager);
      await this.publish(
        { ...delivery, event_id: delivery.event_id ?? undefined },
        outcome,
        manager,
      );
    });
    if (finished.handled) {
      this.countFinished(outcome);
      this.logger.warn(
        `submission ${delivery.data.submission_id}: ${outcomeSummary(outcome)} (given up by the sweeper)`,
      );
    }
  }

  /**
   * A run that failed because a dependency is away (the problem bank, PostgreSQL: classifyError)
   * gives its claim back, so that the retries of its message, however many, do not count as
   * crashed workers; any other failure keeps the try counted (MAX_WORKER_TRIES).
   */
  private async runReleasingOnTransientFailure(submission: Submission): Promise<EvaluationOutcome> {
    try {
      return await this.run(submission);
    } catch (error) {
      if (classifyError(error) === 'transient') {
        await this.repository.release(submission.submission_id).catch((releaseError: unknown) => {
          this.logger.warn(
            `submission ${submission.submission_id}: giving back its claim failed: ${String(releaseError)}`,
          );
        });
      }
      throw error;
    }
  }

  /** A failing problem bank or sandbox throws: the bus retries the message (then the DLQ). */
  private async run(submission: Submission): Promise<EvaluationOutcome> {
    try {
      const suite = await this.suiteOf(submission.problem_id);
      if (!suite)
        return couldNotRun(
          'problem_unknown',
          `the problem bank does not know problem ${submission.problem_id}`,
        );
      const result = await this.timedRun(submission.language, {
        language: submission.language,
        code: submission.code,
        signature: suite.signature,
        comparator: suite.comparator,
        tests: suite.tests,
      });
      return outcomeOfRun(result, testSuiteHash(suite.tests));
    } catch (error) {
      this.logger.warn(`submission ${submission.submission_id}: ${String(error)}`);
      throw error;
    }
  }

  /** One sandbox run, its wall time in `studypath_sandbox_run_seconds` (runner_error: it threw). */
  private async timedRun(language: string, request: RunRequest): Promise<RunResult> {
    const started = process.hrtime.bigint();
    let status = 'runner_error';
    try {
      const result = await this.runner.run(request);
      status = result.status;
      return result;
    } finally {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      this.metrics.sandboxRun.observe({ language, status }, seconds);
    }
  }

  /** Counts a finished evaluation in `studypath_evaluations_total` (once it has committed). */
  private countFinished(outcome: EvaluationOutcome): void {
    const status = outcome.kind === 'ran' ? outcome.result.status : 'infrastructure_error';
    this.metrics.evaluations.inc({ status });
  }

  /**
   * Charges a failure of the sandbox on a code it already failed on too often (see
   * domain/infrastructure-failure-cap.ts), so that not even a runner bug is unlimited free runs.
   */
  private async capFreeFailures(
    submission: Submission,
    outcome: EvaluationOutcome,
  ): Promise<EvaluationOutcome> {
    if (!countsTowardCap(outcome)) return outcome;
    const earlier = await this.repository.countCappedFailures(
      submission,
      capWindowStart(new Date()),
    );
    if (!isOverCap(earlier)) return outcome;
    const suite = await this.suiteOf(submission.problem_id);
    if (!suite) return outcome; // gone from the bank since: there is no run to charge
    this.logger.warn(
      `submission ${submission.submission_id}: ${outcome.cause} (${outcome.reason}) on ${submission.language} code ` +
        `the sandbox failed on ${earlier} times in ${FREE_FAILURE_WINDOW_HOURS} h: charged as an error`,
    );
    return chargedRun(suite.tests.length, testSuiteHash(suite.tests));
  }

  /**
   * What a submission runs against: the problem's sample tests first (the learner sees their
   * input, expected and actual values when they fail), then its hidden tests (index and category
   * only). Undefined when the bank does not know the problem.
   */
  private async suiteOf(problemId: string) {
    const [hidden, metadata] = await Promise.all([
      this.problems.getHiddenTests(problemId),
      this.problems.getProblemMetadata(problemId),
    ]);
    if (!hidden) return undefined;
    const samples = metadata?.sample_tests ?? [];
    return {
      signature: hidden.signature,
      comparator: hidden.comparator,
      tests: [
        ...samples.map((t) => ({ args: t.args, expected: t.expected, hidden: false })),
        ...hidden.tests.map((t) => ({ args: t.args, expected: t.expected, hidden: true })),
      ],
    };
  }

  /** Records the outcome and appends its fact, in the inbox transaction of the submission. */
  private async finish(event: SubmittedEvent, outcome: EvaluationOutcome): Promise<void> {
    const finished = await this.inbox.handleOnce(
      EVALUATION_CONSUMER_GROUP,
      event.event_id,
      async (manager) => {
        await this.record(event.data.submission_id, outcome, manager);
        await this.publish(event, outcome, manager);
      },
    );
    if (finished.handled) this.countFinished(outcome);
  }

  private async record(
    submissionId: string,
    outcome: EvaluationOutcome,
    manager: EntityManager,
  ): Promise<void> {
    switch (outcome.kind) {
      case 'ran':
        return this.repository.recordResult(
          submissionId,
          outcome.result,
          outcome.suiteHash,
          manager,
        );
      case 'could_not_run':
        return this.repository.recordFailure(submissionId, outcome, manager);
      default:
        return assertNever(outcome, 'outcome');
    }
  }

  /** Appends `evaluation.completed` or `evaluation.failed`, caused by the submission. */
  private async publish(
    event: Omit<SubmittedEvent, 'event_id'> & { event_id: string | undefined },
    outcome: EvaluationOutcome,
    manager: EntityManager,
  ): Promise<void> {
    await this.store.append(
      `evaluation-${event.data.submission_id}`,
      [evaluationEventOf(event.data, outcome)],
      {
        expectedVersion: 'any',
        streamType: 'evaluation',
        userId: event.user_id,
        correlationId: event.correlation_id,
        causationId: event.event_id,
        traceparent: event.traceparent ?? undefined,
        manager,
      },
    );
  }
}
