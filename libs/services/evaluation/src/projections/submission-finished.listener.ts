import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
  type OnModuleDestroy,
} from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@studypath/platform';
import { Client } from 'pg';
import { SUBMISSION_FINISHED_CHANNEL } from './task-evaluations.repository';

/**
 * Why a waiter woke: its submission was announced; the listener (re)started listening, so an
 * announcement may have been missed; the process is stopping; its time is up; or the listener is
 * not listening and it is time to look again (`poll`).
 */
export type WakeReason = 'finished' | 'listening' | 'closing' | 'timeout' | 'poll';

/** How often a waiter looks at the database itself while the listener is not listening. */
export const FALLBACK_POLL_MS = 1000;
const RECONNECT_MS = { first: 200, max: 10_000 };

/** One request's interest in one submission, from subscribe() to close(). */
export class SubmissionSubscription {
  private pending: WakeReason | undefined;
  private waiter: ((reason: WakeReason) => void) | undefined;

  constructor(
    readonly submissionId: string,
    private readonly listener: SubmissionFinishedListener,
  ) {}

  /**
   * Resolves at the next wake-up, or after `ms` (at most FALLBACK_POLL_MS while not listening). A
   * wake-up that came since the last call resolves at once: none is lost between two reads.
   */
  next(ms: number): Promise<WakeReason> {
    if (this.pending) {
      const reason = this.pending;
      this.pending = undefined;
      return Promise.resolve(reason);
    }
    const listening = this.listener.isListening;
    return new Promise((resolve) => {
      const timer = setTimeout(
        () => {
          this.waiter = undefined;
          resolve(listening || ms <= FALLBACK_POLL_MS ? 'timeout' : 'poll');
        },
        listening ? ms : Math.min(ms, FALLBACK_POLL_MS),
      );
      this.waiter = (reason) => {
        clearTimeout(timer);
        this.waiter = undefined;
        resolve(reason);
      };
    });
  }

  /** Called by the listener. */
  wake(reason: WakeReason): void {
    if (this.waiter) this.waiter(reason);
    else this.pending ??= reason;
  }

  close(): void {
    this.listener.unsubscribe(this);
  }
}

/**
 * Wakes the requests that wait for a submission (GET /v1/submissions/{id}?wait=) when its
 * evaluation is recorded, on any replica: one connection per process LISTENs on
 * SUBMISSION_FINISHED_CHANNEL, which TaskEvaluationsRepository NOTIFYs in the recording
 * transaction. A waiter reads the database when it starts, when it is woken, and when its wait is
 * over, never in between. While the connection is down (it reconnects with backoff), waiters read
 * every FALLBACK_POLL_MS, and they all read again once it listens, as they may have missed an
 * announcement.
 */
@Injectable()
export class SubmissionFinishedListener
  implements OnApplicationBootstrap, OnModuleDestroy, OnApplicationShutdown
{
  private readonly logger = new Logger('SubmissionWaiters');
  private readonly subscriptions = new Map<string, Set<SubmissionSubscription>>();
  private client: Client | undefined;
  private listening = false;
  private closing = false;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private failures = 0;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  get isListening(): boolean {
    return this.listening;
  }

  /** Subscriptions open now: for tests and /health. */
  get waiting(): number {
    let count = 0;
    for (const set of this.subscriptions.values()) count += set.size;
    return count;
  }

  onApplicationBootstrap(): void {
    void this.connect();
  }

  /** Before the HTTP server closes: every waiter answers now with what there is. */
  onModuleDestroy(): void {
    this.closing = true;
    clearTimeout(this.reconnectTimer);
    for (const set of this.subscriptions.values()) {
      for (const subscription of set) subscription.wake('closing');
    }
  }

  async onApplicationShutdown(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    this.listening = false;
    await client?.end().catch(() => undefined);
  }

  subscribe(submissionId: string): SubmissionSubscription {
    const subscription = new SubmissionSubscription(submissionId, this);
    if (this.closing) subscription.wake('closing');
    let set = this.subscriptions.get(submissionId);
    if (!set) this.subscriptions.set(submissionId, (set = new Set()));
    set.add(subscription);
    return subscription;
  }

  unsubscribe(subscription: SubmissionSubscription): void {
    const set = this.subscriptions.get(subscription.submissionId);
    set?.delete(subscription);
    if (set?.size === 0) this.subscriptions.delete(subscription.submissionId);
  }

  private async connect(): Promise<void> {
    if (this.closing) return;
    const { database } = this.config;
    if (database.kind !== 'url') return;
    const client = new Client({
      connectionString: database.url,
      application_name: 'studypath-evaluation-waiters',
    });
    client.on('notification', (message) => {
      if (message.channel !== SUBMISSION_FINISHED_CHANNEL || !message.payload) return;
      for (const subscription of this.subscriptions.get(message.payload) ?? []) {
        subscription.wake('finished');
      }
    });
    client.on('error', (error) => this.lost(client, error));
    client.on('end', () => this.lost(client));
    try {
      await client.connect();
      await client.query(`LISTEN ${SUBMISSION_FINISHED_CHANNEL}`);
    } catch (error) {
      this.lost(client, error);
      return;
    }
    if (this.closing) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    this.listening = true;
    if (this.failures > 0) this.logger.log('listening for finished submissions again');
    this.failures = 0;
    for (const set of this.subscriptions.values()) {
      for (const subscription of set) subscription.wake('listening');
    }
  }

  private lost(client: Client, error?: unknown): void {
    if (this.client !== undefined && this.client !== client) return;
    client.removeAllListeners('end');
    client.end().catch(() => undefined);
    this.client = undefined;
    this.listening = false;
    if (this.closing || this.reconnectTimer) return;
    this.failures += 1;
    if (this.failures === 1) {
      this.logger.warn(
        `not listening for finished submissions${error instanceof Error ? ` (${error.message})` : ''}: waiting requests read every ${FALLBACK_POLL_MS} ms until it is back`,
      );
    }
    const delay = Math.min(RECONNECT_MS.max, RECONNECT_MS.first * 2 ** (this.failures - 1));
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      void this.connect();
    }, delay);
    this.reconnectTimer.unref();
  }
}
