import { parseExposition, sumOf } from './prometheus-exposition';

const VALID = `# HELP requests_total Requests.
# TYPE requests_total counter
requests_total{route="/v1/x/:id",code="200"} 3
requests_total{route="a\\"b\\\\c\\nd",code="500"} 1 1700000000000
# HELP latency_seconds Latency.
# TYPE latency_seconds histogram
latency_seconds_bucket{le="0.1"} 1
latency_seconds_bucket{le="1"} 2
latency_seconds_bucket{le="+Inf"} 2
latency_seconds_sum 0.6
latency_seconds_count 2
# TYPE up gauge
up NaN
`;

describe('parseExposition', () => {
  it('reads families, labels with escapes, values and histograms', () => {
    const families = parseExposition(VALID);
    expect(families.get('requests_total')?.samples[1]?.labels.route).toBe('a"b\\c\nd');
    expect(sumOf(families, 'requests_total')).toBe(4);
    expect(sumOf(families, 'latency_seconds_bucket', { le: '+Inf' })).toBe(2);
    expect(families.get('up')?.type).toBe('gauge');
  });

  it.each([
    ['a sample of no declared family', 'other_total 1\n'],
    [
      'a sample of another family than the last declared',
      '# TYPE a counter\n# TYPE b gauge\na 1\n',
    ],
    ['an unquoted label value', '# TYPE a gauge\na{x=1} 1\n'],
    ['a bad value', '# TYPE a gauge\na 1,5\n'],
    ['a series twice', '# TYPE a gauge\na{x="1"} 1\na{x="1"} 2\n'],
    ['a family declared again later', '# TYPE a gauge\n# TYPE b gauge\n# TYPE a gauge\n'],
    ['an unknown type', '# TYPE a thing\n'],
    ['a histogram without +Inf', '# TYPE h histogram\nh_bucket{le="1"} 1\nh_sum 1\nh_count 1\n'],
    [
      'a histogram whose buckets go down',
      '# TYPE h histogram\nh_bucket{le="1"} 2\nh_bucket{le="2"} 1\nh_bucket{le="+Inf"} 2\nh_sum 1\nh_count 2\n',
    ],
    [
      'a histogram whose count is not its +Inf bucket',
      '# TYPE h histogram\nh_bucket{le="+Inf"} 2\nh_sum 1\nh_count 3\n',
    ],
  ])('refuses %s', (_why, text) => {
    expect(() => parseExposition(text)).toThrow(/line \d+|h/);
  });
});
