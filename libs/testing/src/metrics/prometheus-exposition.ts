/**
 * A strict reader of the Prometheus text exposition format (version 0.0.4), for tests that read
 * a process's /metrics: every line must be a HELP, a TYPE, a comment, a blank line or a sample of
 * the family declared last; label values unescaped; a histogram's buckets ordered, cumulative and
 * ending in `+Inf` equal to its `_count`. Throws on the first line it cannot read, naming it.
 */

export type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';

export interface MetricSample {
  /** The sample's own name (`x_bucket`, `x_sum`, ... for a histogram `x`). */
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface MetricFamily {
  name: string;
  type: MetricType;
  help: string;
  samples: MetricSample[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES: ReadonlySet<string> = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);
const SUFFIXES: Record<MetricType, string[]> = {
  counter: [''],
  gauge: [''],
  untyped: [''],
  histogram: ['_bucket', '_sum', '_count'],
  summary: ['', '_sum', '_count'],
};

class ExpositionError extends Error {
  constructor(line: number, text: string, why: string) {
    super(`line ${line}: ${why}: ${JSON.stringify(text.slice(0, 200))}`);
    this.name = 'ExpositionError';
  }
}

/** A value as Prometheus reads it (Go's ParseFloat: `NaN`, `Inf` in any case, e.g. prom-client's `Nan`). */
function parseValue(text: string): number | undefined {
  const word = text.toLowerCase();
  if (word === '+inf' || word === 'inf') return Infinity;
  if (word === '-inf') return -Infinity;
  if (word === 'nan') return NaN;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) return undefined;
  return Number(text);
}

/** Reads `{a="1",b="x\"y"}` from `text` at `start` (the `{`); returns the labels and the end. */
function parseLabels(text: string, start: number): { labels: Record<string, string>; end: number } {
  const labels: Record<string, string> = {};
  let i = start + 1;
  for (;;) {
    if (text[i] === '}') return { labels, end: i + 1 };
    const eq = text.indexOf('=', i);
    if (eq < 0) throw new Error('a label without "="');
    const name = text.slice(i, eq);
    if (!LABEL_NAME.test(name)) throw new Error(`a bad label name ${name}`);
    if (name in labels) throw new Error(`the label ${name} twice`);
    if (text[eq + 1] !== '"') throw new Error(`the value of ${name} is not quoted`);
    let value = '';
    let j = eq + 2;
    for (;;) {
      const c = text[j];
      if (c === undefined) throw new Error(`the value of ${name} does not end`);
      if (c === '"') break;
      if (c === '\\') {
        const next = text[j + 1];
        if (next === 'n') value += '\n';
        else if (next === '\\' || next === '"') value += next;
        else throw new Error(`a bad escape in the value of ${name}`);
        j += 2;
        continue;
      }
      value += c;
      j += 1;
    }
    labels[name] = value;
    i = j + 1;
    if (text[i] === ',') i += 1;
    else if (text[i] !== '}') throw new Error(`no "," or "}" after the value of ${name}`);
  }
}

function checkHistogram(family: MetricFamily): void {
  const series = new Map<string, { buckets: [number, number][]; count?: number }>();
  const keyOf = (labels: Record<string, string>): string =>
    JSON.stringify(
      Object.entries(labels)
        .filter(([name]) => name !== 'le')
        .sort(),
    );
  for (const sample of family.samples) {
    const key = keyOf(sample.labels);
    const entry = series.get(key) ?? { buckets: [] };
    series.set(key, entry);
    if (sample.name.endsWith('_bucket')) {
      const le = sample.labels.le;
      const bound = le === undefined ? undefined : parseValue(le);
      if (bound === undefined) throw new Error(`${family.name}: a bucket without a valid le`);
      entry.buckets.push([bound, sample.value]);
    } else if (sample.name.endsWith('_count')) {
      entry.count = sample.value;
    }
  }
  for (const [key, { buckets, count }] of series) {
    const last = buckets.at(-1);
    if (!last || last[0] !== Infinity) throw new Error(`${family.name}${key}: no +Inf bucket`);
    for (let i = 1; i < buckets.length; i++) {
      const [bound, value] = buckets[i] as [number, number];
      const [previousBound, previousValue] = buckets[i - 1] as [number, number];
      if (bound <= previousBound || value < previousValue) {
        throw new Error(`${family.name}${key}: buckets not ordered or not cumulative`);
      }
    }
    if (count !== last[1])
      throw new Error(`${family.name}${key}: +Inf bucket ${last[1]} != count ${count}`);
  }
}

/** Parses an exposition into its families, by name. */
export function parseExposition(text: string): Map<string, MetricFamily> {
  const families = new Map<string, MetricFamily>();
  const seen = new Set<string>();
  let current: MetricFamily | undefined;
  const declare = (name: string): MetricFamily => {
    let family = families.get(name);
    if (!family) {
      family = { name, type: 'untyped', help: '', samples: [] };
      families.set(name, family);
    } else if (family !== current) {
      throw new Error(`the family ${name} declared again after another one`);
    }
    current = family;
    return family;
  };
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  lines.forEach((line, index) => {
    const number = index + 1;
    try {
      if (line.trim() === '') return;
      if (line.startsWith('#')) {
        const match = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
        if (!match) return; // a comment
        const [, kind, name = '', rest = ''] = match;
        if (!NAME.test(name)) throw new Error(`a bad metric name ${name}`);
        const family = declare(name);
        if (kind === 'TYPE') {
          if (!TYPES.has(rest)) throw new Error(`an unknown type ${rest}`);
          if (family.samples.length > 0) throw new Error('TYPE after samples');
          family.type = rest as MetricType;
        } else {
          family.help = rest.replace(/\\n/g, '\n').replace(/\\\\/g, '\\');
        }
        return;
      }
      const nameEnd = line.search(/[{ ]/);
      if (nameEnd <= 0) throw new Error('not a sample');
      const name = line.slice(0, nameEnd);
      if (!NAME.test(name)) throw new Error(`a bad metric name ${name}`);
      let labels: Record<string, string> = {};
      let rest = line.slice(nameEnd);
      if (rest.startsWith('{')) {
        const parsed = parseLabels(line, nameEnd);
        labels = parsed.labels;
        rest = line.slice(parsed.end);
      }
      const parts = rest.trim().split(/\s+/);
      if (!rest.startsWith(' ') || parts.length < 1 || parts.length > 2) {
        throw new Error('a sample needs " value [timestamp]"');
      }
      const value = parseValue(parts[0] ?? '');
      if (value === undefined) throw new Error(`a bad value ${parts[0]}`);
      if (parts[1] !== undefined && !/^-?\d+$/.test(parts[1])) throw new Error('a bad timestamp');
      const family = current;
      const belongs =
        family !== undefined &&
        SUFFIXES[family.type].some((suffix) => `${family.name}${suffix}` === name);
      if (!family || !belongs)
        throw new Error(`the sample ${name} is not of the family declared last`);
      const key = `${name}${JSON.stringify(Object.entries(labels).sort())}`;
      if (seen.has(key)) throw new Error(`the series ${key} twice`);
      seen.add(key);
      family.samples.push({ name, labels, value });
    } catch (error) {
      throw new ExpositionError(
        number,
        line,
        error instanceof Error ? error.message : String(error),
      );
    }
  });
  for (const family of families.values()) {
    if (family.type === 'histogram') checkHistogram(family);
  }
  return families;
}

/** The samples named `name` whose labels include `match`. */
export function samplesOf(
  families: Map<string, MetricFamily>,
  name: string,
  match: Record<string, string> = {},
): MetricSample[] {
  return [...families.values()]
    .flatMap((family) => family.samples)
    .filter(
      (sample) =>
        sample.name === name &&
        Object.entries(match).every(([label, value]) => sample.labels[label] === value),
    );
}

/** The sum of the samples named `name` whose labels include `match` (0 when there are none). */
export function sumOf(
  families: Map<string, MetricFamily>,
  name: string,
  match: Record<string, string> = {},
): number {
  return samplesOf(families, name, match).reduce((sum, sample) => sum + sample.value, 0);
}
