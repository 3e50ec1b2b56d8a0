import { noGrad } from '../autograd/grad-mode.js';
import { assign, full } from '../kernels/elementwise/arith.js';
import { boxMuller, philox4x32 } from '../kernels/random/philox.js';
import { defaultGenerator, type Generator, rand, randn } from '../kernels/random/random.js';
import { shapeToString } from '../shape.js';
import { type Tensor, writeTensor } from '../tensor.js';

/**
 * Weight initializers after `torch.nn.init`, each filling a tensor in place and returning it.
 * Random ones draw from the device's Philox stream (or `generator`), so a seed reproduces a
 * model on the same backend.
 */

export interface InitOptions {
  generator?: Generator;
}

export type Nonlinearity =
  | 'linear'
  | 'conv1d'
  | 'conv2d'
  | 'conv3d'
  | 'sigmoid'
  | 'tanh'
  | 'relu'
  | 'leaky_relu'
  | 'selu';

export type FanMode = 'fan_in' | 'fan_out';

/** The recommended gain for a nonlinearity (torch.nn.init.calculate_gain). */
export function calculateGain(nonlinearity: Nonlinearity, param?: number): number {
  switch (nonlinearity) {
    case 'linear':
    case 'conv1d':
    case 'conv2d':
    case 'conv3d':
    case 'sigmoid':
      return 1;
    case 'tanh':
      return 5 / 3;
    case 'relu':
      return Math.SQRT2;
    case 'leaky_relu': {
      const slope = param ?? 0.01;
      return Math.sqrt(2 / (1 + slope * slope));
    }
    case 'selu':
      return 3 / 4;
    default:
      throw new Error(`calculateGain: unknown nonlinearity '${nonlinearity as string}'`);
  }
}

/**
 * fan_in = size(1)·receptive, fan_out = size(0)·receptive, receptive = Π size(2:) — the
 * PyTorch layout (out, in, kernel...) of Linear and Conv weights.
 */
export function fans(shape: readonly number[]): { fanIn: number; fanOut: number } {
  if (shape.length < 2) {
    throw new Error(
      `fan in and fan out need a tensor of at least 2 dimensions, got shape ${shapeToString(shape)}`,
    );
  }
  const receptive = shape.slice(2).reduce((p, d) => p * d, 1);
  return { fanIn: shape[1] * receptive, fanOut: shape[0] * receptive };
}

function fill(t: Tensor, make: () => Tensor): Tensor {
  noGrad(() => {
    const src = make();
    assign(t, src);
    src.dispose();
  });
  return t;
}

/** U(low, high). */
export function uniform(t: Tensor, low = 0, high = 1, options: InitOptions = {}): Tensor {
  return fill(t, () =>
    rand(t.shape, { device: t.device, low, high, generator: options.generator }),
  );
}

/** N(mean, std²). */
export function normal(t: Tensor, mean = 0, std = 1, options: InitOptions = {}): Tensor {
  return fill(t, () =>
    randn(t.shape, { device: t.device, mean, std, generator: options.generator }),
  );
}

export function constant(t: Tensor, value: number): Tensor {
  return fill(t, () => full(t.shape, value, { device: t.device, dtype: t.dtype }));
}

export const zeros = (t: Tensor): Tensor => constant(t, 0);
export const ones = (t: Tensor): Tensor => constant(t, 1);

/**
 * Glorot & Bengio (2010): U(−a, a) with a = gain·√(6 / (fan_in + fan_out)), which keeps
 * activation and gradient variance roughly equal across layers.
 */
export function xavierUniform(t: Tensor, gain = 1, options: InitOptions = {}): Tensor {
  const { fanIn, fanOut } = fans(t.shape);
  const a = gain * Math.sqrt(6 / (fanIn + fanOut));
  return uniform(t, -a, a, options);
}

/** Glorot & Bengio (2010): N(0, std²) with std = gain·√(2 / (fan_in + fan_out)). */
export function xavierNormal(t: Tensor, gain = 1, options: InitOptions = {}): Tensor {
  const { fanIn, fanOut } = fans(t.shape);
  return normal(t, 0, gain * Math.sqrt(2 / (fanIn + fanOut)), options);
}

export interface KaimingOptions extends InitOptions {
  /** Negative slope of the leaky ReLU that follows (used when nonlinearity is 'leaky_relu'). */
  a?: number;
  mode?: FanMode;
  nonlinearity?: Nonlinearity;
}

