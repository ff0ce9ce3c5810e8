import { describeBusContract } from '../bus/bus.contract-suite';
import { InMemoryDeadLetterStore } from '../dead-letters/in-memory-dead-letter.store';
import { InProcessBus } from './in-process.bus';

let bus: InProcessBus;

describeBusContract(
  'in-process',
  async () => {
    bus = new InProcessBus(3);
    return { bus, timeoutMs: 5_000 };
  },
  async () => {
    await bus.close();
  },
);

describe('InProcessBus', () => {
  it('resolves publish only once every subscribed group has handled the message', async () => {
    const local = new InProcessBus(2);
    await local.ensureTopics([{ name: 't', partitions: 2 }]);
    const handled: string[] = [];
    await local.subscribe({
      group: 'slow',
      topics: ['t'],
      handler: async (m) => {
        await new Promise((resolve) => setTimeout(resolve, 30));
        handled.push(m.value);
      },
    });

    await local.publish([{ topic: 't', key: 'a', value: '1' }]);

    expect(handled).toEqual(['1']);
    await local.close();
  });

  it('refuses to publish a topic one of whose groups has stopped, whole, until it subscribes again', async () => {
    const local = new InProcessBus(1);
    await local.ensureTopics([
      { name: 't', partitions: 1 },
      { name: 'u', partitions: 1 },
    ]);
    const got: string[] = [];
    await local.subscribe({
      group: 'stays',
      topics: ['t', 'u'],
      handler: async (m) => void got.push(m.value),
    });
    const leaving = await local.subscribe({
      group: 'leaves',
      topics: ['t'],
      handler: async () => undefined,
    });
    await leaving.stop();

    // Nothing keeps messages here: delivered to `stays` only, `leaves` would never see it.
    await expect(
      local.publish([
        { topic: 'u', key: 'k', value: 'first' },
        { topic: 't', key: 'k', value: 'second' },
      ]),
    ).rejects.toThrow('group leaves of topic t has stopped: not published');
    expect(got).toEqual([]);

    await local.subscribe({ group: 'leaves', topics: ['t'], handler: async () => undefined });
    await local.publish([{ topic: 't', key: 'k', value: 'third' }]);
    expect(got).toEqual(['third']);
    await local.close();
  });

  it('refuses a topic that was not created', async () => {
    const local = new InProcessBus();
    await expect(local.publish([{ topic: 'nope', key: 'k', value: 'v' }])).rejects.toThrow(
      /does not exist/,
    );
  });

  it('keeps dead letters in its journal', async () => {
    const journal = new InMemoryDeadLetterStore();
    const local = new InProcessBus(3, { deadLetters: journal });
    await local.ensureTopics([{ name: 't', partitions: 1 }]);
    await local.subscribe({
      group: 'g',
      topics: ['t'],
      retry: { retries: 0 },
      handler: async () => {
        throw new Error('no');
      },
    });

    await local.publish([{ topic: 't', key: 'k', value: 'bad' }]);

    const [letter] = await journal.show({ group: 'g', topic: 't' });
    expect(letter).toMatchObject({ value: 'bad', replayed: false });
    expect(letter?.headers).toMatchObject({ 'x-dlq-error': 'no', 'x-dlq-error-class': 'unknown' });
    await local.close();
  });
});
