/**
 * The Bengio et al. (2003) neural n-gram language model as a `LanguageModel`: trained on the
 * device with AdamW on minibatches, scored on the host in float64 (so `score`, `evaluate`,
 * `perplexity`, `generate` and the decoding step function work exactly as for the count models,
 * with the same padding conventions).
 */
import {
  crossEntropy,
  type Device,
  Generator,
  getDevice,
  noGrad,
  optim,
  scope,
  type Tensor,
  tensor,
} from '@scratchseq/gpu';
import { LanguageModel } from '../language-model.js';
import { DEFAULT_SYMBOLS, type Padding, type PaddingSymbols, padSentence } from '../padding.js';
import { mulberry32, shuffleInPlace } from '../random.js';
import { Vocabulary } from '../vocabulary.js';
import {
  type BengioConfig,
  BengioNetwork,
  type HostWeights,
  hostLogits,
  readHostWeights,
} from './network.js';

/** Reported every `progressEvery` steps (and after the last). */
export interface TrainingProgress {
  step: number;
  totalSteps: number;
  /** Mean training loss (nats per token) over the steps since the previous report. */
  loss: number;
  examplesPerSecond: number;
  /** Estimated seconds until the last step. */
  etaSeconds: number;
}

export interface NeuralTrainOptions {
  /** n: predict each word from the n − 1 before it. Default 4. */
  order?: number;
  /** m, the feature-vector size. Default 16. */
  embeddingDim?: number;
  /** h, hidden tanh units. Default 128. */
  hiddenSize?: number;
  /** The paper's direct input-to-output connections W. Default false. */
  directConnections?: boolean;
  /** `'single-end'` (default: every token and the end predicted once) or `'nltk'`. */
  padding?: Exclude<Padding, 'none'>;
  symbols?: PaddingSymbols;
  /** Use this vocabulary instead of building one from the training sentences. */
  vocabulary?: Vocabulary;
  /** Unknown-word cutoff when the vocabulary is built here. Default 1. */
  unkCutoff?: number;
  /** Optimizer steps. Default 2,000. */
  steps?: number;
  /** Examples (predicted tokens) per step. Default 256. */
  batchSize?: number;
  /** Peak AdamW learning rate; cosine decay to a tenth of it after 2% warmup. Default 0.01. */
  learningRate?: number;
  /** AdamW's decoupled weight decay. Default 0.01 (PyTorch's default). */
  weightDecay?: number;
  /** Seeds the initialization (Philox) and the minibatch order (mulberry32). Default 0. */
  seed?: number;
  /** Where to train. Default: the current device (`init()`). */
  device?: Device;
  onProgress?: (progress: TrainingProgress) => void;
  /** Steps between progress reports (each reads the loss back). Default 200. */
  progressEvery?: number;
}

/** The training examples of padded sentences: every (n − 1 ids, next id) after the left padding. */
export function contextTargetPairs(
  idSentences: readonly ArrayLike<number>[],
  order: number,
): { contexts: Int32Array; targets: Int32Array } {
  const width = order - 1;
  let count = 0;
  for (const ids of idSentences) count += Math.max(0, ids.length - width);
  const contexts = new Int32Array(count * width);
  const targets = new Int32Array(count);
  let example = 0;
  for (const ids of idSentences) {
    for (let position = width; position < ids.length; position++) {
      for (let j = 0; j < width; j++) contexts[example * width + j] = ids[position - width + j];
      targets[example++] = ids[position];
    }
  }
  return { contexts, targets };
}

export class NeuralNgramModel extends LanguageModel {
  readonly name: string;
  readonly normalized = true;
  readonly order: number;
  readonly config: BengioConfig;
  /** Mean training loss reported at each progress step. */
  readonly trainingLosses: number[] = [];
  private hostWeights: HostWeights | null = null;
  private readonly startId: number;
  private readonly logits: Float64Array<ArrayBuffer>;

