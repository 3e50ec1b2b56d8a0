/**
 * Next-token filtering and sampling on the device: temperature, top-k, top-p, min-p, then one
 * inverse-CDF draw per row from the runtime's Philox stream. Only the drawn ids and their
 * log-probabilities need to come back to the host. Not differentiable.
 */
import { f32Bits } from '../../dtype.js';
import { shapeToString } from '../../shape.js';
import { empty, type Tensor } from '../../tensor.js';
import { contiguous } from '../../views.js';
import { cpuData, onBackend, requireFloat } from '../common.js';
import { philox4x32, toUnit } from '../random/philox.js';
import { defaultGenerator, type Generator } from '../random/random.js';
import { type SamplingParams, samplingWGSL } from './sampling.wgsl.js';

export interface SamplingFilterOptions {
  /** Scores are divided by T > 0 first. Default 1. */
  temperature?: number;
  /** Keep the k highest scores and every score tied with the k-th. 0 (default) = off. */
  topK?: number;
  /** Keep the smallest most-probable set with mass ≥ p, plus ties. 1 (default) = off. */
  topP?: number;
  /** Keep tokens with p ≥ minP · max p. 0 (default) = off. */
  minP?: number;
  /** Mass within this of topP counts as reaching it. Default 1e-6 (as @scratchseq/decoding). */
  massTolerance?: number;
}

export interface SampleLogitsOptions extends SamplingFilterOptions {
  /** The Philox stream; one block per row is consumed. Default: the device's stream. */
  generator?: Generator;
}

export interface SampleLogitsResult {
  /** Drawn token ids (B), i32. */
  tokens: Tensor;
  /** (B, 2): [log p(token) under log-softmax of the logits, log p(token) under the filtered distribution]. */
  logProbs: Tensor;
}

function resolve(op: string, logits: Tensor, options: SamplingFilterOptions) {
  requireFloat(op, logits);
  if (logits.rank !== 2 || logits.shape[1] === 0) {
    throw new Error(
      `${op}: expected logits of shape (B, V) with V ≥ 1, got ${shapeToString(logits.shape)}; reshape to (batch, vocab)`,
    );
  }
  const temperature = options.temperature ?? 1;
  const topK = options.topK ?? 0;
  const topP = options.topP ?? 1;
  const minP = options.minP ?? 0;
  const tol = options.massTolerance ?? 1e-6;
  if (!(temperature > 0 && Number.isFinite(temperature)))
    throw new Error(`${op}: temperature must be a positive finite number, got ${temperature}`);
  if (!Number.isInteger(topK) || topK < 0)
    throw new Error(`${op}: topK must be a non-negative integer (0 = off), got ${topK}`);
  if (!(topP > 0 && topP <= 1)) throw new Error(`${op}: topP must be in (0, 1], got ${topP}`);
  if (!(minP >= 0 && minP <= 1)) throw new Error(`${op}: minP must be in [0, 1], got ${minP}`);
  return { temperature, topK, topP, minP, tol };
}

function launch(
  src: Tensor,
  work: Tensor,
  tokens: Tensor,
  logProbs: Tensor,
  params: SamplingParams,
): void {
  onBackend(
    work,
    () =>
      samplingReference(params, cpuData(src), cpuData(work), cpuData(tokens), cpuData(logProbs)),
    () => ({
      key: 'sampling',
      code: samplingWGSL,
      buffers: [src.storage, work.storage, tokens.storage, logProbs.storage],
      writes: [1, 2, 3],
      params: [
        params.rows,
        params.v,
        params.offset,
        params.topK,
        f32Bits(1 / params.temperature),
        f32Bits(params.topP),
        f32Bits(params.minP > 0 ? Math.log(params.minP) : -Infinity),
        f32Bits(params.tol),
        params.seed >>> 0,
        Math.floor(params.seed / 2 ** 32) >>> 0,
        params.block >>> 0,
        Math.floor(params.block / 2 ** 32) >>> 0,
        params.sample ? 1 : 0,
        f32Bits(-Infinity),
      ],
      workgroups: params.rows,
    }),
  );
}

function run(
  op: string,
  logits: Tensor,
  options: SampleLogitsOptions,
  sample: boolean,
): { work: Tensor; tokens: Tensor; logProbs: Tensor } {
  const resolved = resolve(op, logits, options);
  const src = contiguous(logits);
  const [rows, v] = src.shape;
  const device = logits.device;
  const work = empty([rows, v], { device });
  const tokens = empty([rows], { dtype: 'i32', device });
  const logProbs = empty([rows, 2], { device });
  let seed = 0;
  let block = 0;
  if (sample) {
    const generator = options.generator ?? defaultGenerator(device);
    seed = generator.seed;
    block = generator.take(4 * rows);
  }
  if (rows > 0) {
    launch(src, work, tokens, logProbs, {
      rows,
      v,
      offset: src.offset,
      ...resolved,
      seed,
      block,
      sample,
    });
  }
  if (src !== logits) src.dispose();
  return { work, tokens, logProbs };
}

