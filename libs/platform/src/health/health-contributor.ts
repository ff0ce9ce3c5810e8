/** What one dependency reports about itself on GET /health. */
export interface HealthReport {
  up: boolean;
  details?: Record<string, unknown>;
}

/** A dependency of the process that /health checks: a database, the cache, the bus. */
export interface HealthContributor {
  readonly healthKey: string;
  checkHealth(): Promise<HealthReport>;
}

/** Collects the contributors that the process's modules register as they start. */
export class HealthRegistry {
  private readonly contributors = new Map<string, HealthContributor>();

  register(contributor: HealthContributor): void {
    if (this.contributors.has(contributor.healthKey)) {
      throw new Error(
        `a health contributor named "${contributor.healthKey}" is registered already`,
      );
    }
    this.contributors.set(contributor.healthKey, contributor);
  }

  all(): HealthContributor[] {
    return [...this.contributors.values()];
  }
}

/** Runs a check with a deadline, so one hung dependency cannot hang /health. */
export async function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
