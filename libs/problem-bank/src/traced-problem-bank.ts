import { inSpan } from '@studypath/platform';
import type { HiddenTests, ProblemMetadata } from './problem';
import { ProblemBank, type PrefetchReport } from './problem-bank.port';

/**
 * A problem bank whose every call is a span (`problem-bank <call>`, a child of the active one),
 * with the bank in use: the external bank's HTTP calls (and its cache's Redis calls) appear under
 * it when the tracing SDK instruments them.
 */
export class TracedProblemBank extends ProblemBank {
  constructor(
    /** The bank whose calls are traced. */
    readonly bank: ProblemBank,
    private readonly kind: 'bundled' | 'http',
  ) {
    super();
  }

  getProblemsByModule(
    module: string,
    difficulty: [min: number, max: number],
    limit: number,
  ): Promise<ProblemMetadata[]> {
    return this.traced(
      'getProblemsByModule',
      { 'studypath.problem.module': module },
      async (span) => {
        const problems = await this.bank.getProblemsByModule(module, difficulty, limit);
        span?.setAttribute('studypath.problem.count', problems.length);
        return problems;
      },
    );
  }

  getProblemMetadata(id: string): Promise<ProblemMetadata | undefined> {
    return this.traced('getProblemMetadata', { 'studypath.problem.id': id }, () =>
      this.bank.getProblemMetadata(id),
    );
  }

  getHiddenTests(id: string): Promise<HiddenTests | undefined> {
    return this.traced('getHiddenTests', { 'studypath.problem.id': id }, () =>
      this.bank.getHiddenTests(id),
    );
  }

  override prefetch(ids: readonly string[]): Promise<PrefetchReport> {
    return this.traced('prefetch', { 'studypath.problem.count': ids.length }, () =>
      this.bank.prefetch(ids),
    );
  }

  private traced<T>(
    call: string,
    attributes: Record<string, string | number>,
    work: Parameters<typeof inSpan<T>>[2],
  ): Promise<T> {
    return inSpan(
      `problem-bank ${call}`,
      { attributes: { 'studypath.problem_bank': this.kind, ...attributes } },
      work,
    );
  }
}
