// The workloads every system runs, their inputs, and the JS references that check results.
import { expectClose, randomFloats } from './timing.mjs';

/** Matmul cases: C(batch, M, N) = op(A) · op(B) with op = transpose where `ta`/`tb`. */
export const MATMUL_CASES = [
  { batch: 1, m: 256, k: 256, n: 256 },
  { batch: 1, m: 512, k: 512, n: 512 },
  { batch: 1, m: 1024, k: 1024, n: 1024 },
  { batch: 1, m: 2048, k: 2048, n: 2048 },
  { batch: 8, m: 256, k: 256, n: 256 },
  { batch: 1, m: 256, k: 256, n: 256, tb: true },
  { batch: 1, m: 1024, k: 1024, n: 1024, tb: true },
  { batch: 1, m: 1024, k: 1024, n: 1024, ta: true },
  { batch: 8, m: 256, k: 256, n: 256, ta: true, tb: true },
].map((c) => ({
  ta: false,
  tb: false,
  ...c,
  shape: `${c.batch > 1 ? `${c.batch}×` : ''}${c.m}×${c.k}×${c.n}${c.ta || c.tb ? ` ${c.ta ? 'Aᵀ' : 'A'}·${c.tb ? 'Bᵀ' : 'B'}` : ''}`,
}));

export function matmulInputs(c) {
  // Stored layouts: A (batch, M, K) or, transposed, (batch, K, M); B (batch, K, N) or (batch, N, K).
  return {
    a: randomFloats(c.batch * c.m * c.k, 11 + c.m),
    b: randomFloats(c.batch * c.k * c.n, 23 + c.n),
    aShape: c.ta ? [c.batch, c.k, c.m] : [c.batch, c.m, c.k],
    bShape: c.tb ? [c.batch, c.n, c.k] : [c.batch, c.k, c.n],
  };
}

export const matmulFlops = (c) => 2 * c.batch * c.m * c.n * c.k;

/** Checks 96 sampled entries of C in double precision; tolerance scales with Σ|a·b|. */
export function checkMatmul(system, c, inputs, out) {
  const { a, b } = inputs;
  const got = [];
  const want = [];
  const atol = [];
  let s = 7;
  for (let t = 0; t < 96; t++) {
    s = (s * 1103515245 + 12345) >>> 0;
    const bi = s % c.batch;
    const i = (s >>> 3) % c.m;
    const j = (s >>> 13) % c.n;
    let acc = 0;
    let mag = 0;
    for (let k = 0; k < c.k; k++) {
      const av = c.ta ? a[bi * c.m * c.k + k * c.m + i] : a[bi * c.m * c.k + i * c.k + k];
      const bv = c.tb ? b[bi * c.k * c.n + j * c.k + k] : b[bi * c.k * c.n + k * c.n + j];
      acc += av * bv;
      mag += Math.abs(av * bv);
    }
    got.push(out[(bi * c.m + i) * c.n + j]);
    want.push(acc);
    atol.push(1e-5 + 2e-5 * mag);
  }
  expectClose(`${system} matmul ${c.shape}`, got, want, atol, 0);
}

export const ROWS = 4096;
export const COLS = 1024;
export const rowsInput = () => randomFloats(ROWS * COLS, 5).map((v) => v * 4);

/** Softmax of 16 sampled rows in double precision. */
export function checkSoftmax(system, x, out) {
  for (let r = 0; r < ROWS; r += ROWS / 16) {
    const row = x.subarray(r * COLS, (r + 1) * COLS);
    const m = Math.max(...row);
    let sum = 0;
    for (const v of row) sum += Math.exp(v - m);
    const want = Array.from(row, (v) => Math.exp(v - m) / sum);
    expectClose(
      `${system} softmax row ${r}`,
      out.subarray(r * COLS, (r + 1) * COLS),
      want,
      1e-7,
      1e-4,
    );
  }
}

export const LN_EPS = 1e-5;
export const lnWeight = () => randomFloats(COLS, 31).map((v) => 1 + 0.5 * v);
export const lnBias = () => randomFloats(COLS, 37);

/** Layer norm (biased variance, eps inside the root) of 16 sampled rows. */
export function checkLayerNorm(system, x, w, bias, out) {
  for (let r = 0; r < ROWS; r += ROWS / 16) {
    const row = x.subarray(r * COLS, (r + 1) * COLS);
    let mean = 0;
    for (const v of row) mean += v;
    mean /= COLS;
    let v2 = 0;
    for (const v of row) v2 += (v - mean) ** 2;
    const inv = 1 / Math.sqrt(v2 / COLS + LN_EPS);
    const want = Array.from(row, (v, i) => (v - mean) * inv * w[i] + bias[i]);
    expectClose(
      `${system} layer norm row ${r}`,
      out.subarray(r * COLS, (r + 1) * COLS),
      want,
      1e-4,
      1e-4,
    );
  }
}

export const EW_SIZE = 16 * 1024 * 1024;

const GELU_K = Math.sqrt(2 / Math.PI);
export const geluTanh = (x) => 0.5 * x * (1 + Math.tanh(GELU_K * (x + 0.044715 * x * x * x)));

/** Checks 4,096 entries spread over the whole output. */
export function checkElementwise(system, what, fn, inputs, out) {
  const got = [];
  const want = [];
  const stride = Math.floor(EW_SIZE / 4096) + 1;
  for (let i = 0; i < EW_SIZE; i += stride) {
    got.push(out[i]);
    want.push(fn(...inputs.map((x) => x[i])));
  }
  expectClose(`${system} ${what}`, got, want, 1e-6, 1e-5);
}

export const TINY_OPS = 1000;
export const TINY_SIZE = 64;

/** The chain x ← x + y, 1,000 times, over 64 elements: expected x0 + 1000·y (to f32 rounding). */
export function checkTiny(system, x0, y, out) {
  const want = Array.from(x0, (v, i) => v + TINY_OPS * y[i]);
  expectClose(`${system} tiny-op chain`, out, want, 1e-3, 1e-4);
}
