import { classifyError, type ErrorClass } from './error-classification';
import {
  DEFAULT_RETRY,
  DeadLetterHeaders,
  deadLetterTopic,
  type IncomingMessage,
  type MessageHandler,
  type OutgoingMessage,
  type RetryPolicy,
} from './message-bus';

export function retryPolicy(partial?: Partial<RetryPolicy>): RetryPolicy {
  return { ...DEFAULT_RETRY, ...partial };
}

/** What to do after a message failed its `attempts`-th attempt. */
export type RetryDecision = { action: 'retry'; delayMs: number; errorClass: ErrorClass };
export type FailureDecision = RetryDecision | { action: 'dead-letter'; errorClass: ErrorClass };

/** The wait before attempt `attempts + 1`: doubling from the initial delay up to the cap, with jitter. */
export function backoffDelay(attempts: number, policy: RetryPolicy): number {
  const base = Math.min(policy.initialDelayMs * 2 ** Math.min(attempts - 1, 30), policy.maxDelayMs);
  return base / 2 + Math.random() * (base / 2);
}

/**
 * Transient failures are retried for as long as it takes, non-retriable ones go to the dead-letter
 * topic at once, and failures of unknown kind after `policy.retries` retries.
 */
export function decideOnFailure(
  error: unknown,
  attempts: number,
  policy: RetryPolicy,
): FailureDecision {
  const errorClass = classifyError(error);
  const retry =
    errorClass === 'transient' || (errorClass === 'unknown' && attempts <= policy.retries);
  return retry
    ? { action: 'retry', delayMs: backoffDelay(attempts, policy), errorClass }
    : { action: 'dead-letter', errorClass };
}

export type HandlingOutcome =
  | { kind: 'handled' }
  | { kind: 'dead-letter'; error: Error; attempts: number; errorClass: ErrorClass }
  /** The signal aborted while the message waited for its next attempt: it was not handled. */
  | { kind: 'stopped'; error: Error };

export function asError(thrown: unknown): Error {
  return thrown instanceof Error ? thrown : new Error(String(thrown));
}

/**
 * Runs a handler until it succeeds or its failure is for the dead-letter topic (decideOnFailure),
 * waiting with backoff between attempts; `signal` ends a wait at once (shutting down).
 */
export async function handleWithRetries(
  message: IncomingMessage,
  handler: MessageHandler,
  policy: RetryPolicy,
  options: {
    signal?: AbortSignal;
    /** Called before each wait, e.g. to log and to report the partition as retrying. */
    onRetry?: (failure: Error, attempts: number, decision: RetryDecision) => void;
  } = {},
): Promise<HandlingOutcome> {
  for (let attempts = 1; ; attempts++) {
    let failure: Error;
    try {
      await handler(message);
      return { kind: 'handled' };
    } catch (thrown) {
      failure = asError(thrown);
    }
    const decision = decideOnFailure(failure, attempts, policy);
    if (decision.action === 'dead-letter') {
      return { kind: 'dead-letter', error: failure, attempts, errorClass: decision.errorClass };
    }
    options.onRetry?.(failure, attempts, decision);
    if (!(await sleep(decision.delayMs, options.signal)))
      return { kind: 'stopped', error: failure };
  }
}

/** Waits `ms`; false when `signal` aborted first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
  if (signal?.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** The dead-letter copy of a message: same key, value and headers, plus why it failed. */
export function deadLetter(
  message: IncomingMessage,
  group: string,
  outcome: { error: Error; attempts: number; errorClass: ErrorClass },
): OutgoingMessage {
  const headers = { ...message.headers };
  // A replayed copy that failed again is an ordinary dead letter of this group.
  delete headers[DeadLetterHeaders.replayFor];
  return {
    topic: deadLetterTopic(message.topic, group),
    key: message.key,
    value: message.value,
    headers: {
      ...headers,
      [DeadLetterHeaders.error]: outcome.error.message.slice(0, 2000),
      [DeadLetterHeaders.errorType]: outcome.error.name,
      [DeadLetterHeaders.errorClass]: outcome.errorClass,
      [DeadLetterHeaders.attempts]: String(outcome.attempts),
      [DeadLetterHeaders.originalTopic]: message.topic,
      [DeadLetterHeaders.originalPartition]: String(message.partition),
      [DeadLetterHeaders.originalOffset]: message.offset,
      [DeadLetterHeaders.group]: group,
      [DeadLetterHeaders.failedAt]: new Date().toISOString(),
    },
  };
}

/** Whether a message is a replayed dead letter for another consumer group (which skips it). */
export function isReplayForAnotherGroup(message: IncomingMessage, group: string): boolean {
  const target = message.headers[DeadLetterHeaders.replayFor];
  return target !== undefined && target !== group;
}
