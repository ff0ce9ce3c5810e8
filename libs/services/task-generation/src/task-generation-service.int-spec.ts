import { randomUUID } from 'node:crypto';
import {
  ORIGINAL_POLICIES,
  PathCreated,
  ReviewDue,
  Topics,
  type EventData,
  type EventEnvelope,
  type TasksProposed,
} from '@studypath/contracts';
import {
  decodeEvent,
  encodeEvent,
  KafkaBus,
  KafkaConnection,
  type Subscription,
} from '@studypath/messaging';
import type { ProcessDefinition } from '@studypath/platform';
import {
  envelope,
  pathConfig,
  startTestProcess,
  until,
  type TestProcess,
} from '@studypath/testing';
import { TaskGenerationDatabase } from './task-generation.database';
import { TaskGenerationServiceModule } from './task-generation-service.module';

const generationService: ProcessDefinition = {
  name: 'task-generation-service',
  role: 'service',
  service: 'task-generation',
  modules: [TaskGenerationServiceModule],
};

type Proposal = EventData<typeof TasksProposed>;

describe('task-generation service over the real Kafka', () => {
  let service: TestProcess;
  let connection: KafkaConnection;
  let bus: KafkaBus;
  let observer: Subscription;
  const proposals: EventEnvelope[] = [];

  beforeAll(async () => {
    service = await startTestProcess(generationService, { databases: [TaskGenerationDatabase] });
    connection = new KafkaConnection({
      brokers: (process.env.KAFKA_BROKERS as string).split(','),
      clientId: 'task-generation-test',
    });
    bus = new KafkaBus(connection.kafka, { namespace: service.namespace });
    observer = await bus.subscribe({
      group: `observer-${randomUUID()}`,
      topics: [Topics.generationEvents],
      handler: async (message) => {
        proposals.push(decodeEvent(message)); // decodeEvent validates against the JSON Schema
      },
    });
  });

  afterAll(async () => {
    await observer?.stop();
    await bus?.close();
    await connection?.close();
    await service?.stop();
  });

  const user = `user-${randomUUID()}`;
  /** A due review of the path's card, as the analytics service publishes it. */
  const reviewDue = (pathId: string, reviewId: string, problemId: string) =>
    envelope(
      ReviewDue,
      {
        review_id: reviewId,
        card_state: 'review',
        due_at: '2026-01-12T07:30:00.000Z',
        last_interval_days: 6,
        scheduling_policy: 'fsrs-1',
        path_id: pathId,
        problem_id: problemId,
        module: 'graphs',
        topics: ['bfs'],
        difficulty: 1,
        last_rating: 'good',
      },
      { user_id: user },
    );

  /** The path's review tasks proposed so far. */
  const reviewTasks = (pathId: string): Proposal['tasks'] =>
    proposals
      .map((e) => e.data as Proposal)
      .filter((p) => p.path_id === pathId)
      .flatMap((p) => p.tasks)
      .filter((t) => t.source === 'review');

  it('turns an analytics.review_due into one review task, however often the review comes', async () => {
    const pathId = randomUUID();
    const reviewId = randomUUID();
    await bus.publish([
      encodeEvent(
        envelope(
          PathCreated,
          {
            path_id: pathId,
            track_id: 'meta-swe',
            config: pathConfig(),
            policies: ORIGINAL_POLICIES,
          },
          { user_id: user },
        ),
      ),
    ]);
    await until(
      () => proposals.some((e) => (e.data as Proposal).path_id === pathId),
      'the first proposal',
    );

    const due = reviewDue(pathId, reviewId, 'graph-courier-reach');
    // Redelivered (the same event), and published again by a second run of the job (another event).
    await bus.publish([encodeEvent(due)]);
    await bus.publish([
      encodeEvent(due),
      encodeEvent(reviewDue(pathId, reviewId, 'graph-courier-reach')),
    ]);
    // Another review of the same user after those (the same partition): handled after them.
    await bus.publish([encodeEvent(reviewDue(pathId, randomUUID(), 'graph-largest-spill'))]);

    const tasks = await until(() => {
      const found = reviewTasks(pathId);
      return found.length >= 2 ? found : undefined;
    }, 'two review tasks');
    expect(tasks).toHaveLength(2);
    expect(tasks[0]).toMatchObject({
      problem_id: 'graph-courier-reach',
      source: 'review',
      review: {
        review_id: reviewId,
        card_state: 'review',
        due_at: '2026-01-12T07:30:00.000Z',
        last_interval_days: 6,
        scheduling_policy: 'fsrs-1',
      },
    });
    expect(tasks[1]).toMatchObject({ problem_id: 'graph-largest-spill', source: 'review' });
  });
});
