import { Injectable } from '@nestjs/common';
import type { EnvelopeOf, TaskHintRequested } from '@studypath/contracts';
import {
  InjectEventStore,
  InjectInbox,
  type Inbox,
  type PostgresEventStore,
} from '@studypath/event-store';
import { ProcessMetrics } from '@studypath/platform';
import { ProblemBank } from '@studypath/problem-bank';
import type { EntityManager } from 'typeorm';
import { type SubmissionRecord, type TutorHintLevel } from '../domain';
import { TutorRepository } from '../projections/tutor.repository';
import type { TutorInput, TutorServiceFact } from '../consumers/tutor-inputs';
import { HintStreams } from './hint-streams';
import { Tutor } from './tutor';

/** The tutor-gateway's consumer group on the task stream. */
export const TUTOR_CONSUMER_GROUP = 'tutor-gateway';

/** The tutor-gateway's stream of one hint's facts. */
export const hintStream = (hintId: string): string => `hint-${hintId}`;

type HintRequested = EnvelopeOf<typeof TaskHintRequested>;

/**
 * Keeps what the tutor knows of each task in step with the task stream (the problem, the
 * submissions and their results, the hints given), and answers each hint request: the hint is
 * written (Tutor: the LLM's or the built-in tutor's), then stored and announced
 * (`tutor.hint_delivered`, which the path service records on the task) in the transaction that
 * marks the request handled, so a redelivered request gives no second hint.
 */
@Injectable()
export class TutorFacts {
  constructor(
    @InjectInbox('tutor_gateway') private readonly inbox: Inbox,
    @InjectEventStore('tutor_gateway') private readonly store: PostgresEventStore,
    private readonly repository: TutorRepository,
    private readonly bank: ProblemBank,
    private readonly tutor: Tutor,
    private readonly streams: HintStreams,
    private readonly metrics: ProcessMetrics,
  ) {}

  async apply(event: TutorInput): Promise<void> {
    if (event.event_type === 'task.hint_requested') return this.answer(event);
    await this.inbox.handleOnce(TUTOR_CONSUMER_GROUP, event.event_id, (manager) =>
      this.record(event, manager),
    );
  }

  /**
   * Keeps the failing tests of each evaluation (joined to the task's submissions when a hint is
   * written) and the learner's latest mastery per path and topic.
   */
  async applyServiceFact(event: TutorServiceFact): Promise<void> {
    await this.inbox.handleOnce(TUTOR_CONSUMER_GROUP, event.event_id, async (manager) => {
      if (event.event_type === 'evaluation.completed') {
        await this.repository.saveReport(
          {
            submission_id: event.data.submission_id,
            task_id: event.data.task_id,
            failing_tests: event.data.failing_tests ?? [],
          },
          manager,
        );
        return;
      }
      await this.repository.saveMastery(event.data.path_id, event.data.topics, manager);
    });
  }

  private async record(
    event: Exclude<TutorInput, HintRequested>,
    manager: EntityManager,
  ): Promise<void> {
    if (event.event_type === 'task.created') {
      await this.repository.createContext(
        {
          task_id: event.data.task_id,
          path_id: event.data.path_id,
          user_id: event.user_id,
          problem_id: event.data.problem_id,
        },
        manager,
      );
      return;
    }
    const context = await this.repository.lockContext(event.data.task_id, manager);
    if (!context) return; // a task created before the tutor-gateway kept contexts
    switch (event.event_type) {
      case 'task.submitted':
        context.pending[event.data.submission_id] = {
          attempt: event.data.attempt,
          language: event.data.language,
          code: event.data.code,
        };
        break;
      case 'task.evaluated': {
        const pending = context.pending[event.data.submission_id];
        delete context.pending[event.data.submission_id];
        // An evaluation that could not run says nothing about the learner's code.
        if (!pending || event.data.status === 'infrastructure_error') break;
        const record: SubmissionRecord = {
          submission_id: event.data.submission_id,
          attempt: pending.attempt,
          language: pending.language,
          status: event.data.status,
          passed_tests: event.data.passed_tests,
          total_tests: event.data.total_tests,
          // The task stream carries counts, not the tests: evaluation.completed's join when a
          // hint is written (the two topics arrive in no fixed order).
          failing_tests: [],
          code: pending.code,
        };
        context.submissions.push(record);
        break;
      }
      case 'task.hint_delivered':
        context.hints.push({
          level: event.data.level as TutorHintLevel,
          content: event.data.content,
        });
        break;
    }
    await this.repository.saveContext(context, manager);
  }

