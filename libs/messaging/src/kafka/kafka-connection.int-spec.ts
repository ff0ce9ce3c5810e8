import { randomUUID } from 'node:crypto';
import { Partitioners, type Consumer, type Producer } from 'kafkajs';
import { KafkaConnection } from './kafka-connection';

describe('KafkaConnection (real Kafka broker)', () => {
  let connection: KafkaConnection;
  let producer: Producer;
  let consumer: Consumer;
  const topic = `studypath.test.roundtrip.${randomUUID()}`;

  beforeAll(async () => {
    connection = new KafkaConnection({
      brokers: (process.env.KAFKA_BROKERS as string).split(','),
      clientId: 'studypath-test',
    });
    const admin = await connection.connectedAdmin();
    await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true });
    producer = connection.kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    consumer = connection.kafka.consumer({ groupId: `test-${randomUUID()}` });
    await Promise.all([producer.connect(), consumer.connect()]);
  });

  afterAll(async () => {
    await consumer.disconnect();
    await producer.disconnect();
    await (
      await connection.connectedAdmin()
    )
      .deleteTopics({ topics: [topic] })
      .catch(() => undefined);
    await connection.close();
  });

  it('round-trips a keyed message with headers through the broker', async () => {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    const received = new Promise<{
      key: string;
      value: string;
      traceparent: string;
      partition: number;
    }>((resolve) => {
      void consumer.run({
        eachMessage: async ({ message, partition }) => {
          resolve({
            key: message.key?.toString() ?? '',
            value: message.value?.toString() ?? '',
            traceparent: message.headers?.traceparent?.toString() ?? '',
            partition,
          });
        },
      });
    });
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const [ack] = await producer.send({
      topic,
      acks: -1,
      messages: [
        { key: 'user-1', value: JSON.stringify({ hello: 'kafka' }), headers: { traceparent } },
      ],
    });

    const message = await received;
    expect(message).toEqual({
      key: 'user-1',
      value: '{"hello":"kafka"}',
      traceparent,
      partition: ack?.partition,
    });
  });

  it('reports the cluster on its health check', async () => {
    const report = await connection.checkHealth();

    expect(report.up).toBe(true);
    expect(report.details).toMatchObject({ transport: 'kafka' });
  });
});
