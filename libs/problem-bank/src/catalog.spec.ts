import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { META_SWE, MODULE_IDS } from '@studypath/contracts';
import Ajv2020 from 'ajv/dist/2020';
import { BUNDLED_CATALOG_DIR, BundledCatalog } from './bundled-catalog';
import type { Problem } from './problem';

const SCHEMA_PATH = path.resolve(BUNDLED_CATALOG_DIR, '../problem.schema.json');

interface CatalogFile {
  /** Relative to the problems folder: `<module>/<id>.json`. */
  file: string;
  folder: string;
  name: string;
  problem: Problem;
}

function readCatalog(): CatalogFile[] {
  const files: CatalogFile[] = [];
  for (const folder of readdirSync(BUNDLED_CATALOG_DIR, { withFileTypes: true })) {
    if (!folder.isDirectory()) continue;
    for (const name of readdirSync(path.join(BUNDLED_CATALOG_DIR, folder.name)).sort()) {
      const file = path.join(folder.name, name);
      files.push({
        file,
        folder: folder.name,
        name,
        problem: JSON.parse(readFileSync(path.join(BUNDLED_CATALOG_DIR, file), 'utf8')) as Problem,
      });
    }
  }
  return files;
}

const schema = JSON.parse(readFileSync(SCHEMA_PATH, 'utf8')) as {
  properties: { module: { enum: string[] } };
};
// strictTypes and friends as errors: the schema itself must be unambiguous.
const ajv = new Ajv2020({ allErrors: true, strict: true, strictTypes: true, strictTuples: true });
const validate = ajv.compile<Problem>(schema);
const catalog = readCatalog();

describe('the problem catalog', () => {
  it('holds only problem files, one JSON file each', () => {
    expect(catalog.length).toBeGreaterThan(0);
    expect(catalog.filter((entry) => !entry.name.endsWith('.json'))).toEqual([]);
  });

  it('names in its schema exactly the modules of @studypath/contracts', () => {
    expect(schema.properties.module.enum).toEqual([...MODULE_IDS]);
  });

  it.each(catalog.map((entry) => [entry.file, entry] as const))(
    '%s follows problem.schema.json',
    (_file, entry) => {
      const valid = validate(entry.problem);
      // The message names every violation, so a failure says what to fix.
      expect(valid ? 'valid' : ajv.errorsText(validate.errors, { separator: '\n' })).toBe('valid');
    },
  );

  it('has unique ids that match the file names and module folders', () => {
    const ids = catalog.map((entry) => entry.problem.id);
    expect(new Set(ids).size).toBe(ids.length);
    const misplaced = catalog.filter(
      (entry) => entry.name !== `${entry.problem.id}.json` || entry.folder !== entry.problem.module,
    );
    expect(misplaced.map((entry) => entry.file)).toEqual([]);
  });

  it('gives every test case one argument per parameter', () => {
    const wrong = catalog.flatMap(({ file, problem }) =>
      (['examples', 'sample_tests', 'hidden_tests'] as const).flatMap((kind) =>
        problem[kind]
          .map((test, index) => ({ test, index }))
          .filter(({ test }) => test.args.length !== problem.signature.params.length)
          .map(({ index }) => `${file} ${kind}[${index}]`),
      ),
    );
    expect(wrong).toEqual([]);
  });

  it('declares the signature functions in the stubs and the reference solutions', () => {
    const wrong = catalog.flatMap(({ file, problem }) => {
      const { python, javascript } = problem.signature;
      const checks: [string, boolean][] = [
        ['python stub', python.stub.includes(`def ${python.name}(`)],
        ['python solution', problem.solutions.python.includes(`def ${python.name}(`)],
        ['javascript stub', javascript.stub.includes(`function ${javascript.name}(`)],
        [
          'javascript solution',
          problem.solutions.javascript.includes(`function ${javascript.name}(`),
        ],
      ];
      return checks.filter(([, ok]) => !ok).map(([what]) => `${file}: ${what}`);
    });
    expect(wrong).toEqual([]);
  });

  it('has problems at every difficulty 1..5 in every module of the meta-swe track', () => {
    const missing = META_SWE.modules.flatMap((module) =>
      [1, 2, 3, 4, 5]
        .filter(
          (difficulty) =>
            !catalog.some(
              ({ problem }) => problem.module === module.id && problem.difficulty === difficulty,
            ),
        )
        .map((difficulty) => `${module.id} at difficulty ${difficulty}`),
    );
    expect(missing).toEqual([]);
  });
});

describe('BundledCatalog', () => {
  const bank = new BundledCatalog();
  const secretKeys = ['solutions', 'hidden_tests'];

  it('loads every problem of the catalog', () => {
    expect(bank.all()).toHaveLength(catalog.length);
  });

  it('serves metadata without solutions or hidden tests', async () => {
    for (const { problem } of catalog) {
      const metadata = await bank.getProblemMetadata(problem.id);
      expect(metadata).toBeDefined();
      expect(Object.keys(metadata ?? {})).toEqual(
        expect.not.arrayContaining(secretKeys) as unknown,
      );
      expect(metadata).toMatchObject({ id: problem.id, title: problem.title });
    }
  });

  it('lists a module by difficulty, up to the limit, without solutions or hidden tests', async () => {
    const listed = await bank.getProblemsByModule('graphs', [2, 4], 3);

    expect(listed).toHaveLength(3);
    for (const metadata of listed) {
      expect(metadata.module).toBe('graphs');
      expect(metadata.difficulty).toBeGreaterThanOrEqual(2);
      expect(metadata.difficulty).toBeLessThanOrEqual(4);
      expect(Object.keys(metadata)).toEqual(expect.not.arrayContaining(secretKeys) as unknown);
    }
    const difficulties = listed.map((metadata) => metadata.difficulty);
    expect(difficulties).toEqual([...difficulties].sort((a, b) => a - b));
  });

  it('serves the hidden tests to the evaluator, and nothing for an unknown id', async () => {
    const [{ problem }] = catalog as [CatalogFile];
    const hidden = await bank.getHiddenTests(problem.id);

    expect(hidden).toEqual({
      problem_id: problem.id,
      comparator: problem.comparator,
      signature: problem.signature,
      tests: problem.hidden_tests,
    });
    expect(await bank.getProblemMetadata('no-such-problem')).toBeUndefined();
    expect(await bank.getHiddenTests('no-such-problem')).toBeUndefined();
  });
});