  /**
   * Writes the hint asked for, once per request, streaming it to `GET /v1/hints/{id}/stream` as
   * it is written; the stream's `done` carries the whole hint once it is stored and announced.
   */
  private async answer(event: HintRequested): Promise<void> {
    const hintId = event.data.hint_request_id;
    const level = event.data.level as TutorHintLevel;
    if (await this.inbox.hasHandled(TUTOR_CONSUMER_GROUP, event.event_id)) {
      await this.finishStream(event.user_id, hintId); // the done of a run that stopped after its commit
      return;
    }
    // Known (and so followable) from now on, before anything slow happens.
    const started = await this.repository.startHint({
      hint_id: hintId,
      task_id: event.data.task_id,
      path_id: event.data.path_id,
      user_id: event.user_id,
      level,
      requested_at: new Date(event.occurred_at),
    });
    // Readers waiting for the request may follow now; a redelivered request whose hint a
    // stopped run began tells its readers to start the text again.
    await this.streams.hub.append(hintId, { type: started ? 'started' : 'reset' });
    // The problem and the hint are fetched and written before the transaction: no network call
    // (the problem bank, the LLM) holds it open. A redelivery may write the hint again; the inbox
    // keeps one, and the stream's `done` carries the one kept.
    const known = await this.repository.findContext(event.data.task_id);
    const problem = known ? await this.bank.getProblemMetadata(known.problem_id) : undefined;
    const [reports, mastery] = await Promise.all([
      this.repository.reportsOfTask(event.data.task_id),
      this.repository.masteryOf(event.data.path_id, problem?.topics ?? []),
    ]);
    const submissions = (known?.submissions ?? []).map((submission) => {
      const failing = submission.submission_id && reports.get(submission.submission_id);
      return failing ? { ...submission, failing_tests: failing } : submission;
    });
    let firstChunkAt: number | undefined;
    let voided = false;
    const written = await this.tutor.write(
      {
        problem,
        level,
        submissions,
        hintsGiven: known?.hints ?? [],
        code: event.data.code ?? null,
        mastery,
      },
      {
        chunk: async (text) => {
          await this.streams.hub.append(hintId, { type: 'chunk', text });
          firstChunkAt ??= Date.now();
        },
        reset: async () => {
          voided = true;
          await this.streams.hub.append(hintId, { type: 'reset' });
        },
      },
    );
    // The text a reset voids was the LLM's: then the first chunk was too, whoever finished.
    const firstSource = voided ? 'llm' : written.source;
    if (firstChunkAt !== undefined) {
      const seconds = Math.max(0, (firstChunkAt - Date.parse(event.occurred_at)) / 1000);
      this.metrics.hintFirstChunk.observe({ source: firstSource }, seconds);
    }
    if (written.fallback) this.metrics.hintFallbacks.inc({ reason: written.fallback });
    const delivered = await this.inbox.handleOnce(
      TUTOR_CONSUMER_GROUP,
      event.event_id,
      async (manager) => {
        const content = written.content;
        const deliveredAt = new Date();
        const latencyMs = Math.max(0, deliveredAt.getTime() - Date.parse(event.occurred_at));
        await this.repository.saveHint(
          {
            hint_id: event.data.hint_request_id,
            task_id: event.data.task_id,
            path_id: event.data.path_id,
            user_id: event.user_id,
            level,
            status: 'delivered',
            content,
            source: written.source,
            model: written.model,
            latency_ms: latencyMs,
            requested_at: new Date(event.occurred_at),
            delivered_at: deliveredAt,
          },
          manager,
        );
        await this.store.append(
          hintStream(event.data.hint_request_id),
          [
            {
              event_type: 'tutor.hint_delivered',
              data: {
                task_id: event.data.task_id,
                path_id: event.data.path_id,
                hint_request_id: event.data.hint_request_id,
                level,
                content,
                source: written.source,
                model: written.model,
                ...(written.promptTokens === undefined
                  ? {}
                  : { prompt_tokens: written.promptTokens }),
                ...(written.completionTokens === undefined
                  ? {}
                  : { completion_tokens: written.completionTokens }),
                latency_ms: latencyMs,
              },
            },
          ],
          {
            expectedVersion: 'any',
            streamType: 'hint',
            userId: event.user_id,
            correlationId: event.correlation_id,
            causationId: event.event_id,
            traceparent: event.traceparent ?? undefined,
            manager,
          },
        );
      },
    );
    if (delivered.handled) {
      this.metrics.hintsDelivered.inc({ source: written.source, level: String(level) });
    }
    await this.finishStream(event.user_id, hintId);
  }

  /** Ends the hint's stream with the hint as stored (readers stop at the first `done`). */
  private async finishStream(userId: string, hintId: string): Promise<void> {
    const hint = await this.repository.findHint(userId, hintId);
    if (hint?.status !== 'delivered' || hint.content === null || hint.source === null) return;
    await this.streams.hub.append(hintId, {
      type: 'done',
      content: hint.content,
      level: hint.level as TutorHintLevel,
      source: hint.source,
    });
  }
}
