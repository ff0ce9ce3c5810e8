import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import { ConcurrencyError } from '@studypath/event-store';
import { APP_CONFIG, InjectDataSource, type AppConfig } from '@studypath/platform';
import type { DataSource } from 'typeorm';
import { IllegalTransitionError } from '../domain/domain-errors';
import { PathRepository } from '../projections/path.repository';
import { TaskCommands } from './task-commands.service';

const BATCH = 200;

/**
 * Expires tasks not started within their path's window (`expiry_days`). Runs every minute; with
 * several replicas, one runs a round at a time (a transaction-scoped advisory lock), and each
 * expiry is an append under the task's version, so a task started meanwhile is left alone.
 */
@Injectable()
export class TaskExpiryJob implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('TaskExpiry');
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;
  /** Rounds failed in a row. */
  private failures = 0;

  constructor(
    @InjectDataSource('path') private readonly dataSource: DataSource,
    private readonly repository: PathRepository,
    private readonly tasks: TaskCommands,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      this.running ??= this.runOnce()
        .then((expired) => {
          if (this.failures > 0) {
            this.logger.log(`expiry rounds work again after ${this.failures} failed`);
            this.failures = 0;
          }
          return expired;
        })
        .catch((error: unknown) => {
          // The database away is an outage /health reports: say it once, then again when it ends.
          if (this.failures === 0) this.logger.warn(`expiry round failed: ${String(error)}`);
          this.failures += 1;
          return 0;
        })
        .finally(() => (this.running = undefined));
    }, this.config.taskExpiryIntervalMs);
    this.timer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** One round: expires what is due at `now`; returns how many tasks it expired. */
  async runOnce(now: Date = new Date()): Promise<number> {
    return this.dataSource.transaction(async (manager) => {
      const [lock] = (await manager.query(
        'SELECT pg_try_advisory_xact_lock(hashtext($1)) AS locked',
        ['studypath.path.task-expiry'],
      )) as { locked: boolean }[];
      if (!lock?.locked) return 0;
      let expired = 0;
      for (const due of await this.repository.findExpiredPendingTasks(now, BATCH)) {
        try {
          expired += await this.tasks.apply(
            due.task_id,
            {
              type: 'expire',
              now,
              expiryDays: due.expiry_days,
              createdAt: new Date(due.created_at),
            },
            { userId: due.user_id, manager },
          );
        } catch (error) {
          // Started or changed by its user in the meantime: not due any more.
          if (!(error instanceof ConcurrencyError || error instanceof IllegalTransitionError))
            throw error;
        }
      }
      if (expired > 0) this.logger.log(`expired ${expired} task(s) not started in time`);
      return expired;
    });
  }
}
