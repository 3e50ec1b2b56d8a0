/**
 * Small, dependency-free SVG charts for the pictures the examples write next to their results:
 * loss curves, gradient norms through time, attention maps, cell states. The output is a
 * standalone SVG document (a string) that browsers and image viewers open directly.
 *
 * Kept deliberately plain: one line chart and one heatmap, with readable ticks, so that a
 * training script can write `loss.svg` without pulling in a plotting stack.
 */

export interface LineSeries {
  name: string;
  /** y values at x = 0, 1, 2, …, or explicit [x, y] points. Non-finite values leave a gap. */
  values?: ArrayLike<number>;
  points?: ReadonlyArray<readonly [number, number]>;
  /** CSS colour; defaults to a colour-blind-safe palette in series order. */
  color?: string;
  dashed?: boolean;
}

export interface LineChartOptions {
  series: LineSeries[];
  title?: string;
  xLabel?: string;
  yLabel?: string;
  /** Logarithmic y axis (base 10); non-positive values leave a gap. */
  logY?: boolean;
  width?: number;
  height?: number;
  /** Fix the axis ranges instead of fitting the data. */
  xRange?: readonly [number, number];
  yRange?: readonly [number, number];
}

export interface HeatmapOptions {
  /** Row-major values: an array of rows, or `data` with `rows` × `cols`. */
  matrix?: ReadonlyArray<ArrayLike<number>>;
  data?: ArrayLike<number>;
  rows?: number;
  cols?: number;
  title?: string;
  xLabel?: string;
  yLabel?: string;
  rowLabels?: readonly string[];
  colLabels?: readonly string[];
  /** 'sequential' (viridis, for weights and probabilities) or 'diverging' (blue-white-red around 0). */
  scale?: 'sequential' | 'diverging';
  /** Colour range; defaults to the data's range (symmetric around 0 for 'diverging'). */
  min?: number;
  max?: number;
  /** Size of one cell in pixels (default: fit into about 640 px). */
  cellSize?: number;
}

/** Okabe–Ito palette: distinguishable with the common colour-vision deficiencies. */
const PALETTE = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000'];

const FONT = 'font-family="system-ui, sans-serif" font-size="12"';

/** Escapes text for SVG element content and attribute values. */
export function escapeXml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;');
}

/**
 * Tick positions at 1, 2 or 5 times a power of ten, covering [lo, hi] with about `target`
 * ticks (the same rule most plotting libraries use).
 */
export function niceTicks(lo: number, hi: number, target = 6): number[] {
  if (!Number.isFinite(lo) || !Number.isFinite(hi))
    throw new Error('niceTicks: range must be finite');
  if (hi < lo) [lo, hi] = [hi, lo];
  if (hi === lo) return [lo];
  // Shave a rounding error so that an exact fit (0.06 / 6 = 0.01) keeps the smaller step.
  const raw = ((hi - lo) / Math.max(1, target)) * (1 - 1e-9);
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power;
  const first = Math.ceil(lo / step - 1e-9);
  const ticks: number[] = [];
  for (let i = first; i * step <= hi + step * 1e-9; i++) ticks.push(roundTo(i * step, step));
  return ticks;
}

function roundTo(value: number, step: number): number {
  const digits = Math.max(0, -Math.floor(Math.log10(step)) + 1);
  return Number(value.toFixed(Math.min(digits, 20)));
}

function formatTick(v: number): string {
  const a = Math.abs(v);
  if (a !== 0 && (a >= 1e5 || a < 1e-3))
    return Number(v.toPrecision(2)).toExponential().replace('e+', 'e');
  return String(Number(v.toPrecision(6)));
}

function seriesPoints(s: LineSeries): Array<[number, number]> {
  if (s.points) return s.points.map(([x, y]) => [x, y]);
  if (s.values) return Array.from(s.values, (y, x) => [x, y]);
  throw new Error(`lineChartSvg: series '${s.name}' has neither values nor points`);
}

