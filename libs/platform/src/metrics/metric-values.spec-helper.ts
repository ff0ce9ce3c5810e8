import type { ProcessMetrics } from './process-metrics';

export interface Value {
  /** The sample's name (`x_bucket`, `x_count` ... of a histogram `x`). */
  name: string;
  labels: Record<string, string | number>;
  value: number;
}

/** The process's metrics as prom-client reads them (collecting the scrape-time ones), by family. */
export async function readMetrics(
  metrics: ProcessMetrics,
): Promise<Map<string, { type: string; values: Value[] }>> {
  const families = await metrics.registry.getMetricsAsJSON();
  return new Map(
    families.map((family) => [
      family.name,
      {
        type: String(family.type),
        values: family.values.map((v) => ({
          name: (v as { metricName?: string }).metricName ?? family.name,
          labels: v.labels as Record<string, string | number>,
          value: v.value,
        })),
      },
    ]),
  );
}

/** The values named `name` whose labels include `match` (compared as text). */
export function valuesOf(
  families: Map<string, { values: Value[] }>,
  name: string,
  match: Record<string, string> = {},
): Value[] {
  return [...families.values()]
    .flatMap((family) => family.values)
    .filter(
      (v) =>
        v.name === name &&
        Object.entries(match).every(([label, value]) => String(v.labels[label]) === value),
    );
}

export function sumOf(
  families: Map<string, { values: Value[] }>,
  name: string,
  match: Record<string, string> = {},
): number {
  return valuesOf(families, name, match).reduce((sum, v) => sum + v.value, 0);
}
