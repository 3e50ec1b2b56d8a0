import {
  type Device,
  defaultGenerator,
  getDevice,
  keep,
  type nn,
  noGrad,
  optim,
  scope,
  type Tensor,
} from '@scratchseq/gpu';
import { lineChartSvg } from '@scratchseq/metrics';
import { SeededRandom } from '../data/rng.js';
import type { TextDataset, TextDatasetState } from '../data/text-dataset.js';

/** What the trainer needs from a model: a module whose forward returns a scalar loss given targets. */
export interface TrainableModel extends nn.Module {
  forward(idx: Tensor, targets?: Tensor): { logits: Tensor; loss?: Tensor };
}

/** Hyperparameters of a run; names and defaults follow nanoGPT's train.py. */
export interface TrainingConfig {
  /** Optimizer steps in the whole run. */
  maxIters: number;
  /** Sequences per micro-batch (nanoGPT's batch_size). */
  batchSize: number;
  /** Tokens per sequence (≤ the model's context). */
  blockSize: number;
  /** Micro-batches whose gradients are summed per step (default 1). */
  gradAccumSteps?: number;
  /** Peak learning rate (default 1e-3). */
  learningRate?: number;
  /** Final learning rate of the cosine (default learningRate / 10). */
  minLr?: number;
  /** Linear warmup steps (default min(100, maxIters / 10)). */
  warmupIters?: number;
  /** Step at which the cosine reaches minLr (default maxIters). */
  lrDecayIters?: number;
  /** false: constant learning rate after warmup (default true). */
  decayLr?: boolean;
  /** AdamW decoupled weight decay of matrices and embeddings; biases and norms get none (default 0.1). */
  weightDecay?: number;
  /** AdamW betas (default [0.9, 0.99], nanoGPT's shakespeare_char). */
  betas?: [number, number];
  /** Clip the global gradient norm to this; 0 disables (default 1). */
  gradClip?: number;
  /** Evaluate every this many steps, and at the end; 0: only at the end (default 250). */
  evalInterval?: number;
  /** Batches per split for each evaluation (default 20). */
  evalIters?: number;
  /** Call `onSample` every this many steps and at the end; 0: never (default 0). */
  sampleInterval?: number;
  /** Call `onCheckpoint` every this many steps and at the end; 0: only at the end (default evalInterval). */
  checkpointInterval?: number;
  /** Seed of the evaluation batches (the training sampler is the dataset's own; default 1337). */
  seed?: number;
}

export type ResolvedTrainingConfig = Required<TrainingConfig>;

export function resolveTrainingConfig(config: TrainingConfig): ResolvedTrainingConfig {
  const positive = ['maxIters', 'batchSize', 'blockSize'] as const;
  for (const key of positive) {
    if (!(Number.isInteger(config[key]) && config[key] > 0)) {
      throw new Error(`TrainingConfig.${key} must be a positive integer, got ${config[key]}`);
    }
  }
  const learningRate = config.learningRate ?? 1e-3;
  const evalInterval = config.evalInterval ?? 250;
  const resolved: ResolvedTrainingConfig = {
    maxIters: config.maxIters,
    batchSize: config.batchSize,
    blockSize: config.blockSize,
    gradAccumSteps: config.gradAccumSteps ?? 1,
    learningRate,
    minLr: config.minLr ?? learningRate / 10,
    warmupIters: config.warmupIters ?? Math.min(100, Math.floor(config.maxIters / 10)),
    lrDecayIters: config.lrDecayIters ?? config.maxIters,
    decayLr: config.decayLr ?? true,
    weightDecay: config.weightDecay ?? 0.1,
    betas: config.betas ?? [0.9, 0.99],
    gradClip: config.gradClip ?? 1,
    evalInterval,
    evalIters: config.evalIters ?? 20,
    sampleInterval: config.sampleInterval ?? 0,
    checkpointInterval: config.checkpointInterval ?? evalInterval,
    seed: config.seed ?? 1337,
  };
  if (!(Number.isInteger(resolved.gradAccumSteps) && resolved.gradAccumSteps > 0)) {
    throw new Error(
      `TrainingConfig.gradAccumSteps must be a positive integer, got ${resolved.gradAccumSteps}`,
    );
  }
  if (!(learningRate > 0))
    throw new Error(`TrainingConfig.learningRate must be > 0, got ${learningRate}`);
  if (!(resolved.warmupIters >= 0))
    throw new Error(`TrainingConfig.warmupIters must be ≥ 0, got ${resolved.warmupIters}`);
  if (resolved.decayLr && !(resolved.lrDecayIters > resolved.warmupIters)) {
    throw new Error(
      `TrainingConfig.lrDecayIters (${resolved.lrDecayIters}) must exceed warmupIters (${resolved.warmupIters}); lower warmupIters or set decayLr: false`,
    );
  }
  if (!(resolved.gradClip >= 0))
    throw new Error(`TrainingConfig.gradClip must be ≥ 0, got ${resolved.gradClip}`);
  return resolved;
}

