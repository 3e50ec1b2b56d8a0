import { type Device, getDevice, type Tensor, tensor } from '@scratchseq/gpu';

/**
 * Synthetic long-range-dependency tasks from the literature, generated on the host from a
 * seed (mulberry32) so every model and backend sees the same data.
 */

/** mulberry32: small, fast, seeded; uniform in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface AddingProblemOptions {
  batchSize: number;
  /** Sequence length T: the delay between the first marked value and the answer is ≥ T/2. */
  length: number;
  seed?: number;
  /** (T, B, 2) instead of the default (B, T, 2). */
  timeMajor?: boolean;
  device?: Device;
}

export interface AddingProblemData {
  /** Channel 0: values U(0, 1); channel 1: the two markers. Layout (B, T, 2) (or (T, B, 2)). */
  inputs: Float32Array;
  /** (B, 1): the sum of the two marked values. */
  targets: Float32Array;
  inputShape: [number, number, number];
}

/**
 * The adding problem (Hochreiter & Schmidhuber 1997, experiment 4, in the form of Le, Jaitly
 * & Hinton 2015): each step carries a value U(0, 1) and a marker; exactly two steps are
 * marked, one in the first half and one in the second; the target is the sum of the two
 * marked values. Predicting 1 always gives MSE ≈ 1/6 ≈ 0.167 — the baseline a model must beat.
 */
export function addingProblemData(options: AddingProblemOptions): AddingProblemData {
  const { batchSize: B, length: T } = options;
  if (!Number.isInteger(T) || T < 2)
    throw new Error(`addingProblem: length must be an integer ≥ 2, got ${T}`);
  if (!Number.isInteger(B) || B < 1)
    throw new Error(`addingProblem: batchSize must be a positive integer, got ${B}`);
  const random = seededRandom(options.seed ?? 0);
  const inputs = new Float32Array(B * T * 2);
  const targets = new Float32Array(B);
  const at = (b: number, t: number) => (options.timeMajor ? (t * B + b) * 2 : (b * T + t) * 2);
  const half = Math.floor(T / 2);
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < T; t++) inputs[at(b, t)] = random();
    const first = Math.floor(random() * half);
    const second = half + Math.floor(random() * (T - half));
    inputs[at(b, first) + 1] = 1;
    inputs[at(b, second) + 1] = 1;
    targets[b] = inputs[at(b, first)] + inputs[at(b, second)];
  }
  const inputShape: [number, number, number] = options.timeMajor ? [T, B, 2] : [B, T, 2];
  return { inputs, targets, inputShape };
}

/** The adding problem as tensors: inputs (B, T, 2) (or (T, B, 2)), targets (B, 1). */
export function addingProblem(options: AddingProblemOptions): { inputs: Tensor; targets: Tensor } {
  const d = addingProblemData(options);
  const device = options.device ?? getDevice();
  return {
    inputs: tensor(d.inputs, { shape: d.inputShape, device }),
    targets: tensor(d.targets, { shape: [options.batchSize, 1], device }),
  };
}

export interface CopyMemoryOptions {
  batchSize: number;
  /** Blank steps between the end of the symbols and the recall cue. */
  delay: number;
  /** Symbols to remember (default 10). */
  symbols?: number;
  /** Alphabet size of the symbols (default 8: tokens 1..8). */
  alphabet?: number;
  seed?: number;
  timeMajor?: boolean;
  device?: Device;
}

export interface CopyMemoryData {
  /** Token ids (B, T) (or (T, B)), T = delay + 2·symbols. 0 = blank, alphabet + 1 = cue. */
  inputs: Int32Array;
  /** Token ids, same layout: blanks, then the symbols during the last `symbols` steps. */
  targets: Int32Array;
  shape: [number, number];
  /** Classes: blank, the alphabet, the cue. */
  numClasses: number;
  /** Cross-entropy of the best memoryless answer (blanks, then uniform guesses): the baseline. */
  baselineLoss: number;
}

/**
 * The copy-memory task (Hochreiter & Schmidhuber 1997; in the form of Arjovsky, Shah & Bengio
 * 2016): read `symbols` random tokens from 1..alphabet, then `delay − 1` blanks, then a cue
 * token, then `symbols` blanks during which the model must output the tokens in order.
 */
export function copyMemoryData(options: CopyMemoryOptions): CopyMemoryData {
  const { batchSize: B, delay } = options;
  const S = options.symbols ?? 10;
  const A = options.alphabet ?? 8;
  if (!Number.isInteger(delay) || delay < 1)
    throw new Error(`copyMemory: delay must be an integer ≥ 1, got ${delay}`);
  if (!Number.isInteger(B) || B < 1)
    throw new Error(`copyMemory: batchSize must be a positive integer, got ${B}`);
  const T = delay + 2 * S;
  const random = seededRandom(options.seed ?? 0);
  const inputs = new Int32Array(B * T);
  const targets = new Int32Array(B * T);
  const at = (b: number, t: number) => (options.timeMajor ? t * B + b : b * T + t);
  for (let b = 0; b < B; b++) {
    for (let s = 0; s < S; s++) {
      const token = 1 + Math.floor(random() * A);
      inputs[at(b, s)] = token;
      targets[at(b, T - S + s)] = token;
    }
    inputs[at(b, S + delay - 1)] = A + 1; // the cue
  }
  const baselineLoss = (S * Math.log(A)) / T;
  return {
    inputs,
    targets,
    shape: options.timeMajor ? [T, B] : [B, T],
    numClasses: A + 2,
    baselineLoss,
  };
}

/** The copy-memory task as i32 tensors (B, T) (or (T, B)). */
export function copyMemory(options: CopyMemoryOptions): {
  inputs: Tensor;
  targets: Tensor;
  numClasses: number;
  baselineLoss: number;
} {
  const d = copyMemoryData(options);
  const device = options.device ?? getDevice();
  return {
    inputs: tensor(d.inputs, { shape: d.shape, device }),
    targets: tensor(d.targets, { shape: d.shape, device }),
    numClasses: d.numClasses,
    baselineLoss: d.baselineLoss,
  };
}
