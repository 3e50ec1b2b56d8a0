import { lineChartSvg } from '@scratchseq/metrics';

/**
 * The vanishing-gradient lab's picture: ‖∂L/∂h_t‖ against time step t on a log axis, one line
 * per run (e.g. per delay, or per model), drawn with `@scratchseq/metrics`' `lineChartSvg`.
 * Returns a standalone SVG document.
 */
export function gradientNormChartSvg(
  runs: readonly { label: string; norms: ArrayLike<number> }[],
  options: { title?: string; width?: number; height?: number } = {},
): string {
  if (runs.length === 0) throw new Error('gradientNormChartSvg: pass at least one run');
  return lineChartSvg({
    series: runs.map((r) => ({ name: r.label, values: r.norms })),
    title: options.title ?? 'Gradient norm through time',
    xLabel: 'time step t',
    yLabel: '‖∂L/∂h_t‖ (log scale)',
    logY: true,
    width: options.width,
    height: options.height,
  });
}
