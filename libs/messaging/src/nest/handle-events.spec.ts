import { randomUUID } from 'node:crypto';
import { Controller } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import { Test } from '@nestjs/testing';
import {
  TASK_STREAM_EVENTS,
  TaskSkipped,
  TaskStarted,
  type EnvelopeOf,
  type EventEnvelope,
} from '@studypath/contracts';
import { loadConfig, PlatformModule, startEventHandlers } from '@studypath/platform';
import { envelope, eventually } from '@studypath/testing';
import { deadLetterTopic, MessageBus, type IncomingMessage } from '../bus/message-bus';
import { encodeEvent } from '../events/event-codec';
import { MessagingModule } from '../messaging.module';
import { BusContext, HandleEvents } from './handle-events.decorator';

@Controller()
class TaskWatcher {
  readonly started: EnvelopeOf<typeof TaskStarted>[] = [];
  readonly everything: string[] = [];
  failuresLeft = 0;

  @HandleEvents('watcher', [TaskStarted], { retry: { retries: 1, initialDelayMs: 1 } })
  async onStarted(event: EnvelopeOf<typeof TaskStarted>): Promise<void> {
    if (this.failuresLeft > 0) {
      this.failuresLeft -= 1;
      throw new Error('the watcher is unwell');
    }
    this.started.push(event);
  }

  @HandleEvents('auditor', TASK_STREAM_EVENTS)
  async onAnything(event: EventEnvelope): Promise<void> {
    this.everything.push(event.event_type);
  }
}

@Controller()
class GaveUpWatcher {
  readonly gaveUp: { event: EnvelopeOf<typeof TaskStarted>; error: string | undefined }[] = [];

  @HandleEvents('watcher-dead-letters', [TaskStarted], { deadLettersOf: 'watcher' })
  async onDeadLettered(
    @Payload() event: EnvelopeOf<typeof TaskStarted>,
    @Ctx() context: BusContext,
  ): Promise<void> {
    this.gaveUp.push({ event, error: context.getMessage().headers['x-dlq-error'] });
  }
}

/** Collects what the bus dead-letters for the watcher's group. */
async function readDeadLetters(bus: MessageBus): Promise<IncomingMessage[]> {
  const dead: IncomingMessage[] = [];
  await bus.subscribe({
    group: `dlq-reader-${randomUUID()}`,
    topics: [deadLetterTopic(TaskStarted.topic, 'watcher')],
    handler: async (message) => {
      dead.push(message);
    },
  });
  return dead;
}

describe('@HandleEvents (a NestJS transport strategy over the in-process bus)', () => {
  /** Runs `test` on an application that serves the TaskWatcher, and closes it afterwards. */
  async function withWatcher(
    test: (bus: MessageBus, watcher: TaskWatcher, gaveUp: GaveUpWatcher) => Promise<void>,
  ): Promise<void> {
    const moduleRef = await Test.createTestingModule({
      imports: [PlatformModule.forRoot(loadConfig({ role: 'embedded', env: {} })), MessagingModule],
      controllers: [TaskWatcher, GaveUpWatcher],
    }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    try {
      await app.init();
      await startEventHandlers(app);
      await test(app.get(MessageBus), app.get(TaskWatcher), app.get(GaveUpWatcher));
    } finally {
      await app.close();
    }
  }

  it('serves decorated methods by group with the decoded events of the types they name', () =>
    withWatcher(async (bus, watcher) => {
      const ids = { task_id: randomUUID(), path_id: randomUUID() };

      await bus.publish([
        encodeEvent(envelope(TaskStarted, ids)),
        encodeEvent(envelope(TaskSkipped, { ...ids, reason: 'too easy' })),
      ]);

      await eventually(
        () => expect(watcher.everything).toEqual(['task.started', 'task.skipped']),
        2000,
      );
      expect(watcher.started.map((e) => e.data)).toEqual([ids]);
    }));

  it("gives a handler's error to the bus unchanged: retried, then dead-lettered with its message", () =>
    withWatcher(async (bus, watcher) => {
      const dead = await readDeadLetters(bus);
      watcher.failuresLeft = 1;
      const retried = { task_id: randomUUID(), path_id: randomUUID() };
      await bus.publish([encodeEvent(envelope(TaskStarted, retried))]);
      await eventually(() => expect(watcher.started.map((e) => e.data)).toEqual([retried]), 2000);

      watcher.failuresLeft = 2;
      await bus.publish([
        encodeEvent(envelope(TaskStarted, { task_id: randomUUID(), path_id: randomUUID() })),
      ]);
      await eventually(() => expect(dead).toHaveLength(1), 2000);
      expect(dead[0]?.headers['x-dlq-error']).toBe('the watcher is unwell');
      expect(watcher.started).toHaveLength(1);
    }));

  it('refuses a message whose event_type header does not match its event', () =>
    withWatcher(async (bus, watcher) => {
      const dead = await readDeadLetters(bus);
      const skipped = encodeEvent(
        envelope(TaskSkipped, { task_id: randomUUID(), path_id: randomUUID() }),
      );
      await bus.publish([
        { ...skipped, headers: { ...skipped.headers, event_type: 'task.started' } },
      ]);

      await eventually(() => expect(dead).toHaveLength(1), 2000);
      expect(dead[0]?.headers['x-dlq-error-type']).toBe('NonRetriableError');
      expect(watcher.started).toEqual([]);
    }));

  it("serves a group's dead letters, decoded, to a handler that names the group", () =>
    withWatcher(async (bus, watcher, gaveUp) => {
      watcher.failuresLeft = 2;
      const ids = { task_id: randomUUID(), path_id: randomUUID() };
      await bus.publish([encodeEvent(envelope(TaskStarted, ids))]);

      await eventually(() => expect(gaveUp.gaveUp).toHaveLength(1), 2000);
      expect(gaveUp.gaveUp[0]?.event.data).toEqual(ids);
      expect(gaveUp.gaveUp[0]?.error).toBe('the watcher is unwell');
    }));
});