/** A line chart with axes, ticks, grid, title and a legend, as a standalone SVG string. */
export function lineChartSvg(options: LineChartOptions): string {
  const { series, title, xLabel, yLabel, logY = false } = options;
  const width = options.width ?? 720;
  const height = options.height ?? 420;
  if (series.length === 0) throw new Error('lineChartSvg: pass at least one series');
  const data = series.map(seriesPoints);
  const usable = (x: number, y: number) =>
    Number.isFinite(x) && Number.isFinite(y) && (!logY || y > 0);
  const ty = (y: number) => (logY ? Math.log10(y) : y);

  const xs: number[] = [];
  const ys: number[] = [];
  for (const pts of data)
    for (const [x, y] of pts)
      if (usable(x, y)) {
        xs.push(x);
        ys.push(ty(y));
      }
  if (xs.length === 0 && !(options.xRange && options.yRange))
    throw new Error(
      'lineChartSvg: no finite points to plot (every value is NaN, ±Infinity or ≤ 0 on a log axis)',
    );
  let [x0, x1] = options.xRange ?? [Math.min(...xs), Math.max(...xs)];
  let [y0, y1] = options.yRange
    ? [ty(options.yRange[0]), ty(options.yRange[1])]
    : [Math.min(...ys), Math.max(...ys)];
  if (x0 === x1) [x0, x1] = [x0 - 1, x1 + 1];
  if (y0 === y1) [y0, y1] = [y0 - 1, y1 + 1];
  if (!options.yRange) {
    const pad = (y1 - y0) * 0.05;
    y0 -= pad;
    y1 += pad;
  }

  const margin = { left: 70, right: 20, top: title ? 36 : 16, bottom: xLabel ? 52 : 36 };
  const legendWidth = series.length > 1 ? 150 : 0;
  const plotW = width - margin.left - margin.right - legendWidth;
  const plotH = height - margin.top - margin.bottom;
  const px = (x: number) => margin.left + ((x - x0) / (x1 - x0)) * plotW;
  const py = (y: number) => margin.top + (1 - (y - y0) / (y1 - y0)) * plotH;
  const f = (v: number) => v.toFixed(2);

  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
  );
  if (title)
    out.push(
      `<text x="${f(margin.left + plotW / 2)}" y="22" text-anchor="middle" ${FONT} font-size="15" font-weight="600">${escapeXml(title)}</text>`,
    );

  // Grid and ticks.
  const yTicks = logY
    ? logTicks(y0, y1)
    : niceTicks(y0, y1).map((v) => ({ at: v, label: formatTick(v) }));
  for (const { at, label } of yTicks) {
    if (at < y0 || at > y1) continue;
    const y = f(py(at));
    out.push(
      `<line x1="${margin.left}" x2="${f(margin.left + plotW)}" y1="${y}" y2="${y}" stroke="#e5e5e5"/>`,
      `<text x="${margin.left - 6}" y="${y}" dy="4" text-anchor="end" ${FONT}>${escapeXml(label)}</text>`,
    );
  }
  for (const v of niceTicks(x0, x1)) {
    if (v < x0 || v > x1) continue;
    const x = f(px(v));
    out.push(
      `<line x1="${x}" x2="${x}" y1="${margin.top}" y2="${f(margin.top + plotH)}" stroke="#f0f0f0"/>`,
      `<text x="${x}" y="${f(margin.top + plotH + 16)}" text-anchor="middle" ${FONT}>${escapeXml(formatTick(v))}</text>`,
    );
  }
  out.push(
    `<rect x="${margin.left}" y="${margin.top}" width="${f(plotW)}" height="${f(plotH)}" fill="none" stroke="#444"/>`,
  );
  if (xLabel)
    out.push(
      `<text x="${f(margin.left + plotW / 2)}" y="${height - 12}" text-anchor="middle" ${FONT}>${escapeXml(xLabel)}</text>`,
    );
  if (yLabel)
    out.push(
      `<text transform="translate(16 ${f(margin.top + plotH / 2)}) rotate(-90)" text-anchor="middle" ${FONT}>${escapeXml(yLabel + (logY ? ' (log scale)' : ''))}</text>`,
    );

  // Lines: a gap wherever a value is unusable.
  for (const [i, s] of series.entries()) {
    const color = s.color ?? PALETTE[i % PALETTE.length];
    let d = '';
    let pen = false;
    for (const [x, y] of data[i]) {
      if (!usable(x, y)) {
        pen = false;
        continue;
      }
      d += `${pen ? 'L' : 'M'}${f(px(x))} ${f(py(ty(y)))}`;
      pen = true;
    }
    if (d)
      out.push(
        `<path d="${d}" fill="none" stroke="${escapeXml(color)}" stroke-width="1.6"${s.dashed ? ' stroke-dasharray="6 4"' : ''}><title>${escapeXml(s.name)}</title></path>`,
      );
  }
  if (legendWidth > 0) {
    const lx = margin.left + plotW + 14;
    for (const [i, s] of series.entries()) {
      const color = s.color ?? PALETTE[i % PALETTE.length];
      const ly = margin.top + 10 + i * 18;
      out.push(
        `<line x1="${lx}" x2="${lx + 20}" y1="${ly}" y2="${ly}" stroke="${escapeXml(color)}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>`,
        `<text x="${lx + 26}" y="${ly + 4}" ${FONT}>${escapeXml(s.name)}</text>`,
      );
    }
  }
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