/** The learning rate of the update at `step` (0-based), from a resolved config. */
export function learningRateAt(config: ResolvedTrainingConfig, step: number): number {
  const { learningRate: lr, warmupIters, lrDecayIters, minLr } = config;
  if (!config.decayLr) return optim.linearWarmupLR(step, { lr, warmupSteps: warmupIters });
  return optim.cosineLR(step, { lr, warmupSteps: warmupIters, totalSteps: lrDecayIters, minLr });
}

export interface StepEvent {
  /** Steps completed (1 … maxIters). */
  iter: number;
  maxIters: number;
  /** Mean training loss over the step's micro-batches. */
  loss: number;
  lr: number;
  /** Global gradient norm before clipping. */
  gradNorm: number;
  /** Training tokens per second of this step (B · T · accumulation / step time). */
  tokensPerSecond: number;
  /** Seconds of training so far, including earlier sessions of a resumed run. */
  elapsedSeconds: number;
  /** Estimated seconds to maxIters at the recent step rate (evaluations not included). */
  etaSeconds: number;
}

export interface EvalEvent {
  iter: number;
  trainLoss: number;
  valLoss: number;
}

/** Everything a checkpoint holds; see `Trainer.checkpoint()` / `Trainer.restore()`. */
export interface TrainerCheckpoint {
  /** Model parameters (state_dict names) and optimizer moments (`optim.<index>.<name>`). */
  tensors: Record<string, Tensor>;
  state: TrainerState;
}

/** The JSON part of a checkpoint: enough, with the tensors, to continue bit for bit. */
export interface TrainerState {
  format: 'scratchseq-trainer';
  version: 1;
  iter: number;
  config: ResolvedTrainingConfig;
  /** The optimizer's state dict with each tensor replaced by its key in `tensors`. */
  optimizer: unknown;
  /** The device's random stream (dropout). */
  deviceRandom: { seed: number; offset: number };
  data: TextDatasetState;
  elapsedSeconds: number;
  history: TrainingHistory;
}

export interface TrainingHistory {
  /** [iter, loss] of every step. */
  train: [number, number][];
  evals: EvalEvent[];
}

export interface TrainerCallbacks {
  onStep?: (event: StepEvent) => void;
  onEval?: (event: EvalEvent) => void;
  /** Draw and show samples; the device's random stream is restored afterwards. */
  onSample?: (iter: number) => void | Promise<void>;
  /** Persist a checkpoint (e.g. `fileCheckpointer(dir)` from `@scratchseq/transformer/node`). */
  onCheckpoint?: (checkpoint: TrainerCheckpoint, trainer: Trainer) => Promise<void>;
}

