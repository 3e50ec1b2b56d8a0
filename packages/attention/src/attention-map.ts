import type { Tensor } from '@scratchseq/gpu';
import { shapeToString } from '@scratchseq/gpu';
import { heatmapSvg } from '@scratchseq/metrics';

/**
 * One attention map as nested arrays `[query][key]`, for plotting or JSON export. `weights`
 * is (Tq, Tk), (N, Tq, Tk) or (B, H, Tq, Tk) as returned by `returnWeights` / `needWeights`;
 * `batch` and `head` pick the map (default 0); values are rounded to `digits` decimals.
 */
export async function attentionMap(
  weights: Tensor,
  options: { batch?: number; head?: number; digits?: number } = {},
): Promise<number[][]> {
  const { batch = 0, head = 0, digits = 4 } = options;
  if (weights.rank < 2 || weights.rank > 4) {
    throw new Error(
      `attentionMap: expected weights of shape (Tq, Tk), (N, Tq, Tk) or (B, H, Tq, Tk), got ${shapeToString(weights.shape)}`,
    );
  }
  const [tq, tk] = weights.shape.slice(-2);
  const lead = weights.shape.slice(0, -2);
  const index = weights.rank === 4 ? [batch, head] : weights.rank === 3 ? [batch] : [];
  index.forEach((i, axis) => {
    if (!(Number.isInteger(i) && i >= 0 && i < lead[axis])) {
      throw new Error(
        `attentionMap: ${axis === 0 ? 'batch' : 'head'} ${i} is out of range for weights ${shapeToString(weights.shape)}`,
      );
    }
  });
  const flat = await weights.toArray();
  const start =
    (weights.rank === 4 ? batch * lead[1] + head : weights.rank === 3 ? batch : 0) * tq * tk;
  const scale = 10 ** digits;
  return Array.from({ length: tq }, (_, i) =>
    Array.from({ length: tk }, (_, j) => Math.round(flat[start + i * tk + j] * scale) / scale),
  );
}

/**
 * One attention map as a standalone SVG heatmap (rows = queries, columns = keys), e.g. to write
 * `attention.svg` next to a model. Labels are usually the tokens; the colour scale runs 0 → 1.
 */
export async function attentionMapSvg(
  weights: Tensor,
  options: {
    batch?: number;
    head?: number;
    title?: string;
    queryLabels?: readonly string[];
    keyLabels?: readonly string[];
  } = {},
): Promise<string> {
  const { batch, head, title, queryLabels, keyLabels } = options;
  const matrix = await attentionMap(weights, { batch, head, digits: 6 });
  return heatmapSvg({
    matrix,
    title: title ?? `attention (batch ${batch ?? 0}, head ${head ?? 0})`,
    xLabel: 'key',
    yLabel: 'query',
    rowLabels: queryLabels,
    colLabels: keyLabels,
    min: 0,
    max: 1,
  });
}