/** Ticks at powers of ten (and 2×, 5× when the range spans few decades), in log10 units. */
function logTicks(lo: number, hi: number): Array<{ at: number; label: string }> {
  const ticks: Array<{ at: number; label: string }> = [];
  const decades = hi - lo;
  const mults = decades < 2 ? [1, 2, 5] : [1];
  const step = Math.max(1, Math.ceil(decades / 8));
  for (let e = Math.floor(lo); e <= Math.ceil(hi); e += step)
    for (const m of mults) {
      const at = e + Math.log10(m);
      if (at >= lo && at <= hi) ticks.push({ at, label: formatTick(m * 10 ** e) });
    }
  return ticks;
}

/** Viridis, sampled at nine points (van der Walt & Smith's perceptually uniform map). */
const VIRIDIS = [
  [68, 1, 84],
  [71, 44, 122],
  [59, 81, 139],
  [44, 113, 142],
  [33, 144, 141],
  [39, 173, 129],
  [92, 200, 99],
  [170, 220, 50],
  [253, 231, 37],
];
const DIVERGING = [
  [33, 102, 172],
  [146, 197, 222],
  [247, 247, 247],
  [244, 165, 130],
  [178, 24, 43],
];

/** Colour for t in [0, 1] by linear interpolation between the map's anchors. */
export function colormap(t: number, scale: 'sequential' | 'diverging' = 'sequential'): string {
  const anchors = scale === 'diverging' ? DIVERGING : VIRIDIS;
  const u = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0)) * (anchors.length - 1);
  const i = Math.min(anchors.length - 2, Math.floor(u));
  const w = u - i;
  const c = anchors[i].map((a, k) => Math.round(a + (anchors[i + 1][k] - a) * w));
  return `rgb(${c[0]},${c[1]},${c[2]})`;
}

