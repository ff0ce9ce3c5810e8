import type { Kafka } from 'kafkajs';
import { MessageTooLargeError } from '../bus/message-bus';
import { KafkaBus, messageBytes } from './kafka.bus';

describe('KafkaBus publish size', () => {
  // No broker: the size check comes before the producer connects.
  const unreachable = {
    producer: () => {
      throw new Error('no broker in this test');
    },
  } as unknown as Kafka;

  it('refuses a publish larger than maxBatchBytes with MessageTooLargeError and the limit', async () => {
    const bus = new KafkaBus(unreachable, { maxBatchBytes: 1_000 });
    const publishing = bus.publish([
      { topic: 't', key: 'k', value: 'x'.repeat(600) },
      { topic: 't', key: 'k', value: 'x'.repeat(600) },
    ]);

    await expect(publishing).rejects.toBeInstanceOf(MessageTooLargeError);
    await expect(publishing).rejects.toMatchObject({ limitBytes: 1_000 });
  });

  it('counts key, value and headers in bytes, not characters', () => {
    const ascii = messageBytes({ topic: 't', key: 'k', value: 'aa', headers: { h: 'v' } });
    const wide = messageBytes({ topic: 't', key: 'k', value: 'éé', headers: { h: 'v' } });
    expect(wide - ascii).toBe(2);
  });
});
