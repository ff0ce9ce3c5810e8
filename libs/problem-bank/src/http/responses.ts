import { MODULE_IDS, type ModuleId } from '@studypath/contracts';
import type {
  Comparator,
  FunctionSignature,
  HiddenTests,
  ProblemMetadata,
  TestCase,
} from '../problem';

/**
 * Minimal checks of what the external bank answers: the fields StudyPath reads are there and of
 * the right JSON type. Each parser returns the value or a short reason it is not acceptable; it
 * copies only the known fields, so that nothing else (a solution, hidden tests) can reach a
 * client through the metadata.
 */
export type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string };

type Obj = Record<string, unknown>;

const isObject = (value: unknown): value is Obj =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const isString = (value: unknown): value is string => typeof value === 'string';
const isStringArray = (value: unknown): value is string[] =>
  Array.isArray(value) && value.every(isString);
const isTestCase = (value: unknown): value is TestCase =>
  isObject(value) && Array.isArray(value.args) && 'expected' in value;
const isTestCases = (value: unknown): value is TestCase[] =>
  Array.isArray(value) && value.every(isTestCase);

function isComparator(value: unknown): value is Comparator {
  if (!isObject(value)) return false;
  switch (value.kind) {
    case 'exact':
    case 'unordered':
    case 'unordered_nested':
      return true;
    case 'float':
      return typeof value.tolerance === 'number' && value.tolerance >= 0;
    default:
      return false;
  }
}

const isFunctionName = (value: unknown): boolean =>
  isObject(value) && isString(value.name) && isString(value.stub);

function isSignature(value: unknown): value is FunctionSignature {
  return (
    isObject(value) &&
    Array.isArray(value.params) &&
    value.params.every((p) => isObject(p) && isString(p.name) && isString(p.type)) &&
    isString(value.returns) &&
    isFunctionName(value.python) &&
    isFunctionName(value.javascript)
  );
}

function copyTestCase(test: TestCase): TestCase {
  return {
    args: test.args,
    expected: test.expected,
    ...(isString(test.explanation) ? { explanation: test.explanation } : {}),
  };
}

function copySignature(signature: FunctionSignature): FunctionSignature {
  return {
    params: signature.params.map(({ name, type }) => ({ name, type })),
    returns: signature.returns,
    python: { name: signature.python.name, stub: signature.python.stub },
    javascript: { name: signature.javascript.name, stub: signature.javascript.stub },
  };
}

function copyComparator(comparator: Comparator): Comparator {
  return comparator.kind === 'float'
    ? { kind: 'float', tolerance: comparator.tolerance }
    : { kind: comparator.kind };
}

/** The first field of `body` that is missing or of the wrong type, if any. */
function metadataProblem(body: Obj): string | undefined {
  const checks: [string, boolean][] = [
    ['id', isString(body.id) && body.id.length > 0],
    ['module', MODULE_IDS.includes(body.module as ModuleId)],
    ['title', isString(body.title)],
    [
      'difficulty',
      Number.isInteger(body.difficulty) &&
        Number(body.difficulty) >= 1 &&
        Number(body.difficulty) <= 5,
    ],
    ['topics', isStringArray(body.topics)],
    ['statement', isString(body.statement)],
    ['constraints', isStringArray(body.constraints)],
    ['examples', isTestCases(body.examples)],
    ['signature', isSignature(body.signature)],
    ['sample_tests', isTestCases(body.sample_tests)],
    ['comparator', isComparator(body.comparator)],
    ['hints', isStringArray(body.hints)],
    [
      'complexity',
      isObject(body.complexity) &&
        isString(body.complexity.time) &&
        isString(body.complexity.space),
    ],
  ];
  return checks.find(([, ok]) => !ok)?.[0];
}

export function parseProblemMetadata(body: unknown): Parsed<ProblemMetadata> {
  if (!isObject(body)) return { ok: false, reason: 'the body is not a JSON object' };
  const field = metadataProblem(body);
  if (field) return { ok: false, reason: `"${field}" is missing or not valid` };
  const problem = body as unknown as ProblemMetadata;
  return {
    ok: true,
    value: {
      id: problem.id,
      module: problem.module,
      title: problem.title,
      difficulty: problem.difficulty,
      topics: [...problem.topics],
      statement: problem.statement,
      constraints: [...problem.constraints],
      examples: problem.examples.map(copyTestCase),
      signature: copySignature(problem.signature),
      sample_tests: problem.sample_tests.map(copyTestCase),
      comparator: copyComparator(problem.comparator),
      hints: [...problem.hints],
      complexity: { time: problem.complexity.time, space: problem.complexity.space },
    },
  };
}

export function parseProblemList(body: unknown): Parsed<ProblemMetadata[]> {
  if (!isObject(body) || !Array.isArray(body.problems)) {
    return { ok: false, reason: 'the body has no "problems" array' };
  }
  const problems: ProblemMetadata[] = [];
  for (const [index, item] of body.problems.entries()) {
    const parsed = parseProblemMetadata(item);
    if (!parsed.ok) return { ok: false, reason: `problems[${index}]: ${parsed.reason}` };
    problems.push(parsed.value);
  }
  return { ok: true, value: problems };
}

export function parseHiddenTests(body: unknown): Parsed<HiddenTests> {
  if (!isObject(body)) return { ok: false, reason: 'the body is not a JSON object' };
  const checks: [string, boolean][] = [
    ['problem_id', isString(body.problem_id) && body.problem_id.length > 0],
    ['comparator', isComparator(body.comparator)],
    ['signature', isSignature(body.signature)],
    ['tests', isTestCases(body.tests)],
  ];
  const field = checks.find(([, ok]) => !ok)?.[0];
  if (field) return { ok: false, reason: `"${field}" is missing or not valid` };
  const hidden = body as unknown as HiddenTests;
  return {
    ok: true,
    value: {
      problem_id: hidden.problem_id,
      comparator: copyComparator(hidden.comparator),
      signature: copySignature(hidden.signature),
      tests: hidden.tests.map(copyTestCase),
    },
  };
}
