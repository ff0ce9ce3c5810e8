import type { RelaySource } from '@studypath/platform';
import type { OutboxRelay } from './outbox-relay';
import type { OutboxRelayHealth } from './outbox-relay.health';

/**
 * A relay as /metrics reports it: its counters and role from memory, its backlog read from the
 * log at scrape time (by every replica, leader or not: the count is the same from any of them).
 */
export function relayMetrics(relay: OutboxRelay, health: OutboxRelayHealth): RelaySource {
  return {
    published: () => relay.stats.published,
    failures: () => relay.stats.failures,
    leading: () => relay.status().role === 'leader',
    eventsBehind: async () => (await health.lag()).behind,
  };
}
