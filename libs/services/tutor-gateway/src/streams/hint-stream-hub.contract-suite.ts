import { randomUUID } from 'node:crypto';
import {
  InvalidHintStreamIdError,
  compareHintStreamIds,
  type HintStreamEntry,
  type HintStreamHub,
  type HintStreamHubOptions,
  type HintStreamRecord,
} from './hint-stream-hub';

/** Makes a hub; the suite closes every hub it makes. */
export type HintStreamHubFactory = (options: HintStreamHubOptions) => Promise<HintStreamHub>;

const chunk = (text: string): HintStreamEntry => ({ type: 'chunk', text });
const DONE: HintStreamEntry = {
  type: 'done',
  content: 'Try a hash map.\nIt gives O(1) lookups — 👍',
  level: 2,
  source: 'builtin',
};

/** Polls `check` until it stops throwing, or fails with its last error after `timeoutMs`. */
async function eventually(check: () => void, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      check();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(10);
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A read running in the background: what it has yielded so far, and its end. */
function startReading(
  hub: HintStreamHub,
  hintId: string,
  options: { after?: string | null; signal?: AbortSignal } = {},
): { records: HintStreamRecord[]; ended: Promise<void>; controller: AbortController } {
  const controller = new AbortController();
  const signal = options.signal
    ? AbortSignal.any([options.signal, controller.signal])
    : controller.signal;
  const records: HintStreamRecord[] = [];
  const ended = (async () => {
    for await (const record of hub.read(hintId, { after: options.after, signal })) {
      records.push(record);
    }
  })();
  return { records, ended, controller };
}

/** Reads to the end, failing the test if that takes longer than `timeoutMs`. */
async function readAll(
  hub: HintStreamHub,
  hintId: string,
  after?: string | null,
  timeoutMs = 2_000,
): Promise<HintStreamRecord[]> {
  const reading = startReading(hub, hintId, { after, signal: AbortSignal.timeout(timeoutMs) });
  await reading.ended;
  return reading.records;
}

/**
 * The hint stream semantics both hubs must have. Run by memory.hint-stream-hub.spec.ts and,
 * against a real Redis, by redis.hint-stream-hub.int-spec.ts.
 */
export function describeHintStreamHubContract(name: string, createHub: HintStreamHubFactory): void {
  describe(`HintStreamHub contract: ${name}`, () => {
    const hubs: HintStreamHub[] = [];
    let hub: HintStreamHub;

    async function newHub(options: HintStreamHubOptions = {}): Promise<HintStreamHub> {
      const made = await createHub(options);
      hubs.push(made);
      return made;
    }

    beforeAll(async () => {
      hub = await newHub({ ttlMs: 60_000 });
    });

    afterAll(async () => {
      await Promise.all(hubs.map((h) => h.close()));
    });

    async function appendAll(hintId: string, entries: HintStreamEntry[]): Promise<string[]> {
      const ids: string[] = [];
      for (const entry of entries) ids.push(await hub.append(hintId, entry));
      return ids;
    }

    it('gives the entries in order with increasing ids, and ends after done', async () => {
      const hintId = randomUUID();
      const entries = [chunk('Think '), chunk(''), chunk('about\nlines — ünïcödé 🙂'), DONE];
      const ids = await appendAll(hintId, entries);

      const records = await readAll(hub, hintId, null);

      expect(records).toEqual(entries.map((entry, i) => ({ id: ids[i], entry })));
      for (let i = 1; i < ids.length; i += 1) {
        expect(compareHintStreamIds(ids[i - 1] as string, ids[i] as string)).toBeLessThan(0);
      }
      expect(hub.openReaders).toBe(0);
    });

    it('ends after an error entry too', async () => {
      const hintId = randomUUID();
      await appendAll(hintId, [chunk('partial'), { type: 'error', message: 'tutor failed' }]);

      const records = await readAll(hub, hintId);

      expect(records.map((r) => r.entry)).toEqual([
        chunk('partial'),
        { type: 'error', message: 'tutor failed' },
      ]);
    });

    it('carries started and reset through, in their places, and reads on past them to done', async () => {
      const hintId = randomUUID();
      const entries: HintStreamEntry[] = [
        { type: 'started' },
        chunk('half of an LLM'),
        { type: 'reset' },
        chunk('Whole.'),
        DONE,
      ];
      const ids = await appendAll(hintId, entries);

      const records = await readAll(hub, hintId);

      expect(records).toEqual(entries.map((entry, i) => ({ id: ids[i], entry })));
    });

    it('resumes after an id with only the later entries (Last-Event-ID)', async () => {
      const hintId = randomUUID();
      const ids = await appendAll(hintId, [chunk('a'), chunk('b'), chunk('c'), DONE]);

      const records = await readAll(hub, hintId, ids[1]);

      expect(records).toEqual([
        { id: ids[2], entry: chunk('c') },
        { id: ids[3], entry: DONE },
      ]);
    });

    it('gives a reader that comes after done everything at once, and ends', async () => {
      const hintId = randomUUID();
      await appendAll(hintId, [chunk('one'), chunk('two'), DONE]);

      const started = Date.now();
      const records = await readAll(hub, hintId);

      expect(records.map((r) => r.entry)).toEqual([chunk('one'), chunk('two'), DONE]);
      expect(Date.now() - started).toBeLessThan(1_000);
    });

    it('gives a reader that started before any append each entry as it comes', async () => {
      const hintId = randomUUID();
      const reading = startReading(hub, hintId);

      for (const [i, text] of ['first', 'second', 'third'].entries()) {
        await sleep(20); // the reader is waiting, not handed a batch
        await hub.append(hintId, chunk(text));
        await eventually(() => expect(reading.records).toHaveLength(i + 1));
      }
      await hub.append(hintId, DONE);
      await reading.ended;

      expect(reading.records.map((r) => r.entry)).toEqual([
        chunk('first'),
        chunk('second'),
        chunk('third'),
        DONE,
      ]);
    });

    it('serves two readers at once, each the whole stream with the same ids', async () => {
      const hintId = randomUUID();
      await hub.append(hintId, chunk('early'));
      const first = startReading(hub, hintId);
      const second = startReading(hub, hintId);
      await eventually(() => expect(first.records.length + second.records.length).toBe(2));
      expect(hub.openReaders).toBe(2);

      await appendAll(hintId, [chunk('late'), DONE]);
      await Promise.all([first.ended, second.ended]);

      expect(first.records.map((r) => r.entry)).toEqual([chunk('early'), chunk('late'), DONE]);
      expect(second.records).toEqual(first.records);
      expect(hub.openReaders).toBe(0);
    });

    it('ends a waiting reader promptly when its signal aborts, and releases its wait', async () => {
      const hintId = randomUUID();
      await hub.append(hintId, chunk('only'));
      const reading = startReading(hub, hintId);
      await eventually(() => expect(reading.records).toHaveLength(1));
      await sleep(50); // blocked in its wait for the next entry
      expect(hub.openReaders).toBe(1);

      const aborted = Date.now();
      reading.controller.abort();
      await reading.ended;

      expect(Date.now() - aborted).toBeLessThan(500);
      expect(reading.records.map((r) => r.entry)).toEqual([chunk('only')]);
      expect(hub.openReaders).toBe(0);
    });

    it('ends at once, yielding nothing, with a signal that has already aborted', async () => {
      const hintId = randomUUID();
      await appendAll(hintId, [chunk('x'), DONE]);

      const records: HintStreamRecord[] = [];
      for await (const record of hub.read(hintId, { signal: AbortSignal.abort() })) {
        records.push(record);
      }

      expect(records).toEqual([]);
    });

    it('ends a reader whose consumer stops early, releasing its wait', async () => {
      const hintId = randomUUID();
      await appendAll(hintId, [chunk('a'), chunk('b')]);

      for await (const record of hub.read(hintId, { signal: new AbortController().signal })) {
        expect(record.entry).toEqual(chunk('a'));
        break;
      }

      expect(hub.openReaders).toBe(0);
    });

    it('rejects an id that is not <ms>-<seq>', async () => {
      for (const after of ['abc', '1', '1-', '-1', '1-2-3', '99999999999999999999-0', ' 1-0']) {
        const reading = hub.read(randomUUID(), { after, signal: AbortSignal.timeout(1_000) });
        await expect(reading[Symbol.asyncIterator]().next()).rejects.toBeInstanceOf(
          InvalidHintStreamIdError,
        );
      }
      expect(hub.openReaders).toBe(0);
    });

    it('keeps only the newest entries beyond its guard', async () => {
      const guarded = await newHub({ ttlMs: 60_000, maxEntries: 3 });
      const hintId = randomUUID();
      for (const text of ['1', '2', '3', '4']) await guarded.append(hintId, chunk(text));
      await guarded.append(hintId, DONE);

      const records = await readAll(guarded, hintId);

      expect(records.map((r) => r.entry)).toEqual([chunk('3'), chunk('4'), DONE]);
    });

    it("expires a hint's entries a TTL after its last append, not its first", async () => {
      const shortLived = await newHub({ ttlMs: 400 });
      const hintId = randomUUID();
      await shortLived.append(hintId, chunk('a'));
      await sleep(250);
      await shortLived.append(hintId, chunk('b'));
      await sleep(250); // 500 ms after the first append, 250 ms after the last

      const kept = startReading(shortLived, hintId, { signal: AbortSignal.timeout(200) });
      await kept.ended;
      expect(kept.records.map((r) => r.entry)).toEqual([chunk('a'), chunk('b')]);

      await sleep(400);
      const expired = startReading(shortLived, hintId, { signal: AbortSignal.timeout(200) });
      await expired.ended;
      expect(expired.records).toEqual([]);
    });
  });
}
