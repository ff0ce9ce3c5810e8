import { randomUUID } from 'node:crypto';
import { Controller } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import {
  TASK_STREAM_EVENTS,
  TaskStarted,
  type EnvelopeOf,
  type EventEnvelope,
} from '@studypath/contracts';
import { loadConfig, PlatformModule, startEventHandlers } from '@studypath/platform';
import { eventually } from '../bus/bus.contract-suite';
import { deadLetterTopic, MessageBus, type IncomingMessage } from '../bus/message-bus';
import { encodeEvent } from '../events/event-codec';
import { MessagingModule } from '../messaging.module';
import { HandleEvents } from './handle-events.decorator';

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

function event(type: string, data: object): EventEnvelope {
  return {
    event_id: randomUUID(),
    event_type: type,
    schema_version: 1,
    stream_id: 'task-1',
    stream_position: 1,
    global_position: 1,
    user_id: 'user-1',
    occurred_at: new Date().toISOString(),
    correlation_id: randomUUID(),
    causation_id: null,
    traceparent: null,
    data,
  };
}

describe('@HandleEvents (a NestJS transport strategy over the in-process bus)', () => {
  async function start() {
    const moduleRef = await Test.createTestingModule({
      imports: [PlatformModule.forRoot(loadConfig({ role: 'embedded', env: {} })), MessagingModule],
      controllers: [TaskWatcher],
    }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    await app.init();
    await startEventHandlers(app);
    return app;
  }

  it('serves decorated methods by group with the decoded events of the types they name', async () => {
    const app = await start();
    try {
      const bus = app.get(MessageBus);
      const watcher = app.get(TaskWatcher);
      const ids = { task_id: randomUUID(), path_id: randomUUID() };

      await bus.publish([
        encodeEvent(event('task.started', ids)),
        encodeEvent(event('task.skipped', { ...ids, reason: 'too easy' })),
      ]);

      await eventually(
        () => expect(watcher.everything).toEqual(['task.started', 'task.skipped']),
        2000,
      );
      expect(watcher.started.map((e) => e.data)).toEqual([ids]);
    } finally {
      await app.close();
    }
  });

  it("gives a handler's error to the bus unchanged: retried, then dead-lettered with its message", async () => {
    const app = await start();
    try {
      const bus = app.get(MessageBus);
      const watcher = app.get(TaskWatcher);
      const dead: IncomingMessage[] = [];
      await bus.subscribe({
        group: `dlq-reader-${randomUUID()}`,
        topics: [deadLetterTopic(TaskStarted.topic, 'watcher')],
        handler: async (message) => {
          dead.push(message);
        },
      });
      watcher.failuresLeft = 1;
      const retried = { task_id: randomUUID(), path_id: randomUUID() };
      await bus.publish([encodeEvent(event('task.started', retried))]);
      await eventually(() => expect(watcher.started.map((e) => e.data)).toEqual([retried]), 2000);

      watcher.failuresLeft = 2;
      await bus.publish([
        encodeEvent(event('task.started', { task_id: randomUUID(), path_id: randomUUID() })),
      ]);
      await eventually(() => expect(dead).toHaveLength(1), 2000);
      expect(dead[0]?.headers['x-dlq-error']).toBe('the watcher is unwell');
      expect(watcher.started).toHaveLength(1);
    } finally {
      await app.close();
    }
  });

  it('refuses a message whose event_type header does not match its event', async () => {
    const app = await start();
    try {
      const bus = app.get(MessageBus);
      const watcher = app.get(TaskWatcher);
      const dead: IncomingMessage[] = [];
      await bus.subscribe({
        group: `dlq-reader-${randomUUID()}`,
        topics: [deadLetterTopic(TaskStarted.topic, 'watcher')],
        handler: async (message) => {
          dead.push(message);
        },
      });
      const skipped = encodeEvent(
        event('task.skipped', { task_id: randomUUID(), path_id: randomUUID() }),
      );
      await bus.publish([
        { ...skipped, headers: { ...skipped.headers, event_type: 'task.started' } },
      ]);

      await eventually(() => expect(dead).toHaveLength(1), 2000);
      expect(dead[0]?.headers['x-dlq-error-type']).toBe('NonRetriableError');
      expect(watcher.started).toEqual([]);
    } finally {
      await app.close();
    }
  });
});
