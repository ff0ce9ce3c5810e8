import type { HiddenTests, ProblemMetadata } from './problem';

/** What `prefetch` did with each id it was given. */
export interface PrefetchReport {
  /** Fetched from the bank now, and cached. */
  warmed: string[];
  /** At hand already (cached, or a bank in memory). */
  cached: string[];
  /** The bank has no such problem. */
  missing: string[];
  /** Could not be fetched now; it will be fetched when it is asked for. */
  failed: string[];
}

/** The problem bank: problems by module and difficulty, their metadata, and (for evaluation only) hidden tests. */
export abstract class ProblemBank {
  abstract getProblemsByModule(
    module: string,
    difficulty: [min: number, max: number],
    limit: number,
  ): Promise<ProblemMetadata[]>;
  /** Undefined when there is no such problem. */
  abstract getProblemMetadata(id: string): Promise<ProblemMetadata | undefined>;
  abstract getHiddenTests(id: string): Promise<HiddenTests | undefined>;

  /**
   * A hint that these problems will be asked for soon (the next tasks of a path): a remote bank
   * warms its cache with their metadata. Best effort: it never rejects, and callers need not
   * await it. This default suits a bank that holds its problems in memory: nothing to warm.
   */
  async prefetch(ids: readonly string[]): Promise<PrefetchReport> {
    const report: PrefetchReport = { warmed: [], cached: [], missing: [], failed: [] };
    for (const id of new Set(ids)) {
      try {
        ((await this.getProblemMetadata(id)) ? report.cached : report.missing).push(id);
      } catch {
        report.failed.push(id);
      }
    }
    return report;
  }
}
