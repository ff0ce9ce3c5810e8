import { readdirSync, readFileSync } from 'node:fs';
import { parseExactJson } from '@studypath/contracts';
import * as path from 'node:path';
import type { HiddenTests, Problem, ProblemMetadata } from './problem';
import { ProblemBank } from './problem-bank.port';

export const BUNDLED_CATALOG_DIR = path.resolve(__dirname, '../catalog/problems');

function metadataOf(problem: Problem): ProblemMetadata {
  const { solutions, hidden_tests, ...metadata } = problem;
  void solutions;
  void hidden_tests;
  return metadata;
}

/**
 * The bundled catalog of original problems (libs/problem-bank/catalog): the embedded default
 * problem bank and the tests' data. Loaded once, kept in memory (a few MB).
 */
export class BundledCatalog extends ProblemBank {
  private readonly problems: ReadonlyMap<string, Problem>;

  constructor(dir: string = BUNDLED_CATALOG_DIR) {
    super();
    const problems = new Map<string, Problem>();
    for (const module of readdirSync(dir, { withFileTypes: true })) {
      if (!module.isDirectory()) continue;
      for (const file of readdirSync(path.join(dir, module.name))) {
        if (!file.endsWith('.json')) continue;
        const problem = parseExactJson(
          readFileSync(path.join(dir, module.name, file), 'utf8'),
        ) as Problem;
        problems.set(problem.id, problem);
      }
    }
    this.problems = problems;
  }

  all(): Problem[] {
    return [...this.problems.values()];
  }

  async getProblemsByModule(
    module: string,
    [min, max]: [number, number],
    limit: number,
  ): Promise<ProblemMetadata[]> {
    return this.all()
      .filter((p) => p.module === module && p.difficulty >= min && p.difficulty <= max)
      .sort((a, b) => a.difficulty - b.difficulty || a.id.localeCompare(b.id))
      .slice(0, limit)
      .map(metadataOf);
  }

  async getProblemMetadata(id: string): Promise<ProblemMetadata | undefined> {
    const problem = this.problems.get(id);
    return problem ? metadataOf(problem) : undefined;
  }

  async getHiddenTests(id: string): Promise<HiddenTests | undefined> {
    const problem = this.problems.get(id);
    return problem
      ? {
          problem_id: id,
          comparator: problem.comparator,
          signature: problem.signature,
          tests: problem.hidden_tests,
        }
      : undefined;
  }
}