/** Thrown when the loss or gradient norm stops being finite; training stops before the update. */
export class NonFiniteLossError extends Error {
  constructor(
    readonly iter: number,
    readonly loss: number,
    readonly gradNorm: number,
    readonly lastCheckpointIter: number | undefined,
    lr: number,
  ) {
    super(
      `training stopped at step ${iter}: the loss is ${loss} and the gradient norm ${gradNorm}, so the update was not applied. ` +
        (lastCheckpointIter === undefined
          ? 'No checkpoint was saved in this run. '
          : `The last good checkpoint (step ${lastCheckpointIter}) is kept; resume from it with a lower learning rate. `) +
        `Try a lower learningRate (now ${lr.toPrecision(3)}), keep gradClip on, or check the data for bad tokens.`,
    );
    this.name = 'NonFiniteLossError';
  }
}

const OPTIM_PREFIX = 'optim.';

/**
 * nanoGPT's training loop on `@scratchseq/gpu`: AdamW with linear warmup and cosine decay,
 * gradient accumulation, clipping by global norm, periodic evaluation (eval mode, no grad),
 * samples and checkpoints through callbacks, and exact resume: `checkpoint()` captures the
 * model, optimizer moments and step counts, the schedule step, the device's random stream,
 * the data sampler and the history, and `restore()` puts them all back, so a resumed run
 * computes the same losses bit for bit as one that never stopped.
 *
 * Browser-safe: nothing here touches the file system; `@scratchseq/transformer/node` adds
 * file checkpoints.
 */
export class Trainer {
  readonly config: ResolvedTrainingConfig;
  readonly optimizer: optim.AdamW;
  /** Steps completed. */
  iter = 0;
  history: TrainingHistory = { train: [], evals: [] };
  lastCheckpointIter: number | undefined;
  private elapsedBefore = 0;
  private readonly device: Device;
  private stepSecondsAverage = 0;

  constructor(
    readonly model: TrainableModel,
    readonly dataset: TextDataset,
    config: TrainingConfig,
    readonly callbacks: TrainerCallbacks = {},
  ) {
    this.config = resolveTrainingConfig(config);
    this.device = model.parameters()[0]?.device ?? getDevice();
    // nanoGPT's configure_optimizers: decay matrices and embeddings (rank ≥ 2), not biases or
    // LayerNorm gains.
    const params = model.parameters();
    const decay = params.filter((p) => p.rank >= 2);
    const noDecay = params.filter((p) => p.rank < 2);
    const groups = [{ params: decay, weightDecay: this.config.weightDecay }];
    if (noDecay.length > 0) groups.push({ params: noDecay, weightDecay: 0 });
    this.optimizer = new optim.AdamW(
      decay.length > 0 ? groups : [{ params: noDecay, weightDecay: 0 }],
      {
        lr: (step) => learningRateAt(this.config, step),
        betas: this.config.betas,
      },
    );
  }

