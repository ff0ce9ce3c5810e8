import {
  DEFAULT_RETRY,
  DeadLetterHeaders,
  NonRetriableError,
  type IncomingMessage,
  type MessageHandler,
  type OutgoingMessage,
  type RetryPolicy,
} from './message-bus';
import { deadLetterTopic } from './message-bus';

export type HandlingOutcome = { ok: true } | { ok: false; error: Error; attempts: number };

export function retryPolicy(partial?: Partial<RetryPolicy>): RetryPolicy {
  return { ...DEFAULT_RETRY, ...partial };
}

/**
 * Runs a handler with exponential backoff (with jitter) between attempts. `whileWaiting` runs
 * during each wait, e.g. to keep a Kafka consumer's group membership alive.
 */
export async function handleWithRetries(
  message: IncomingMessage,
  handler: MessageHandler,
  policy: RetryPolicy,
  options: { whileWaiting?: () => Promise<void>; shouldContinue?: () => boolean } = {},
): Promise<HandlingOutcome> {
  let attempts = 0;
  for (;;) {
    attempts += 1;
    try {
      await handler(message);
      return { ok: true };
    } catch (thrown) {
      const error = thrown instanceof Error ? thrown : new Error(String(thrown));
      const retriable = !(error instanceof NonRetriableError);
      if (!retriable || attempts > policy.retries || options.shouldContinue?.() === false) {
        return { ok: false, error, attempts };
      }
      const base = Math.min(policy.initialDelayMs * 2 ** (attempts - 1), policy.maxDelayMs);
      await wait(base / 2 + Math.random() * (base / 2), options.whileWaiting);
    }
  }
}

async function wait(ms: number, whileWaiting?: () => Promise<void>): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, Math.min(1000, deadline - Date.now())));
    await whileWaiting?.();
  }
}

/** The dead-letter copy of a message: same key, value and headers, plus why it failed. */
export function deadLetter(
  message: IncomingMessage,
  group: string,
  outcome: { error: Error; attempts: number },
): OutgoingMessage {
  return {
    topic: deadLetterTopic(message.topic, group),
    key: message.key,
    value: message.value,
    headers: {
      ...message.headers,
      [DeadLetterHeaders.error]: outcome.error.message.slice(0, 2000),
      [DeadLetterHeaders.errorType]: outcome.error.name,
      [DeadLetterHeaders.attempts]: String(outcome.attempts),
      [DeadLetterHeaders.originalTopic]: message.topic,
      [DeadLetterHeaders.originalPartition]: String(message.partition),
      [DeadLetterHeaders.originalOffset]: message.offset,
      [DeadLetterHeaders.group]: group,
      [DeadLetterHeaders.failedAt]: new Date().toISOString(),
    },
  };
}
