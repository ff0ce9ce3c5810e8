import { randomUUID } from 'node:crypto';
import { KafkaBus } from '../kafka/kafka.bus';
import { KafkaConnection } from '../kafka/kafka-connection';
import { describeDeadLetterStoreContract } from './dead-letter-store.contract-suite';
import { KafkaDeadLetterStore, queueOfTopic } from './kafka-dead-letter.store';

let connection: KafkaConnection;
let bus: KafkaBus;
let store: KafkaDeadLetterStore;

describeDeadLetterStoreContract(
  'Kafka (real broker)',
  async () => {
    connection = new KafkaConnection({
      brokers: (process.env.KAFKA_BROKERS as string).split(','),
      clientId: 'studypath-dlq-contract',
    });
    // A namespace of its own: `list` sees only this run's topics.
    const namespace = `dlq-${randomUUID().slice(0, 8)}.`;
    bus = new KafkaBus(connection.kafka, { defaultPartitions: 3, namespace });
    store = new KafkaDeadLetterStore(
      connection.kafka,
      new KafkaBus(connection.kafka, { defaultPartitions: 3, namespace }),
    );
    return { bus, store, timeoutMs: 30_000 };
  },
  async () => {
    await store.close();
    await bus.close();
    await connection.close();
  },
);

describe('queueOfTopic', () => {
  it('reads the original topic and the group from a dead-letter topic', () => {
    expect(queueOfTopic('studypath.task-events.dlq.evaluation')).toEqual({
      topic: 'studypath.task-events',
      group: 'evaluation',
    });
    expect(queueOfTopic('t.dlq.g.dlq.reader')).toEqual({ topic: 't.dlq.g', group: 'reader' });
    expect(queueOfTopic('studypath.task-events')).toBeUndefined();
  });
});
