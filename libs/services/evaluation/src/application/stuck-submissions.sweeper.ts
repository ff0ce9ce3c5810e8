import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import type { EnvelopeOf, TaskSubmitted } from '@studypath/contracts';
import { assertNever } from '@studypath/decider';
import { InjectDataSource } from '@studypath/platform';
import type { DataSource } from 'typeorm';
import { decideOnStuck, stuckBefore } from '../domain/stuck-submission';
import { TaskEvaluationsRepository } from '../projections/task-evaluations.repository';
import { EvaluateSubmission } from './evaluate-submission.usecase';
import { SWEEPER_CONFIG, type SweeperConfig } from './sweeper.config';

export interface SweepReport {
  redriven: number;
  givenUp: number;
  failed: number;
}

/**
 * Nothing stays stuck (domain/stuck-submission.ts): every interval, one replica at a time (a
 * transaction-scoped advisory lock, like the path service's task expiry) takes the stuck
 * submissions, counting a re-drive on each and restarting its clock, and then, outside that
 * transaction, runs each again or gives it up. A submission whose `task.submitted` was
 * dead-lettered before any worker recorded it is adopted from the dead-letter topic first
 * (consumers/dead-lettered-submission.handler.ts), so the sweeper sees it too.
 */
@Injectable()
export class StuckSubmissionsSweeper implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('Sweeper');
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<SweepReport | undefined> | undefined;
  private stopping = false;

  constructor(
    @InjectDataSource('evaluation') private readonly dataSource: DataSource,
    private readonly repository: TaskEvaluationsRepository,
    private readonly evaluate: EvaluateSubmission,
    @Inject(SWEEPER_CONFIG) private readonly config: SweeperConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      this.running ??= this.runOnce()
        .catch((error: unknown) => {
          this.logger.warn(`sweep failed: ${String(error)}`);
          return undefined;
        })
        .finally(() => (this.running = undefined));
    }, this.config.intervalMs);
    this.timer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopping = true;
    clearInterval(this.timer);
    await this.running;
  }

  /** Records a dead-lettered submission as queued (unless recorded already), for the next sweeps. */
  async adoptDeadLettered(event: EnvelopeOf<typeof TaskSubmitted>, why: string): Promise<void> {
    const adopted = await this.repository.recordDeadLettered(event);
    this.logger.warn(
      `submission ${event.data.submission_id}: its task.submitted was dead-lettered (${why}); ` +
        (adopted ? 'recorded as queued for the sweeper' : 'recorded already, the sweeper has it'),
    );
  }

  /** One round at `now`: what it re-drove, gave up, and failed to do (tried again next time). */
  async runOnce(now: Date = new Date()): Promise<SweepReport> {
    const report: SweepReport = { redriven: 0, givenUp: 0, failed: 0 };
    const taken = await this.dataSource.transaction(async (manager) => {
      const [lock] = (await manager.query(
        'SELECT pg_try_advisory_xact_lock(hashtext($1)) AS locked',
        ['studypath.evaluation.sweeper'],
      )) as { locked: boolean }[];
      if (!lock?.locked) return [];
      return this.repository.takeStuck(stuckBefore(now, this.config), this.config.batch, manager);
    });
    for (const stuck of taken) {
      if (this.stopping) break; // the rest are taken again after their budget
      const eventId = stuck.delivery.event_id;
      const decision = decideOnStuck(
        { redrives: stuck.redrives, redrivable: eventId !== null },
        this.config,
      );
      const id = stuck.delivery.data.submission_id;
      try {
        switch (decision.kind) {
          case 'redrive':
            if (eventId === null)
              throw new Error('a submission without its delivery is not re-driven');
            this.logger.warn(`submission ${id}: stuck, re-driving it (re-drive ${stuck.redrives})`);
            await this.evaluate.execute({ ...stuck.delivery, event_id: eventId });
            report.redriven += 1;
            break;
          case 'give-up':
            await this.evaluate.giveUp(stuck, decision.outcome);
            report.givenUp += 1;
            break;
          default:
            assertNever(decision, 'decision');
        }
      } catch (error) {
        report.failed += 1;
        this.logger.warn(
          `submission ${id}: the sweeper's ${decision.kind} failed: ${String(error)}`,
        );
      }
    }
    return report;
  }
}
