import { describe, expect, test } from 'vitest';
import { colormap, escapeXml, heatmapSvg, lineChartSvg, niceTicks } from '../src/index.js';

/** Every `<path d=…>` of a chart, as arrays of [x, y] pixel coordinates per sub-path. */
function paths(svg: string): number[][][] {
  return [...svg.matchAll(/<path d="([^"]+)"/g)]
    .map((m) =>
      m[1]
        .split('M')
        .filter(Boolean)
        .map((sub) => sub.split('L').flatMap((p) => p.trim().split(' ').map(Number))),
    )
    .map((subs) => subs);
}

/** Minimal well-formedness check: tags open and close in order, no raw '<' or '&' in text. */
function assertWellFormed(svg: string) {
  const stack: string[] = [];
  for (const m of svg.matchAll(/<(\/?)([a-zA-Z]+)[^>]*?(\/?)>/g)) {
    const [, closing, name, selfClosing] = m;
    if (selfClosing) continue;
    if (closing) expect(stack.pop()).toBe(name);
    else stack.push(name);
  }
  expect(stack).toEqual([]);
  const text = svg.replace(/<[^>]*>/g, '');
  expect(text).not.toMatch(/[<>]|&(?!(amp|lt|gt|quot);)/);
}

describe('niceTicks', () => {
  test('steps are 1, 2 or 5 times a power of ten and cover the range', () => {
    expect(niceTicks(0, 10)).toEqual([0, 2, 4, 6, 8, 10]);
    expect(niceTicks(0, 2.7)).toEqual([0, 0.5, 1, 1.5, 2, 2.5]);
    expect(niceTicks(-3, 3)).toEqual([-3, -2, -1, 0, 1, 2, 3]);
    expect(niceTicks(1.91, 1.97)).toEqual([1.91, 1.92, 1.93, 1.94, 1.95, 1.96, 1.97]);
    expect(niceTicks(5, 5)).toEqual([5]);
    expect(() => niceTicks(0, Number.NaN)).toThrow(/finite/);
  });
});

describe('lineChartSvg', () => {
  test('maps data corners to the plot corners and leaves gaps at non-finite values', () => {
    const svg = lineChartSvg({
      series: [{ name: 'loss', values: [4, 3, Number.NaN, 2, 1] }],
      width: 400,
      height: 300,
      yRange: [0, 4],
      xRange: [0, 4],
    });
    assertWellFormed(svg);
    const [subpaths] = paths(svg);
    // NaN at x = 2 splits the line in two.
    expect(subpaths.length).toBe(2);
    // Plot area: left 70, right edge 400 - 20 = 380, top 16, bottom 300 - 36 = 264.
    expect(subpaths[0].slice(0, 2)).toEqual([70, 16]); // (0, 4): top-left
    expect(subpaths[1].slice(-2)).toEqual([380, 202]); // (4, 1): y = 264 - 248 / 4
  });

  test('log axis drops non-positive values, labels decades, and escapes text', () => {
    const svg = lineChartSvg({
      title: 'grad <norm> & "time"',
      logY: true,
      yLabel: '‖∂L/∂h_t‖',
      series: [
        {
          name: 'delay 10',
          points: [
            [1, 1e-6],
            [2, 1e-3],
            [3, 0],
            [4, 1],
          ],
        },
        { name: 'delay 50', values: [1, 0.1, 0.01], dashed: true },
      ],
    });
    assertWellFormed(svg);
    expect(svg).toContain(escapeXml('grad <norm> & "time"'));
    expect(svg).toContain('>1e-6<');
    expect(svg).toContain('(log scale)');
    expect(svg).toContain('stroke-dasharray');
    expect(svg).toContain('>delay 50<'); // legend for several series
    expect(paths(svg)[0].length).toBe(2); // the zero splits the first series
  });

  test('bad input names the problem', () => {
    expect(() => lineChartSvg({ series: [] })).toThrow(/at least one series/);
    expect(() => lineChartSvg({ series: [{ name: 'x', values: [Number.NaN] }] })).toThrow(
      /no finite points/,
    );
    expect(() => lineChartSvg({ series: [{ name: 'x' }] })).toThrow(/neither values nor points/);
  });
});

describe('heatmapSvg', () => {
  test('one cell per value, coloured from the low to the high end of the map', () => {
    const svg = heatmapSvg({
      matrix: [
        [0, 0.5],
        [1, Number.NaN],
      ],
      rowLabels: ['q0', 'q1'],
      colLabels: ['k<0>', 'k1'],
      title: 'attention',
    });
    assertWellFormed(svg);
    const cells = [...svg.matchAll(/<rect [^>]*fill="([^"]+)"><title>\[(\d), (\d)\]/g)];
    expect(cells.map((c) => `${c[2]},${c[3]}`)).toEqual(['0,0', '0,1', '1,0', '1,1']);
    expect(cells[0][1]).toBe(colormap(0));
    expect(cells[0][1]).toBe('rgb(68,1,84)'); // viridis' dark end
    expect(cells[2][1]).toBe('rgb(253,231,37)'); // viridis' bright end
    expect(cells[3][1]).toBe('#bbbbbb'); // NaN is grey, not a colour of the scale
    expect(svg).toContain('k&lt;0&gt;');
  });

  test('diverging scale centres zero on white; flat data and row-major input work', () => {
    const svg = heatmapSvg({ data: [-2, 0, 1, 2], rows: 2, cols: 2, scale: 'diverging' });
    const fills = [...svg.matchAll(/fill="([^"]+)"><title>/g)].map((m) => m[1]);
    expect(fills[1]).toBe('rgb(247,247,247)');
    expect(fills[0]).toBe('rgb(33,102,172)');
    expect(fills[3]).toBe('rgb(178,24,43)');
    assertWellFormed(heatmapSvg({ data: [3, 3, 3], rows: 1, cols: 3 }));
  });

  test('bad input names the problem', () => {
    expect(() => heatmapSvg({ matrix: [[1, 2], [3]] })).toThrow(/row 1 has 1 values/);
    expect(() => heatmapSvg({ data: [1, 2, 3], rows: 2, cols: 2 })).toThrow(/rows × cols = 4/);
    expect(() => heatmapSvg({ matrix: [[1]], rowLabels: ['a', 'b'] })).toThrow(
      /2 row labels for 1 rows/,
    );
    expect(() => heatmapSvg({})).toThrow(/pass `matrix`/);
  });
});