  private constructor(
    readonly network: BengioNetwork,
    readonly vocabulary: Vocabulary,
    readonly padding: Exclude<Padding, 'none'>,
    readonly symbols: PaddingSymbols,
  ) {
    super();
    this.config = network.config;
    this.order = this.config.order;
    this.name = `${this.order}-gram neural LM (Bengio et al. 2003, m=${this.config.embeddingDim}, h=${this.config.hiddenSize}${this.config.directConnections ? ', direct' : ''})`;
    this.startId = vocabulary.idOf(symbols.start);
    this.logits = new Float64Array(vocabulary.size);
  }

  /** Builds the vocabulary, pads the sentences, and trains a fresh network on them. */
  static async train(
    sentences: readonly (readonly string[])[],
    options: NeuralTrainOptions = {},
  ): Promise<NeuralNgramModel> {
    const order = options.order ?? 4;
    const padding = options.padding ?? 'single-end';
    if ((padding as Padding) === 'none') {
      throw new RangeError(
        "the neural model needs a fixed-width context: use padding 'single-end' (default) or 'nltk', not 'none'",
      );
    }
    const symbols = options.symbols ?? DEFAULT_SYMBOLS;
    const vocabulary =
      options.vocabulary ??
      Vocabulary.fromSentences(sentences, order, padding, {
        unkCutoff: options.unkCutoff,
        symbols,
      });
    const device = options.device ?? getDevice();
    const seed = options.seed ?? 0;
    const network = new BengioNetwork(
      {
        vocabSize: vocabulary.size,
        order,
        embeddingDim: options.embeddingDim ?? 16,
        hiddenSize: options.hiddenSize ?? 128,
        directConnections: options.directConnections ?? false,
      },
      { device, generator: new Generator(seed) },
    );
    const model = new NeuralNgramModel(network, vocabulary, padding, symbols);
    const ids = sentences.map((s) => vocabulary.lookup(padSentence(s, order, padding, symbols)));
    const { contexts, targets } = contextTargetPairs(ids, order);
    if (targets.length === 0) {
      throw new RangeError('cannot train on no tokens: pass at least one sentence');
    }
    await model.fit(contexts, targets, { ...options, seed, device });
    return model;
  }

  /** Continues training on (context, target) examples, then refreshes the host weights. */
  async fit(
    contexts: Int32Array,
    targets: Int32Array,
    options: Omit<NeuralTrainOptions, 'vocabulary' | 'order' | 'padding'> = {},
  ): Promise<void> {
    const width = this.order - 1;
    const steps = options.steps ?? 2000;
    const batchSize = Math.min(options.batchSize ?? 256, targets.length);
    const peak = options.learningRate ?? 0.01;
    const progressEvery = options.progressEvery ?? 200;
    const device = options.device ?? this.network.C.weight.device;
    for (const [name, value] of [
      ['steps', steps],
      ['batchSize', batchSize],
      ['progressEvery', progressEvery],
    ] as const) {
      if (!Number.isInteger(value) || value < 1)
        throw new RangeError(`${name} must be a positive integer, got ${value}`);
    }
    const optimizer = new optim.AdamW(this.network.parameters(), {
      lr: optim.cosineSchedule({
        lr: peak,
        minLr: peak / 10,
        warmupSteps: Math.ceil(steps * 0.02),
        totalSteps: steps,
      }),
      weightDecay: options.weightDecay ?? 0.01,
    });
    const random = mulberry32((options.seed ?? 0) ^ 0x5eed);
    const order = Int32Array.from({ length: targets.length }, (_, i) => i);
    let cursor = order.length; // forces a shuffle before the first batch
    const batchContexts = new Int32Array(batchSize * width);
    const batchTargets = new Int32Array(batchSize);
    const pending: Tensor[] = [];
    let started = performance.now();
    let reportedAt = 0;
    for (let step = 1; step <= steps; step++) {
      for (let i = 0; i < batchSize; i++) {
        if (cursor === order.length) {
          shuffleInPlace(order, random);
          cursor = 0;
        }
        const example = order[cursor++];
        batchTargets[i] = targets[example];
        batchContexts.set(contexts.subarray(example * width, (example + 1) * width), i * width);
      }
      const loss = scope(() => {
        const x = tensor(batchContexts, { shape: [batchSize, width], dtype: 'i32', device });
        const y = tensor(batchTargets, { dtype: 'i32', device });
        const l = crossEntropy(this.network.forward(x), y);
        l.backward();
        optimizer.step();
        optimizer.zeroGrad();
        return l.detach();
      });
      pending.push(loss);
      if (step % progressEvery === 0 || step === steps) {
        // Reading the losses waits for the device, which also bounds how far the host runs ahead.
        let total = 0;
        for (const l of pending) {
          total += await l.item();
          l.dispose();
        }
        const meanLoss = total / pending.length;
        pending.length = 0;
        this.trainingLosses.push(meanLoss);
        const now = performance.now();
        const seconds = (now - started) / 1000;
        const rate = ((step - reportedAt) * batchSize) / Math.max(seconds, 1e-9);
        options.onProgress?.({
          step,
          totalSteps: steps,
          loss: meanLoss,
          examplesPerSecond: rate,
          etaSeconds: ((steps - step) * batchSize) / rate,
        });
        started = now;
        reportedAt = step;
      }
    }
    optimizer.dispose();
    await this.refreshHostWeights();
  }