/** A heatmap (e.g. attention weights: rows = queries, columns = keys) with a colour bar. */
export function heatmapSvg(options: HeatmapOptions): string {
  const { title, xLabel, yLabel, rowLabels, colLabels, scale = 'sequential' } = options;
  let rows: number;
  let cols: number;
  let at: (r: number, c: number) => number;
  if (options.matrix) {
    const m = options.matrix;
    rows = m.length;
    cols = rows > 0 ? m[0].length : 0;
    for (const [r, row] of m.entries())
      if (row.length !== cols)
        throw new Error(
          `heatmapSvg: row ${r} has ${row.length} values, row 0 has ${cols}; pass a rectangular matrix`,
        );
    at = (r, c) => m[r][c];
  } else if (options.data && options.rows !== undefined && options.cols !== undefined) {
    const { data } = options;
    rows = options.rows;
    cols = options.cols;
    if (data.length !== rows * cols)
      throw new Error(
        `heatmapSvg: data has ${data.length} values but rows × cols = ${rows * cols}`,
      );
    at = (r, c) => data[r * cols + c];
  } else throw new Error('heatmapSvg: pass `matrix`, or `data` with `rows` and `cols`');
  if (rows === 0 || cols === 0) throw new Error('heatmapSvg: the matrix is empty');
  if (rowLabels && rowLabels.length !== rows)
    throw new Error(`heatmapSvg: ${rowLabels.length} row labels for ${rows} rows`);
  if (colLabels && colLabels.length !== cols)
    throw new Error(`heatmapSvg: ${colLabels.length} column labels for ${cols} columns`);

  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < cols; c++) {
      const v = at(r, c);
      if (Number.isFinite(v)) {
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
      }
    }
  if (lo > hi) [lo, hi] = [0, 1];
  if (scale === 'diverging') {
    const a = Math.max(Math.abs(lo), Math.abs(hi)) || 1;
    [lo, hi] = [-a, a];
  }
  lo = options.min ?? lo;
  hi = options.max ?? hi;
  const span = hi - lo || 1;

  const cell =
    options.cellSize ?? Math.max(4, Math.min(28, Math.floor(640 / Math.max(rows, cols))));
  const labelW = rowLabels ? 8 + 7 * Math.max(...rowLabels.map((l) => l.length)) : 8;
  const labelH = colLabels ? 8 + 7 * Math.max(...colLabels.map((l) => l.length)) : 8;
  const left = labelW + (yLabel ? 24 : 0);
  const top = (title ? 30 : 8) + labelH;
  const width = left + cols * cell + 90;
  const height = top + rows * cell + (xLabel ? 36 : 12);
  const f = (v: number) => v.toFixed(2);

  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
  ];
  if (title)
    out.push(
      `<text x="${f(left + (cols * cell) / 2)}" y="20" text-anchor="middle" ${FONT} font-size="15" font-weight="600">${escapeXml(title)}</text>`,
    );
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < cols; c++) {
      const v = at(r, c);
      const fill = Number.isFinite(v) ? colormap((v - lo) / span, scale) : '#bbbbbb';
      out.push(
        `<rect x="${left + c * cell}" y="${top + r * cell}" width="${cell}" height="${cell}" fill="${fill}"><title>[${r}, ${c}] ${formatTick(v)}</title></rect>`,
      );
    }
  if (rowLabels)
    for (const [r, label] of rowLabels.entries())
      out.push(
        `<text x="${left - 4}" y="${f(top + (r + 0.5) * cell)}" dy="4" text-anchor="end" ${FONT}>${escapeXml(label)}</text>`,
      );
  if (colLabels)
    for (const [c, label] of colLabels.entries()) {
      const x = f(left + (c + 0.5) * cell);
      out.push(
        `<text transform="translate(${x} ${top - 4}) rotate(-90)" dy="4" ${FONT}>${escapeXml(label)}</text>`,
      );
    }
  if (xLabel)
    out.push(
      `<text x="${f(left + (cols * cell) / 2)}" y="${height - 10}" text-anchor="middle" ${FONT}>${escapeXml(xLabel)}</text>`,
    );
  if (yLabel)
    out.push(
      `<text transform="translate(14 ${f(top + (rows * cell) / 2)}) rotate(-90)" text-anchor="middle" ${FONT}>${escapeXml(yLabel)}</text>`,
    );
  // Colour bar with its range.
  const barX = left + cols * cell + 16;
  const barH = Math.max(60, Math.min(rows * cell, 240));
  for (let i = 0; i < 32; i++)
    out.push(
      `<rect x="${barX}" y="${f(top + (i * barH) / 32)}" width="14" height="${f(barH / 32 + 0.5)}" fill="${colormap(1 - i / 31, scale)}"/>`,
    );
  out.push(
    `<text x="${barX + 18}" y="${top + 10}" ${FONT}>${escapeXml(formatTick(hi))}</text>`,
    `<text x="${barX + 18}" y="${f(top + barH)}" ${FONT}>${escapeXml(formatTick(lo))}</text>`,
    '</svg>',
  );
  return `${out.join('\n')}\n`;
}
