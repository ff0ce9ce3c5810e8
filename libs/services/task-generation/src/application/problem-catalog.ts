import { Injectable } from '@nestjs/common';
import type { Track } from '@studypath/contracts';
import { ProblemBank } from '@studypath/problem-bank';
import type { CatalogProblem } from '../domain/generator';

const REFRESH_MS = 10 * 60_000;

interface Cached {
  at: number;
  problems: Promise<CatalogProblem[]>;
}

/** The problems the generator chooses from: every module of a track, from the problem bank, kept for ten minutes per track. */
@Injectable()
export class ProblemCatalog {
  private readonly cached = new Map<string, Cached>();

  constructor(private readonly bank: ProblemBank) {}

  problems(track: Track): Promise<CatalogProblem[]> {
    const hit = this.cached.get(track.id);
    if (hit && Date.now() - hit.at <= REFRESH_MS) return hit.problems;
    const entry: Cached = {
      at: Date.now(),
      problems: Promise.all(
        track.modules.map((module) => this.bank.getProblemsByModule(module.id, [1, 5], 500)),
      ).then((lists) =>
        lists
          .flat()
          .map((p) => ({ id: p.id, module: p.module, difficulty: p.difficulty, topics: p.topics })),
      ),
    };
    // A failed load is not kept: the next event tries again.
    entry.problems.catch(() => {
      if (this.cached.get(track.id) === entry) this.cached.delete(track.id);
    });
    this.cached.set(track.id, entry);
    return entry.problems;
  }
}