  /** One optimizer step over `gradAccumSteps` micro-batches. */
  async step(): Promise<StepEvent> {
    const start = performance.now();
    const { batchSize, blockSize, gradAccumSteps, gradClip } = this.config;
    const params = this.optimizer.params;
    this.model.train();
    // One scope per micro-batch, so only one micro-batch's graph is alive at a time.
    const microLosses: Tensor[] = [];
    for (let micro = 0; micro < gradAccumSteps; micro++) {
      microLosses.push(
        scope(() => {
          const { x, y } = this.dataset.batch('train', batchSize, blockSize, {
            device: this.device,
          });
          const { loss } = this.model.forward(x, y);
          if (!loss) throw new Error('Trainer: model.forward(x, targets) returned no loss');
          // Each micro-batch contributes 1/accum of the gradient: the mean over all (nanoGPT).
          (gradAccumSteps > 1 ? loss.div(gradAccumSteps) : loss).backward();
          return keep(loss.detach());
        }),
      );
    }
    const [lossSum, norm] = scope(() => {
      const total = microLosses.reduce((sum, l) => sum.add(l));
      const gradNorm = optim.clipGradNorm(params, gradClip > 0 ? gradClip : Infinity);
      return [keep(total), keep(gradNorm)] as const;
    });
    for (const l of microLosses) if (l !== lossSum) l.dispose();
    const loss = (await lossSum.item()) / gradAccumSteps;
    const gradNorm = await norm.item();
    lossSum.dispose();
    norm.dispose();
    const lr = learningRateAt(this.config, this.optimizer.stepCount);
    if (!Number.isFinite(loss) || !Number.isFinite(gradNorm)) {
      this.optimizer.zeroGrad();
      throw new NonFiniteLossError(this.iter + 1, loss, gradNorm, this.lastCheckpointIter, lr);
    }
    scope(() => {
      this.optimizer.step();
      this.optimizer.zeroGrad();
    });
    this.iter++;
    this.history.train.push([this.iter, loss]);
    const seconds = (performance.now() - start) / 1000;
    this.elapsedBefore += seconds;
    // A short moving average (the first steps compile pipelines and would skew the ETA).
    this.stepSecondsAverage =
      this.stepSecondsAverage === 0 ? seconds : 0.9 * this.stepSecondsAverage + 0.1 * seconds;
    const event: StepEvent = {
      iter: this.iter,
      maxIters: this.config.maxIters,
      loss,
      lr,
      gradNorm,
      tokensPerSecond: (batchSize * blockSize * gradAccumSteps) / seconds,
      elapsedSeconds: this.elapsedBefore,
      etaSeconds: (this.config.maxIters - this.iter) * this.stepSecondsAverage,
    };
    this.callbacks.onStep?.(event);
    return event;
  }

  /**
   * Mean loss over `evalIters` batches of each split, in eval mode without gradients. The
   * batches come from a generator seeded by `seed`, the same at every evaluation, so the
   * numbers are comparable across steps and the training sampler is not moved.
   */
  async evaluate(): Promise<EvalEvent> {
    const { batchSize, blockSize, evalIters, seed } = this.config;
    const wasTraining = this.model.training;
    this.model.eval();
    const result: Record<'train' | 'val', number> = { train: 0, val: 0 };
    try {
      for (const [k, split] of (['train', 'val'] as const).entries()) {
        const random = new SeededRandom(seed + k);
        const total = scope(() =>
          noGrad(() => {
            let sum: Tensor | undefined;
            for (let i = 0; i < evalIters; i++) {
              const { x, y } = this.dataset.batch(split, batchSize, blockSize, {
                random,
                device: this.device,
              });
              const { loss } = this.model.forward(x, y);
              sum = sum ? sum.add(loss!) : loss!;
            }
            return keep(sum!);
          }),
        );
        result[split] = (await total.item()) / evalIters;
        total.dispose();
      }
    } finally {
      this.model.train(wasTraining);
    }
    const event = { iter: this.iter, trainLoss: result.train, valLoss: result.val };
    return event;
  }

  /** Runs steps until `maxIters`, with evaluations, samples and checkpoints on their intervals. */
  async run(): Promise<TrainingHistory> {
    const { maxIters, evalInterval, sampleInterval, checkpointInterval } = this.config;
    const due = (interval: number) =>
      this.iter === maxIters || (interval > 0 && this.iter % interval === 0);
    while (this.iter < maxIters) {
      await this.step();
      if (due(evalInterval)) {
        const event = await this.evaluate();
        this.history.evals.push(event);
        this.callbacks.onEval?.(event);
      }
      if (this.callbacks.onSample && sampleInterval > 0 && due(sampleInterval)) await this.sample();
      if (this.callbacks.onCheckpoint && due(checkpointInterval)) await this.saveCheckpoint();
    }
    return this.history;
  }

  /** Calls `onSample`, then puts the device's random stream back so training is unaffected. */
  async sample(): Promise<void> {
    const generator = defaultGenerator(this.device);
    const saved = generator.state();
    const wasTraining = this.model.training;
    try {
      await this.callbacks.onSample?.(this.iter);
    } finally {
      generator.setState(saved);
      this.model.train(wasTraining);
    }
  }

