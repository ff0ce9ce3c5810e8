import type { ProcessMetrics } from '@studypath/platform';
import type { IncomingMessage, SubscriptionOptions } from './message-bus';

/**
 * Counts a consumer group's messages in `studypath_consumer_messages_total`: each attempt that
 * returns is `handled` (a message of an event type the group does not handle too: it is skipped,
 * successfully), each that throws is `failed` (the bus retries it or dead-letters it), and each
 * dead letter kept is `dead_lettered`, also in `studypath_dead_letters_total`.
 */
export function withConsumerMetrics(
  metrics: ProcessMetrics,
  options: SubscriptionOptions,
): SubscriptionOptions {
  const { group, handler } = options;
  return {
    ...options,
    handler: async (message: IncomingMessage) => {
      try {
        await handler(message);
      } catch (error) {
        metrics.consumerMessages.inc({ group, topic: message.topic, outcome: 'failed' });
        throw error;
      }
      metrics.consumerMessages.inc({ group, topic: message.topic, outcome: 'handled' });
    },
    onDeadLettered: (message: IncomingMessage) => {
      metrics.consumerMessages.inc({ group, topic: message.topic, outcome: 'dead_lettered' });
      metrics.deadLetters.inc({ group, topic: message.topic });
    },
  };
}
