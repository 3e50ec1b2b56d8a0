/**
 * The network of Bengio, Ducharme, Vincent & Jauvin (2003), "A Neural Probabilistic Language
 * Model" (JMLR 3), eq. 1:
 *
 *   x = (C(w_{t−1}), …, C(w_{t−n+1}))      concatenated context embeddings, (n−1)·m
 *   y = b + W x + U tanh(d + H x)          one score per vocabulary word
 *   P(w_t | context) = softmax(y)
 *
 * C is the shared embedding table, H/d the hidden layer, U/b the output layer and W the optional
 * direct input-to-output connections. The context is concatenated oldest word first (the paper
 * lists it newest first; the order is a fixed permutation of x and changes nothing).
 */
import { add, type Device, type Generator, nn, reshape, type Tensor, tanh } from '@scratchseq/gpu';

export interface BengioConfig {
  /** Vocabulary size |V|. */
  vocabSize: number;
  /** n: the model predicts a word from the n − 1 words before it. */
  order: number;
  /** m: size of each word's feature vector in C. */
  embeddingDim: number;
  /** h: hidden units (0 leaves only the direct connections: a log-bilinear model). */
  hiddenSize: number;
  /** Whether to add the direct connections W x to the output (the paper's W ≠ 0). */
  directConnections: boolean;
}

export function checkConfig(config: BengioConfig): void {
  const { vocabSize, order, embeddingDim, hiddenSize } = config;
  if (!Number.isInteger(order) || order < 2) {
    throw new RangeError(
      `order must be an integer ≥ 2 (the model needs at least one context word), got ${order}`,
    );
  }
  for (const [name, value, min] of [
    ['vocabSize', vocabSize, 1],
    ['embeddingDim', embeddingDim, 1],
    ['hiddenSize', hiddenSize, 0],
  ] as const) {
    if (!Number.isInteger(value) || value < min) {
      throw new RangeError(`${name} must be an integer ≥ ${min}, got ${value}`);
    }
  }
  if (hiddenSize === 0 && !config.directConnections) {
    throw new RangeError(
      'hiddenSize 0 without directConnections leaves the output constant; set hiddenSize > 0 or directConnections: true',
    );
  }
}

/**
 * Parameter names follow the paper: `C.weight` (|V|, m); `H.weight` ((n−1)m → h) and `H.bias`
 * (d); `U.weight` (h → |V|) and `U.bias` (b); `W.weight` ((n−1)m → |V|, no bias).
 */
export class BengioNetwork extends nn.Module {
  C: nn.Embedding;
  H: nn.Linear | null;
  U: nn.Linear | null;
  /** Carries b itself when there is no hidden layer (then U does not exist). */
  W: nn.Linear | null;
  readonly config: BengioConfig;

  constructor(config: BengioConfig, options: { device?: Device; generator?: Generator } = {}) {
    super();
    checkConfig(config);
    this.config = { ...config };
    const { vocabSize, order, embeddingDim, hiddenSize, directConnections } = config;
    const inputSize = (order - 1) * embeddingDim;
    this.C = new nn.Embedding(vocabSize, embeddingDim, options);
    this.H = hiddenSize > 0 ? new nn.Linear(inputSize, hiddenSize, options) : null;
    this.U = hiddenSize > 0 ? new nn.Linear(hiddenSize, vocabSize, options) : null;
    this.W = directConnections
      ? new nn.Linear(inputSize, vocabSize, { ...options, bias: !this.U })
      : null;
  }

  /** contexts (B, n−1) i32 → logits y (B, |V|). */
  forward(contexts: Tensor): Tensor {
    const { order, embeddingDim } = this.config;
    if (contexts.rank !== 2 || contexts.shape[1] !== order - 1 || contexts.dtype !== 'i32') {
      throw new Error(
        `BengioNetwork: expected i32 contexts of shape (B, ${order - 1}), got ${contexts.dtype} (${contexts.shape.join(', ')})`,
      );
    }
    const batch = contexts.shape[0];
    const x = reshape(this.C.forward(contexts), [batch, (order - 1) * embeddingDim]); // (B, (n−1)m)
    let y: Tensor | null = null;
    if (this.H && this.U) y = this.U.forward(tanh(this.H.forward(x))); // (B, |V|)
    if (this.W) {
      const direct = this.W.forward(x); // (B, |V|)
      y = y ? add(y, direct) : direct;
    }
    return y!;
  }
}

/** Host copies of the parameters (float64), for exact, synchronous scoring on the CPU. */
export interface HostWeights {
  C: Float64Array; // (|V|, m)
  H: Float64Array | null; // (h, (n−1)m)
  d: Float64Array | null; // (h)
  U: Float64Array | null; // (|V|, h)
  b: Float64Array; // (|V|)
  W: Float64Array | null; // (|V|, (n−1)m)
}

export async function readHostWeights(network: BengioNetwork): Promise<HostWeights> {
  const read = async (t: Tensor | null | undefined) =>
    t ? Float64Array.from(await t.toArray()) : null;
  const U = await read(network.U?.weight);
  const b = (await read(network.U?.bias)) ?? (await read(network.W?.bias))!;
  return {
    C: (await read(network.C.weight))!,
    H: await read(network.H?.weight),
    d: await read(network.H?.bias),
    U,
    b,
    W: await read(network.W?.weight),
  };
}

/**
 * Eq. 1 on the host in float64, written independently of the device kernels: the scores y for
 * one context of exactly n − 1 ids. `out` receives |V| logits.
 */
export function hostLogits(
  config: BengioConfig,
  weights: HostWeights,
  context: ArrayLike<number>,
  out: Float64Array,
): Float64Array {
  const { vocabSize, order, embeddingDim: m, hiddenSize: h } = config;
  const inputSize = (order - 1) * m;
  const x = new Float64Array(inputSize);
  for (let j = 0; j < order - 1; j++) {
    const row = context[j] * m;
    for (let k = 0; k < m; k++) x[j * m + k] = weights.C[row + k];
  }
  out.set(weights.b);
  if (h > 0) {
    const hidden = new Float64Array(h);
    for (let i = 0; i < h; i++) {
      let a = weights.d![i];
      const row = i * inputSize;
      for (let k = 0; k < inputSize; k++) a += weights.H![row + k] * x[k];
      hidden[i] = Math.tanh(a);
    }
    for (let v = 0; v < vocabSize; v++) {
      let s = 0;
      const row = v * h;
      for (let i = 0; i < h; i++) s += weights.U![row + i] * hidden[i];
      out[v] += s;
    }
  }
  if (weights.W) {
    for (let v = 0; v < vocabSize; v++) {
      let s = 0;
      const row = v * inputSize;
      for (let k = 0; k < inputSize; k++) s += weights.W[row + k] * x[k];
      out[v] += s;
    }
  }
  return out;
}
