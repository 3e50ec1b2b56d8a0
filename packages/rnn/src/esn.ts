import {
  add,
  concat,
  type Device,
  getDevice,
  matmul,
  mul,
  noGrad,
  ones,
  reshape,
  rnnRecurrence,
  slice,
  stack,
  type Tensor,
  tanh,
  tensor,
  transpose,
  zeros,
} from '@scratchseq/gpu';
import { spectralRadius } from './diagnostics.js';
import { seededRandom } from './tasks.js';

export interface EchoStateOptions {
  inputSize: number;
  reservoirSize: number;
  outputSize: number;
  /** ρ(W) after rescaling (default 0.9; < 1 is the usual start for the echo state property). */
  spectralRadius?: number;
  /** Leak rate a: x_t = (1 − a)·x_{t−1} + a·tanh(...) (default 1: no leak). */
  leakRate?: number;
  /** W_in ~ U(−s, s) (default 1). */
  inputScaling?: number;
  /** Fraction of non-zero reservoir weights (default 1). */
  density?: number;
  /** Ridge (Tikhonov) regularization β of the readout (default 1e-6). */
  ridge?: number;
  seed?: number;
  device?: Device;
}

/**
 * An echo state network (Jaeger 2001): a fixed random reservoir
 *   x_t = (1 − a)·x_{t−1} + a·tanh(W_in·[1; u_t] + W·x_{t−1})
 * with W rescaled to a chosen spectral radius, and a linear readout y_t = W_out·[1; u_t; x_t]
 * fitted in closed form by ridge regression: W_outᵀ = (XᵀX + βI)⁻¹ XᵀY (Lukoševičius 2012).
 * Only the readout is trained; the reservoir runs on the device (with a = 1 it is exactly the
 * fused `rnnRecurrence`).
 */
export class EchoStateNetwork {
  readonly inputSize: number;
  readonly reservoirSize: number;
  readonly outputSize: number;
  readonly leakRate: number;
  readonly ridge: number;
  readonly device: Device;
  /** (N, 1 + I): bias column first. */
  readonly inputWeight: Tensor;
  /** (N, N), ρ = spectralRadius. */
  readonly reservoirWeight: Tensor;
  /** The reservoir matrix on the host (row-major), for inspection. */
  readonly reservoirValues: Float64Array;
  /** (O, 1 + I + N) after `fit`. */
  readoutWeight: Tensor | null = null;

  constructor(options: EchoStateOptions) {
    const { inputSize: I, reservoirSize: N, outputSize } = options;
    this.inputSize = I;
    this.reservoirSize = N;
    this.outputSize = outputSize;
    this.leakRate = options.leakRate ?? 1;
    this.ridge = options.ridge ?? 1e-6;
    this.device = options.device ?? getDevice();
    if (!(this.leakRate > 0 && this.leakRate <= 1)) {
      throw new Error(`EchoStateNetwork: leakRate must be in (0, 1], got ${this.leakRate}`);
    }
    const rho = options.spectralRadius ?? 0.9;
    const s = options.inputScaling ?? 1;
    const density = options.density ?? 1;
    const random = seededRandom(options.seed ?? 0);
    const win = Float32Array.from({ length: N * (1 + I) }, () => (random() * 2 - 1) * s);
    const w = Float64Array.from({ length: N * N }, () =>
      random() < density ? random() * 2 - 1 : 0,
    );
    const current = spectralRadius(w, N);
    if (current === 0)
      throw new Error('EchoStateNetwork: the random reservoir is nilpotent; raise density');
    for (let i = 0; i < w.length; i++) w[i] *= rho / current;
    this.reservoirValues = w;
    this.inputWeight = tensor(win, { shape: [N, 1 + I], device: this.device }).keep();
    this.reservoirWeight = tensor(Float32Array.from(w), {
      shape: [N, N],
      device: this.device,
    }).keep();
  }

  /** Reservoir states (T, N) for an input sequence (T, I), from x0 (N) or zeros. */
  states(inputs: Tensor, x0?: Tensor): Tensor {
    if (inputs.rank !== 2 || inputs.shape[1] !== this.inputSize) {
      throw new Error(
        `EchoStateNetwork: expected inputs of shape (T, ${this.inputSize}), got (${inputs.shape.join(', ')})`,
      );
    }
    const T = inputs.shape[0];
    const N = this.reservoirSize;
    return noGrad(() => {
      const u = concat([ones([T, 1], { device: this.device }), inputs], 1); // (T, 1 + I)
      const pre = matmul(u, transpose(this.inputWeight)); // (T, N): all steps' input drive at once
      const start = x0 ? reshape(x0, [1, N]) : zeros([1, N], { device: this.device });
      if (this.leakRate === 1) {
        const s = rnnRecurrence(reshape(pre, [T, 1, N]), start, this.reservoirWeight); // (T+1, 1, N)
        return reshape(slice(s, 0, 1, T + 1), [T, N]);
      }
      const a = this.leakRate;
      let x = start;
      const xs: Tensor[] = [];
      for (let t = 0; t < T; t++) {
        const drive = tanh(
          add(slice(pre, 0, t, t + 1), matmul(x, transpose(this.reservoirWeight))),
        );
        x = add(mul(x, 1 - a), mul(drive, a)); // (1, N)
        xs.push(x);
      }
      return reshape(stack(xs, 0), [T, N]);
    });
  }