function kaimingStd(t: Tensor, o: KaimingOptions): number {
  const { fanIn, fanOut } = fans(t.shape);
  const fan = (o.mode ?? 'fan_in') === 'fan_in' ? fanIn : fanOut;
  return calculateGain(o.nonlinearity ?? 'leaky_relu', o.a ?? 0) / Math.sqrt(fan);
}

/**
 * He et al. (2015): U(−b, b) with b = gain·√(3 / fan), preserving variance through ReLUs.
 * Defaults as PyTorch: a = 0, fan_in, leaky_relu (so gain √2).
 */
export function kaimingUniform(t: Tensor, options: KaimingOptions = {}): Tensor {
  const bound = Math.sqrt(3) * kaimingStd(t, options);
  return uniform(t, -bound, bound, options);
}

/** He et al. (2015): N(0, std²) with std = gain / √fan. */
export function kaimingNormal(t: Tensor, options: KaimingOptions = {}): Tensor {
  return normal(t, 0, kaimingStd(t, options), options);
}

/**
 * A (semi-)orthogonal matrix (Saxe et al. 2014), for recurrent weights: the tensor is viewed
 * as (rows, cols = size / rows); a Gaussian matrix of that shape (or its transpose, whichever
 * is tall) is factored A = QR and Q, scaled by `gain`, is written back. The Gaussian comes
 * from the same Philox stream and block counter as `randn` (drawn here on the host, since the
 * factorization runs on the host anyway — it is init, done once). Modified Gram–Schmidt,
 * applied twice for orthogonality to rounding, in float64, gives R a positive diagonal, which
 * is exactly PyTorch's sign correction Q·sign(diag R) of a Householder QR.
 */
export function orthogonal(t: Tensor, gain = 1, options: InitOptions = {}): Tensor {
  if (t.rank < 2) {
    throw new Error(`orthogonal: needs at least 2 dimensions, got shape ${shapeToString(t.shape)}`);
  }
  const rows = t.shape[0];
  const cols = t.size / rows;
  if (t.size === 0) return t;
  const gen = options.generator ?? defaultGenerator(t.device);
  const flat = gaussianOnHost(rows * cols, gen);
  // Factor the tall orientation: m ≥ n columns to orthonormalize.
  const tall = rows >= cols;
  const m = tall ? rows : cols;
  const n = tall ? cols : rows;
  // q[j] is column j of the (m, n) matrix; element (r, c) of the flat (rows, cols) draw.
  const q: Float64Array[] = [];
  for (let j = 0; j < n; j++) {
    const col = new Float64Array(m);
    for (let i = 0; i < m; i++) col[i] = tall ? flat[i * cols + j] : flat[j * cols + i];
    for (let pass = 0; pass < 2; pass++) {
      for (let k = 0; k < j; k++) {
        let dot = 0;
        for (let i = 0; i < m; i++) dot += q[k][i] * col[i];
        for (let i = 0; i < m; i++) col[i] -= dot * q[k][i];
      }
    }
    let norm = 0;
    for (let i = 0; i < m; i++) norm += col[i] * col[i];
    norm = Math.sqrt(norm);
    for (let i = 0; i < m; i++) col[i] /= norm;
    q.push(col);
  }
  const out = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) out[r * cols + c] = gain * (tall ? q[c][r] : q[r][c]);
  }
  if (t.isContiguous) writeTensor(t, out);
  else fill(t, () => tensorLike(t, out));
  return t;
}

function tensorLike(t: Tensor, values: Float64Array): Tensor {
  const c = full(t.shape, 0, { device: t.device });
  writeTensor(c, values);
  return c;
}

/** n standard normals exactly as the CPU backend's `randn` draws them from `gen`. */
function gaussianOnHost(n: number, gen: Generator): Float64Array {
  const block = gen.take(n);
  const seedLo = gen.seed >>> 0;
  const seedHi = Math.floor(gen.seed / 2 ** 32) >>> 0;
  const blockLo = block >>> 0;
  const blockHi = Math.floor(block / 2 ** 32) >>> 0;
  const out = new Float64Array(n);
  for (let blk = 0; blk * 4 < n; blk++) {
    const lo = (blockLo + blk) >>> 0;
    const carry = lo < blk ? 1 : 0;
    const bits = philox4x32([lo, (blockHi + carry) >>> 0, 0, 0], [seedLo, seedHi]);
    const normals = [...boxMuller(bits[0], bits[1]), ...boxMuller(bits[2], bits[3])];
    for (let j = 0; j < 4 && blk * 4 + j < n; j++) out[blk * 4 + j] = normals[j];
  }
  return out;
}