  /** Copies the device parameters to the host copy that scoring uses (after training by hand). */
  async refreshHostWeights(): Promise<void> {
    this.hostWeights = await readHostWeights(this.network);
  }

  /** The last n − 1 ids of a context, left-filled with the start symbol when shorter. */
  private fullContext(context: ArrayLike<number>): Int32Array {
    const width = this.order - 1;
    const full = new Int32Array(width).fill(this.startId);
    const take = Math.min(width, context.length);
    for (let i = 0; i < take; i++) full[width - take + i] = context[context.length - take + i];
    return full;
  }

  private weights(): HostWeights {
    if (!this.hostWeights)
      throw new Error('the model has no host weights yet; await train() first');
    return this.hostWeights;
  }

  /** ln P(· | context) over the vocabulary, from the host copy in float64. */
  logDistributionOfIds(
    context: ArrayLike<number>,
    out: Float64Array<ArrayBuffer> = new Float64Array(this.vocabulary.size),
  ): Float64Array<ArrayBuffer> {
    hostLogits(this.config, this.weights(), this.fullContext(context), out);
    let max = Number.NEGATIVE_INFINITY;
    for (const value of out) if (value > max) max = value;
    let total = 0;
    for (const value of out) total += Math.exp(value - max);
    const logNormalizer = max + Math.log(total);
    for (let i = 0; i < out.length; i++) out[i] -= logNormalizer;
    return out;
  }

  override distributionOfIds(
    context: ArrayLike<number>,
    out: Float64Array<ArrayBuffer> = new Float64Array(this.vocabulary.size),
  ): Float64Array<ArrayBuffer> {
    this.logDistributionOfIds(context, out);
    for (let i = 0; i < out.length; i++) out[i] = Math.exp(out[i]);
    return out;
  }

  probabilityOfIds(word: number, context: ArrayLike<number>): number {
    if (!(word >= 0 && word < this.vocabulary.size)) {
      throw new RangeError(
        `token id ${word} is outside the vocabulary (0..${this.vocabulary.size - 1})`,
      );
    }
    return Math.exp(this.logDistributionOfIds(context, this.logits)[word]);
  }

  /**
   * Logits for a batch of contexts on the device, (B, |V|), without reading them back: what a
   * device decoding path samples from. Contexts shorter than n − 1 are left-filled with `<s>`.
   */
  deviceLogits(contexts: readonly ArrayLike<number>[]): Tensor {
    const width = this.order - 1;
    const flat = new Int32Array(contexts.length * width);
    contexts.forEach((context, row) => {
      flat.set(this.fullContext(context), row * width);
    });
    const device = this.network.C.weight.device;
    return noGrad(() =>
      scope(() =>
        this.network.forward(
          tensor(flat, { shape: [contexts.length, width], dtype: 'i32', device }),
        ),
      ),
    );
  }

  /** Frees the device parameters. */
  dispose(): void {
    this.network.dispose();
  }
}
