import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { Topics, type EventEnvelope } from '@studypath/contracts';
import { loadConfig, PlatformModule } from '@studypath/platform';
import { eventually } from '../bus/bus.contract-suite';
import { MessageBus } from '../bus/message-bus';
import { encodeEvent } from '../events/event-codec';
import { MessagingModule } from '../messaging.module';
import { HandleEvents } from './handle-events.decorator';

@Injectable()
class TaskWatcher {
  readonly started: EventEnvelope[] = [];
  readonly everything: string[] = [];

  @HandleEvents({ group: 'watcher', topic: Topics.taskEvents, eventTypes: ['task.started'] })
  async onStarted(event: EventEnvelope): Promise<void> {
    this.started.push(event);
  }

  @HandleEvents({ group: 'auditor', topic: Topics.taskEvents })
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

describe('@HandleEvents (Nest integration, in-process bus)', () => {
  it('subscribes decorated methods by group and delivers decoded events of the wanted types', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [PlatformModule.forRoot(loadConfig({ role: 'embedded', env: {} })), MessagingModule],
      providers: [TaskWatcher],
    }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    await app.init();
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
});
