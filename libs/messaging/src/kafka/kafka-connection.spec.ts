import { TRANSIENT_ANSWERS, TRANSIENT_KAFKA_ERRORS } from './kafka-connection';

describe("Kafka's transient answers", () => {
  it('are the messages kafkajs logs for them, one for each protocol error named', () => {
    expect(TRANSIENT_ANSWERS.size).toBe(TRANSIENT_KAFKA_ERRORS.length);
    expect(TRANSIENT_ANSWERS).toContain('This server does not host this topic-partition');
    expect(TRANSIENT_ANSWERS).toContain(
      "The coordinator is loading and hence can't process requests for this group",
    );
    expect(TRANSIENT_ANSWERS).toContain('The group is rebalancing, so a rejoin is needed');
    expect(TRANSIENT_ANSWERS).not.toContain(
      'Not authorized to access topics: [Topic authorization failed.]',
    );
  });
});
