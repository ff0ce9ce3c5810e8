import { BundledCatalog } from '../bundled-catalog';
import type { Problem } from '../problem';
import { parseHiddenTests, parseProblemList, parseProblemMetadata } from './responses';

describe('the checks of the problem bank answers', () => {
  const catalog = new BundledCatalog();
  const problem = catalog.all().find((p) => p.comparator.kind === 'exact') as Problem;

  it('accept the catalog metadata and copy only its known fields', async () => {
    const metadata = await catalog.getProblemMetadata(problem.id);
    const parsed = parseProblemMetadata({ ...metadata, internal_notes: 'x' });

    expect(parsed).toEqual({ ok: true, value: metadata });
  });

  it('never let solutions or hidden tests through the metadata', () => {
    const parsed = parseProblemMetadata(problem);

    expect(parsed.ok).toBe(true);
    expect(parsed.ok && Object.keys(parsed.value)).toEqual(
      expect.not.arrayContaining(['solutions', 'hidden_tests']) as unknown,
    );
  });

  it('name the first field that is missing or wrong', async () => {
    const metadata = await catalog.getProblemMetadata(problem.id);

    expect(parseProblemMetadata('<html>')).toEqual({
      ok: false,
      reason: 'the body is not a JSON object',
    });
    expect(parseProblemMetadata({ ...metadata, difficulty: 9 })).toEqual({
      ok: false,
      reason: '"difficulty" is missing or not valid',
    });
    expect(parseProblemMetadata({ ...metadata, module: 'astrology' })).toEqual({
      ok: false,
      reason: '"module" is missing or not valid',
    });
    expect(parseProblemMetadata({ ...metadata, comparator: { kind: 'float' } })).toEqual({
      ok: false,
      reason: '"comparator" is missing or not valid',
    });
  });

  it('check listings item by item', async () => {
    const metadata = await catalog.getProblemMetadata(problem.id);

    expect(parseProblemList({ problems: [metadata] })).toEqual({ ok: true, value: [metadata] });
    expect(parseProblemList([metadata])).toEqual({
      ok: false,
      reason: 'the body has no "problems" array',
    });
    expect(parseProblemList({ problems: [metadata, { id: 'x' }] })).toEqual({
      ok: false,
      reason: 'problems[1]: "module" is missing or not valid',
    });
  });

  it('check hidden tests', async () => {
    const hidden = await catalog.getHiddenTests(problem.id);

    expect(parseHiddenTests(hidden)).toEqual({ ok: true, value: hidden });
    expect(parseHiddenTests({ ...hidden, tests: [{ args: 1, expected: 2 }] })).toEqual({
      ok: false,
      reason: '"tests" is missing or not valid',
    });
  });
});
