import type { HiddenTests, ProblemMetadata } from './problem';

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
}
