/**
 * The benchmark suite's pure helpers (bench/lib): the percentiles, spreads and ratios every figure in
 * bench/RESULTS.md is made of, the tables and the SVG plot.
 */
import { markdownTable, ratioTable } from '../../bench/lib/markdown';
import { formatRatio, formatSpread, pairedRatio, percentile, spread, summarizeLatencies } from '../../bench/lib/stats';
import { escapeXml, lineChart, ticks } from '../../bench/lib/svg-plot';

describe('percentiles', () => {
  test('interpolate linearly between the nearest ranks (numpy default)', () => {
    const samples = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    expect(percentile(samples, 50)).toBeCloseTo(5.5);
    expect(percentile(samples, 90)).toBeCloseTo(9.1);
    expect(percentile(samples, 0)).toBe(1);
    expect(percentile(samples, 100)).toBe(10);
  });

  test('do not depend on the order of the samples', () => {
    expect(percentile([10, 1, 7, 3], 50)).toBeCloseTo(5);
  });

  test('p99 and p99.9 of 1..1000 land where they should; one sample is every percentile; none is NaN', () => {
    const s = summarizeLatencies(Array.from({ length: 1000 }, (_, i) => i + 1));
    expect(s.count).toBe(1000);
    expect(s.p50).toBeCloseTo(500.5);
    expect(s.p99).toBeCloseTo(990.01);
    expect(s.p999).toBeCloseTo(999.001);
    expect(s.max).toBe(1000);
    expect(s.mean).toBeCloseTo(500.5);
    expect(summarizeLatencies([3]).p99).toBe(3);
    expect(summarizeLatencies([]).p50).toBeNaN();
  });
});

describe('spread over repeated runs', () => {
  test('median with min and max, ignoring runs that produced no number', () => {
    const s = spread([3, 1, NaN, 2]);
    expect(s).toMatchObject({ n: 3, median: 2, min: 1, max: 3 });
    expect(formatSpread(s, 1, ' ms')).toBe('2.0 ms (1.0–3.0)');
    expect(formatSpread(spread([1234.4]), 0)).toBe('1,234');
  });

  test('a ratio of alternating runs is taken pair by pair', () => {
    const r = pairedRatio([200, 400, 300], [100, 100, 100]);
    expect(r.median).toBe(3);
    expect(r.min).toBe(2);
    expect(r.max).toBe(4);
    expect(r.ofMedians).toBe(3);
    expect(formatRatio(r)).toBe('3.00× (2.00–4.00)');
  });
});

describe('tables', () => {
  test('a Markdown table right-aligns numeric columns and escapes pipes', () => {
    const t = markdownTable(
      ['case', 'req/s'],
      [
        ['a|b', 1],
        ['c', 2],
      ],
    );
    expect(t.split('\n')).toEqual(['| case | req/s |', '| --- | ---: |', '| a\\|b | 1 |', '| c | 2 |']);
  });

  test('a ratio table says which targets were missed', () => {
    const t = ratioTable(
      [
        { label: 'wrong secret', ours: '10', theirs: '4', ratio: '2.5×', target: '≥ 2×', met: true },
        { label: 'accepted', ours: '1', theirs: '4', ratio: '0.25×', target: '≥ 2×', met: false },
      ],
      'hub-retrain',
      'FastAPI',
    );
    expect(t).toContain('| wrong secret | 10 | 4 | 2.5× | ≥ 2× | yes |');
    expect(t).toContain('| accepted | 1 | 4 | 0.25× | ≥ 2× | **no** |');
  });
});

describe('SVG plot', () => {
  test('ticks are 1-2-5 steps on a linear axis and powers of ten on a log axis', () => {
    expect(ticks(0, 100, false)).toEqual([0, 20, 40, 60, 80, 100]);
    expect(ticks(1, 1000, true)).toEqual([1, 2, 5, 10, 20, 50, 100, 200, 500, 1000]);
  });

  test('draws one line per series, markers at each point, a legend, and escapes text', () => {
    const svg = lineChart({
      title: 'latency <against> load',
      xLabel: 'requests/s',
      yLabel: 'ms',
      logY: true,
      series: [
        {
          name: 'ours p99',
          color: '#d62728',
          points: [
            { x: 100, y: 1 },
            { x: 1000, y: 3 },
          ],
        },
        { name: 'peer p99 & co', color: '#1f77b4', dashed: true, points: [{ x: 50, y: 10 }] },
      ],
    });
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trim().endsWith('</svg>')).toBe(true);
    expect(svg.match(/<polyline /g)).toHaveLength(1); // a one-point series has a marker, no line
    expect(svg.match(/<circle /g)).toHaveLength(3);
    expect(svg).toContain('latency &lt;against&gt; load');
    expect(svg).toContain('peer p99 &amp; co');
    expect(svg).toContain('stroke-dasharray');
    expect(svg).not.toContain('NaN');
    expect(escapeXml('"a"')).toBe('&quot;a&quot;');
  });
});