  /** Hands the current checkpoint to `onCheckpoint` and remembers the step as the last good one. */
  async saveCheckpoint(): Promise<void> {
    if (!this.callbacks.onCheckpoint) return;
    await this.callbacks.onCheckpoint(this.checkpoint(), this);
    this.lastCheckpointIter = this.iter;
  }

  /** The live tensors and the JSON state of this moment (save them before the next step). */
  checkpoint(): TrainerCheckpoint {
    const tensors: Record<string, Tensor> = { ...this.model.stateDict() };
    const dict = this.optimizer.stateDict();
    const state: Record<string, Record<string, unknown>> = {};
    for (const [index, paramState] of Object.entries(dict.state)) {
      const entry: Record<string, unknown> = {};
      for (const [name, value] of Object.entries(paramState)) {
        if (typeof value === 'number') entry[name] = value;
        else {
          const key = `${OPTIM_PREFIX}${index}.${name}`;
          tensors[key] = value;
          entry[name] = { tensor: key };
        }
      }
      state[index] = entry;
    }
    return {
      tensors,
      state: {
        format: 'scratchseq-trainer',
        version: 1,
        iter: this.iter,
        config: this.config,
        optimizer: { ...dict, state },
        deviceRandom: defaultGenerator(this.device).state(),
        data: this.dataset.state(),
        elapsedSeconds: this.elapsedBefore,
        history: this.history,
      },
    };
  }

  /**
   * Restores a checkpoint made by `checkpoint()` (possibly after a trip through disk): model
   * weights, optimizer, schedule step, random streams, data position and history.
   */
  restore(checkpoint: { tensors: Record<string, Tensor>; state: unknown }): void {
    const state = checkpoint.state as TrainerState;
    if (state?.format !== 'scratchseq-trainer' || state.version !== 1) {
      throw new Error(
        'Trainer.restore: the state is not a version-1 scratchseq-trainer state (was it saved by Trainer.checkpoint()?)',
      );
    }
    const modelTensors: Record<string, Tensor> = {};
    for (const [key, t] of Object.entries(checkpoint.tensors)) {
      if (!key.startsWith(OPTIM_PREFIX)) modelTensors[key] = t;
    }
    this.model.loadStateDict(modelTensors);
    const saved = state.optimizer as optim.OptimizerStateDict;
    const optimizerState: Record<number, optim.ParamState> = {};
    for (const [index, entry] of Object.entries(
      saved.state as Record<string, Record<string, unknown>>,
    )) {
      const paramState: optim.ParamState = { step: Number(entry.step) };
      for (const [name, value] of Object.entries(entry)) {
        if (name === 'step') continue;
        const key = (value as { tensor?: string })?.tensor;
        const t = key === undefined ? undefined : checkpoint.tensors[key];
        if (!t)
          throw new Error(
            `Trainer.restore: optimizer state ${index}.${name} has no tensor in the checkpoint`,
          );
        paramState[name] = t;
      }
      optimizerState[Number(index)] = paramState;
    }
    this.optimizer.loadStateDict({ ...saved, state: optimizerState });
    defaultGenerator(this.device).setState(state.deviceRandom);
    this.dataset.setState(state.data);
    this.iter = state.iter;
    this.elapsedBefore = state.elapsedSeconds;
    this.history = structuredClone(state.history);
    this.lastCheckpointIter = state.iter;
  }

  /** The loss curve as an SVG picture: training loss per step and validation loss at evaluations. */
  lossChartSvg(title = 'training loss'): string {
    return lossChartSvg(this.history, title);
  }
}

export function lossChartSvg(history: TrainingHistory, title = 'training loss'): string {
  return lineChartSvg({
    title,
    xLabel: 'step',
    yLabel: 'cross-entropy loss (nats)',
    series: [
      { name: 'train (step)', points: history.train },
      {
        name: 'train (eval)',
        points: history.evals.map((e) => [e.iter, e.trainLoss] as const),
        dashed: true,
      },
      {
        name: 'validation',
        points: history.evals.map((e) => [e.iter, e.valLoss] as const),
        dashed: true,
      },
    ],
  });
}