/**
 * logits (B, V) → (B, V): the scores divided by the temperature where top-k, top-p and min-p
 * (in that order) keep a token, −∞ where they remove it. Ties at a boundary are all kept.
 */
export function filterLogits(logits: Tensor, options: SamplingFilterOptions = {}): Tensor {
  const { work, tokens, logProbs } = run('filterLogits', logits, options, false);
  tokens.dispose();
  logProbs.dispose();
  return work;
}

/**
 * Draws one token per row of logits (B, V) from the filtered distribution (see `filterLogits`)
 * by inverse CDF over ids in ascending order, with a uniform from the Philox stream (row r uses
 * block `offset + r`, so a seed reproduces the draw on the same backend). A row whose scores are
 * all −∞ yields token −1.
 */
export function sampleLogits(
  logits: Tensor,
  options: SampleLogitsOptions = {},
): SampleLogitsResult {
  const { work, tokens, logProbs } = run('sampleLogits', logits, options, true);
  work.dispose();
  return { tokens, logProbs };
}

/**
 * The reference: the same filters written the obvious way (sorting), in float64 except that the
 * scaled scores are rounded to float32 as the kernel computes them.
 */
export function samplingReference(
  p: SamplingParams,
  x: ArrayLike<number>,
  work: { [i: number]: number },
  tokens: { [i: number]: number },
  logp: { [i: number]: number },
): void {
  const { v } = p;
  const invT = Math.fround(1 / p.temperature);
  for (let row = 0; row < p.rows; row++) {
    const base = p.offset + row * v;
    const s = new Float64Array(v);
    let rawMax = -Infinity;
    for (let i = 0; i < v; i++) {
      s[i] = Math.fround(x[base + i] * invT);
      rawMax = Math.max(rawMax, x[base + i]);
    }
    let modelSum = 0;
    for (let i = 0; i < v; i++) modelSum += Math.exp(x[base + i] - rawMax);
    const modelLse = rawMax + Math.log(modelSum);
    let kept = Array.from(s, (value) => value > -Infinity);
    if (p.topK > 0 && p.topK < v) {
      const kth = Float64Array.from(s).sort()[v - p.topK];
      kept = kept.map((k, i) => k && s[i] >= kth);
    }
    if (p.topP < 1) {
      const lse = logSumExpWhere(s, kept);
      const probs = Array.from(s, (value, i) => (kept[i] ? Math.exp(value - lse) : 0));
      const order = probs.map((_, i) => i).sort((a, b) => probs[b] - probs[a]);
      let mass = 0;
      let threshold = 0;
      for (const i of order) {
        mass += probs[i];
        threshold = s[i];
        if (mass >= p.topP - p.tol) break;
      }
      kept = kept.map((k, i) => k && s[i] >= threshold);
    }
    if (p.minP > 0) {
      const sMax = Math.fround(rawMax * invT);
      const floor = Math.fround(sMax + Math.fround(Math.log(p.minP)));
      kept = kept.map((k, i) => k && s[i] >= floor);
    }
    for (let i = 0; i < v; i++) work[row * v + i] = kept[i] ? s[i] : -Infinity;
    if (!p.sample) continue;
    const lse = logSumExpWhere(s, kept);
    const bits = philox4x32(
      [(p.block + row) >>> 0, Math.floor((p.block + row) / 2 ** 32) >>> 0, 0, 0],
      [p.seed >>> 0, Math.floor(p.seed / 2 ** 32) >>> 0],
    );
    const u = toUnit(bits[0]);
    let cumulative = 0;
    let token = -1;
    for (let i = 0; i < v; i++) {
      if (!kept[i]) continue;
      cumulative += Math.exp(s[i] - lse);
      token = i;
      if (u < cumulative) break;
    }
    tokens[row] = token;
    logp[2 * row] = token < 0 ? Number.NaN : x[base + token] - modelLse;
    logp[2 * row + 1] = token < 0 ? Number.NaN : s[token] - lse;
  }
}

function logSumExpWhere(s: Float64Array, kept: boolean[]): number {
  let max = -Infinity;
  for (let i = 0; i < s.length; i++) if (kept[i]) max = Math.max(max, s[i]);
  if (max === -Infinity) return max;
  let total = 0;
  for (let i = 0; i < s.length; i++) if (kept[i]) total += Math.exp(s[i] - max);
  return max + Math.log(total);
}
