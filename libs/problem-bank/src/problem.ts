import type { ModuleId } from '@studypath/contracts';

export type Comparator =
  | { kind: 'exact' }
  | { kind: 'unordered' }
  | { kind: 'unordered_nested' }
  | { kind: 'float'; tolerance: number };

export interface TestCase {
  args: unknown[];
  expected: unknown;
  explanation?: string;
}

export interface FunctionSignature {
  params: { name: string; type: string }[];
  returns: string;
  python: { name: string; stub: string };
  javascript: { name: string; stub: string };
}

/** What a web client may see of a problem: never its hidden tests or reference solutions. */
export interface ProblemMetadata {
  id: string;
  module: ModuleId;
  title: string;
  difficulty: number;
  topics: string[];
  statement: string;
  constraints: string[];
  examples: TestCase[];
  signature: FunctionSignature;
  sample_tests: TestCase[];
  comparator: Comparator;
  hints: string[];
  complexity: { time: string; space: string };
}

/** A problem as the catalog stores it: the metadata plus what only the evaluator may use. */
export interface Problem extends ProblemMetadata {
  solutions: { python: string; javascript: string };
  hidden_tests: TestCase[];
}

export interface HiddenTests {
  problem_id: string;
  comparator: Comparator;
  signature: FunctionSignature;
  tests: TestCase[];
}