  /** The readout's design matrix [1, u_t, x_t] (T, 1 + I + N). */
  features(inputs: Tensor, states: Tensor): Tensor {
    const T = inputs.shape[0];
    return concat([ones([T, 1], { device: this.device }), inputs, states], 1);
  }

  /**
   * Fits the readout by ridge regression on steps ≥ washout; returns the training MSE.
   * XᵀX and XᵀY are one matmul each on the device; the (F × F) system is solved on the host
   * in float64 (Cholesky).
   */
  async fit(inputs: Tensor, targets: Tensor, options: { washout?: number } = {}): Promise<number> {
    const T = inputs.shape[0];
    const washout = options.washout ?? 0;
    if (targets.rank !== 2 || targets.shape[0] !== T || targets.shape[1] !== this.outputSize) {
      throw new Error(
        `EchoStateNetwork.fit: expected targets of shape (${T}, ${this.outputSize}), got (${targets.shape.join(', ')})`,
      );
    }
    if (washout >= T)
      throw new Error(`EchoStateNetwork.fit: washout ${washout} leaves no step of ${T}`);
    const F = 1 + this.inputSize + this.reservoirSize;
    const O = this.outputSize;
    const [gram, cross] = noGrad(() => {
      const X = slice(this.features(inputs, this.states(inputs)), 0, washout, T); // (T', F)
      const Y = slice(targets, 0, washout, T); // (T', O)
      return [matmul(transpose(X), X), matmul(transpose(X), Y)]; // (F, F), (F, O)
    });
    const A = Float64Array.from(await gram.toArray());
    const Bm = Float64Array.from(await cross.toArray());
    gram.dispose();
    cross.dispose();
    for (let i = 0; i < F; i++) A[i * F + i] += this.ridge;
    const solution = choleskySolve(A, Bm, F, O); // (F, O)
    const wout = new Float32Array(O * F);
    for (let f = 0; f < F; f++) for (let o = 0; o < O; o++) wout[o * F + f] = solution[f * O + o];
    this.readoutWeight?.dispose();
    this.readoutWeight = tensor(wout, { shape: [O, F], device: this.device }).keep();
    const pred = this.predict(inputs);
    const p = await slice(pred, 0, washout, T).toArray();
    const y = await slice(targets, 0, washout, T).toArray();
    let se = 0;
    for (let i = 0; i < p.length; i++) se += (p[i] - y[i]) ** 2;
    return se / p.length;
  }

  /** y_t = W_out·[1; u_t; x_t] (T, O). */
  predict(inputs: Tensor, x0?: Tensor): Tensor {
    if (!this.readoutWeight) throw new Error('EchoStateNetwork.predict: call fit() first');
    const w = this.readoutWeight;
    return noGrad(() => matmul(this.features(inputs, this.states(inputs, x0)), transpose(w)));
  }
}

/** Solves A·X = B for symmetric positive-definite A (n × n) and B (n × m), row-major float64. */
export function choleskySolve(
  A: Float64Array,
  B: Float64Array,
  n: number,
  m: number,
): Float64Array {
  const L = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = A[i * n + j];
      for (let k = 0; k < j; k++) s -= L[i * n + k] * L[j * n + k];
      if (i === j) {
        if (!(s > 0))
          throw new Error('choleskySolve: matrix is not positive definite; increase the ridge');
        L[i * n + i] = Math.sqrt(s);
      } else {
        L[i * n + j] = s / L[j * n + j];
      }
    }
  }
  const X = Float64Array.from(B);
  for (let c = 0; c < m; c++) {
    for (let i = 0; i < n; i++) {
      let s = X[i * m + c];
      for (let k = 0; k < i; k++) s -= L[i * n + k] * X[k * m + c];
      X[i * m + c] = s / L[i * n + i];
    }
    for (let i = n - 1; i >= 0; i--) {
      let s = X[i * m + c];
      for (let k = i + 1; k < n; k++) s -= L[k * n + i] * X[k * m + c];
      X[i * m + c] = s / L[i * n + i];
    }
  }
  return X;
}
