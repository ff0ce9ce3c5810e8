import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { describeHintStreamHubContract } from './hint-stream-hub.contract-suite';
import type { HintStreamHubOptions, HintStreamRecord } from './hint-stream-hub';
import {
  MalformedHintStreamEntryError,
  RedisHintStreamHub,
  type RedisHintStreamHubOptions,
} from './redis.hint-stream-hub';

const redisUrl = (): string => process.env.REDIS_URL as string;

describeHintStreamHubContract('Redis (real server)', async (options: HintStreamHubOptions) =>
  RedisHintStreamHub.connect(redisUrl(), {
    ...options,
    keyPrefix: `studypath:test:${randomUUID()}:hint:`,
  }),
);

describe('RedisHintStreamHub', () => {
  let admin: Redis;
  const hubs: RedisHintStreamHub[] = [];

  beforeAll(() => {
    admin = new Redis(redisUrl());
  });

  afterAll(async () => {
    await Promise.all(hubs.map((hub) => hub.close()));
    await admin.quit();
  });

  function connect(options: RedisHintStreamHubOptions): RedisHintStreamHub {
    const hub = RedisHintStreamHub.connect(redisUrl(), options);
    hubs.push(hub);
    return hub;
  }

  /** Connections named `name` that Redis holds open right now. */
  async function connectionsNamed(name: string): Promise<number> {
    const list = await admin.client('LIST');
    return String(list)
      .split('\n')
      .filter((line) => line.includes(` name=${name} `)).length;
  }

  async function eventually(check: () => Promise<void>, timeoutMs = 5_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        await check();
        return;
      } catch (error) {
        if (Date.now() > deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }
  }

  it('streams a hint appended by one replica to a reader on another, live and late', async () => {
    const prefix = `studypath:test:${randomUUID()}:hint:`;
    const producer = connect({ keyPrefix: prefix });
    const server = connect({ keyPrefix: prefix });
    const hintId = randomUUID();

    const live: HintStreamRecord[] = [];
    const liveRead = (async () => {
      for await (const record of server.read(hintId, { signal: AbortSignal.timeout(5_000) })) {
        live.push(record);
      }
    })();
    const ids = [
      await producer.append(hintId, { type: 'chunk', text: 'Use ' }),
      await producer.append(hintId, { type: 'chunk', text: 'two pointers.' }),
      await producer.append(hintId, {
        type: 'done',
        content: 'Use two pointers.',
        level: 1,
        source: 'llm',
      }),
    ];
    await liveRead;

    const late: HintStreamRecord[] = [];
    for await (const record of server.read(hintId, { signal: AbortSignal.timeout(1_000) })) {
      late.push(record);
    }

    expect(live.map((r) => r.id)).toEqual(ids);
    expect(late).toEqual(live);
    expect(late[2]?.entry).toEqual({
      type: 'done',
      content: 'Use two pointers.',
      level: 1,
      source: 'llm',
    });
  });

  it('keeps a hint under its namespaced key with the TTL renewed by each append', async () => {
    const prefix = `studypath:test:${randomUUID()}:hint:`;
    const hub = connect({ keyPrefix: prefix, ttlMs: 60_000 });
    const hintId = randomUUID();
    await hub.append(hintId, { type: 'chunk', text: 'a' });
    await admin.pexpire(prefix + hintId, 5_000);

    await hub.append(hintId, { type: 'chunk', text: 'b' });

    expect(await admin.xlen(prefix + hintId)).toBe(2);
    expect(await admin.pttl(prefix + hintId)).toBeGreaterThan(50_000);
  });

  it('reads on a connection of its own, closed when the reader aborts or ends', async () => {
    const name = `studypath-test-reader-${randomUUID()}`;
    const hub = connect({
      keyPrefix: `studypath:test:${randomUUID()}:hint:`,
      readerConnectionName: name,
    });
    const hintId = randomUUID();
    await hub.append(hintId, { type: 'chunk', text: 'a' });

    const waiting = new AbortController();
    const seen: HintStreamRecord[] = [];
    const read = (async () => {
      for await (const record of hub.read(hintId, { signal: waiting.signal })) seen.push(record);
    })();
    await eventually(async () => expect(await connectionsNamed(name)).toBe(1));
    // Appends go through while the reader is blocked: it holds its own connection.
    await hub.append(hintId, { type: 'chunk', text: 'b' });
    await eventually(async () => expect(seen).toHaveLength(2));
    waiting.abort();
    await read;
    await eventually(async () => expect(await connectionsNamed(name)).toBe(0));

    await hub.append(hintId, { type: 'done', content: 'ab', level: 3, source: 'builtin' });
    const toTheEnd: HintStreamRecord[] = [];
    for await (const record of hub.read(hintId, { signal: AbortSignal.timeout(2_000) })) {
      toTheEnd.push(record);
    }
    expect(toTheEnd).toHaveLength(3);
    await eventually(async () => expect(await connectionsNamed(name)).toBe(0));
    expect(hub.openReaders).toBe(0);
  });

  it('ends its open readers when it closes', async () => {
    const name = `studypath-test-reader-${randomUUID()}`;
    const hub = RedisHintStreamHub.connect(redisUrl(), {
      keyPrefix: `studypath:test:${randomUUID()}:hint:`,
      readerConnectionName: name,
    });
    const read = (async () => {
      for await (const record of hub.read(randomUUID(), { signal: new AbortController().signal })) {
        throw new Error(`nothing was appended, yet got ${record.id}`);
      }
    })();
    await eventually(async () => expect(await connectionsNamed(name)).toBe(1));

    await hub.close();
    await read;

    await eventually(async () => expect(await connectionsNamed(name)).toBe(0));
  });

  it('fails a read on an entry it did not write, rather than pass it on', async () => {
    const prefix = `studypath:test:${randomUUID()}:hint:`;
    const hub = connect({ keyPrefix: prefix });
    const cases: string[][] = [
      ['type', 'shout', 'text', 'x'],
      ['type', 'chunk'],
      ['type', 'chunk', 'text', 'x', 'extra', 'y'],
      ['type', 'done', 'content', 'x', 'level', '4', 'source', 'llm'],
      ['type', 'done', 'content', 'x', 'level', '1', 'source', 'oracle'],
      ['type', 'done', 'content', 'x', 'level', ' 1', 'source', 'llm'],
    ];
    for (const fields of cases) {
      const hintId = randomUUID();
      await hub.append(hintId, { type: 'chunk', text: 'fine' });
      await admin.xadd(prefix + hintId, '*', ...fields);

      const seen: HintStreamRecord[] = [];
      const reading = (async () => {
        for await (const record of hub.read(hintId, { signal: AbortSignal.timeout(2_000) })) {
          seen.push(record);
        }
      })();

      await expect(reading).rejects.toBeInstanceOf(MalformedHintStreamEntryError);
      // Whatever came before the bad entry may have been served; the bad entry never is.
      expect(seen.map((r) => r.entry)).toEqual(seen.map(() => ({ type: 'chunk', text: 'fine' })));
    }
    expect(hub.openReaders).toBe(0);
  });
});
