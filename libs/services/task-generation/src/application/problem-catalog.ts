import { Injectable } from '@nestjs/common';
import { META_SWE } from '@studypath/contracts';
import { ProblemBank } from '@studypath/problem-bank';
import type { CatalogProblem } from '../domain/generator';

const REFRESH_MS = 10 * 60_000;

/** The problems the generator chooses from: every module of the track, from the problem bank, kept for ten minutes. */
@Injectable()
export class ProblemCatalog {
  private cached: { at: number; problems: Promise<CatalogProblem[]> } | undefined;

  constructor(private readonly bank: ProblemBank) {}

  problems(): Promise<CatalogProblem[]> {
    if (!this.cached || Date.now() - this.cached.at > REFRESH_MS) {
      const problems = Promise.all(
        META_SWE.modules.map((module) => this.bank.getProblemsByModule(module.id, [1, 5], 500)),
      ).then((lists) =>
        lists
          .flat()
          .map((p) => ({ id: p.id, module: p.module, difficulty: p.difficulty, topics: p.topics })),
      );
      // A failed load is not kept: the next event tries again.
      problems.catch(() => (this.cached = undefined));
      this.cached = { at: Date.now(), problems };
    }
    return this.cached.problems;
  }
}
