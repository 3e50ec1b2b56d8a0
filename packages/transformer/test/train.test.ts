import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createDevice,
  crossEntropy,
  type Device,
  Generator,
  manualSeed,
  nn,
  setDevice,
  type Tensor,
} from '@scratchseq/gpu';
import { afterAll, describe, expect, test } from 'vitest';
import { TextDataset } from '../src/data/index.js';
import { loadTrainerCheckpoint, saveTrainerCheckpoint } from '../src/node.js';
import {
  learningRateAt,
  NonFiniteLossError,
  resolveTrainingConfig,
  Trainer,
  type TrainingConfig,
} from '../src/train/index.js';

const devices: Partial<Record<'cpu' | 'webgpu', Promise<Device>>> = {};
async function use(kind: 'cpu' | 'webgpu'): Promise<Device> {
  devices[kind] ??= createDevice({ backend: kind });
  const d = await devices[kind];
  setDevice(d);
  return d;
}

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'scratchseq-train-'));
  dirs.push(dir);
  return dir;
}
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

/**
 * A stand-in language model: embedding → dropout → tanh → linear → cross-entropy. Small, but
 * it has every ingredient that resume must reproduce: weights, AdamW moments, dropout masks
 * from the device's random stream. `poisonFrom` makes the loss NaN from that call on.
 */
class TinyLM extends nn.Module {
  wte: nn.Embedding;
  head: nn.Linear;
  drop: nn.Dropout;
  calls = 0;
  poisonFrom = Infinity;

  constructor(vocab: number, width: number, seed: number, dropout: number) {
    super();
    const generator = new Generator(seed);
    this.wte = new nn.Embedding(vocab, width, { generator });
    this.head = new nn.Linear(width, vocab, { generator });
    this.drop = new nn.Dropout(dropout);
  }

  forward(idx: Tensor, targets?: Tensor): { logits: Tensor; loss?: Tensor } {
    const h = this.drop.forward(this.wte.forward(idx)).tanh(); // (B, T, C)
    let logits = this.head.forward(h); // (B, T, V)
    if (this.training && ++this.calls >= this.poisonFrom) logits = logits.mul(Number.NaN);
    const [B, T, V] = logits.shape;
    const loss = targets
      ? crossEntropy(logits.reshape([B * T, V]), targets.reshape([B * T]))
      : undefined;
    return { logits, loss };
  }
}

const text = 'the quick brown fox jumps over the lazy dog. '.repeat(40);
const vocab = [...new Set(text)].sort();
const tokens = [...text].map((c) => vocab.indexOf(c));

const config: TrainingConfig = {
  maxIters: 8,
  batchSize: 4,
  blockSize: 16,
  gradAccumSteps: 2,
  learningRate: 3e-2,
  warmupIters: 2,
  evalInterval: 4,
  evalIters: 2,
  checkpointInterval: 4,
};

async function losses(trainer: Trainer, steps: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < steps; i++) out.push((await trainer.step()).loss);
  return out;
}

async function resumeIsExact(kind: 'cpu' | 'webgpu') {
  await use(kind);
  manualSeed(5);
  const straight = new Trainer(
    new TinyLM(vocab.length, 24, 1, 0.2),
    new TextDataset(tokens, { seed: 3 }),
    config,
  );
  const reference = await losses(straight, 8);
  const referenceEval = await straight.evaluate();

  manualSeed(5);
  const first = new Trainer(
    new TinyLM(vocab.length, 24, 1, 0.2),
    new TextDataset(tokens, { seed: 3 }),
    config,
  );
  const head = await losses(first, 4);
  const dir = await tempDir();
  await saveTrainerCheckpoint(dir, first.checkpoint(), { config: { vocab } });

  // A fresh process would start from other weights, another seed and another data position.
  manualSeed(999);
  const resumed = new Trainer(
    new TinyLM(vocab.length, 24, 77, 0.2),
    new TextDataset(tokens, { seed: 42 }),
    config,
  );
  const loaded = await loadTrainerCheckpoint(dir);
  expect(loaded.config).toEqual({ vocab });
  resumed.restore(loaded);
  expect(resumed.iter).toBe(4);
  expect(resumed.optimizer.stepCount).toBe(4);
  const tail = await losses(resumed, 4);
  expect([...head, ...tail]).toEqual(reference); // bit for bit
  expect(await resumed.evaluate()).toEqual(referenceEval);
  expect(reference[7]).toBeLessThan(reference[0]);
  expect(await readFile(join(dir, 'loss.svg'), 'utf8')).toMatch(/^<svg[^>]*>[\s\S]*<path d="M/);
}

describe('Trainer', () => {
  test('[cpu] resume after 4 steps reproduces an uninterrupted run bit for bit (dropout, accumulation, AdamW)', () =>
    resumeIsExact('cpu'));

  test('[webgpu] resume after 4 steps reproduces an uninterrupted run bit for bit', () =>
    resumeIsExact('webgpu'));

  test('[cpu] gradient accumulation: 2 micro-batches of 4 ≈ one batch of 8', async () => {
    await use('cpu');
    const run = async (batchSize: number, gradAccumSteps: number) => {
      const model = new TinyLM(vocab.length, 24, 1, 0);
      const trainer = new Trainer(model, new TextDataset(tokens, { seed: 3 }), {
        ...config,
        batchSize,
        gradAccumSteps,
      });
      const l = await losses(trainer, 3);
      return { l, w: await model.head.weight.toArray() };
    };
    const whole = await run(8, 1);
    const split = await run(4, 2);
    for (let i = 0; i < 3; i++) expect(split.l[i]).toBeCloseTo(whole.l[i], 5);
    let maxDiff = 0;
    for (let i = 0; i < whole.w.length; i++)
      maxDiff = Math.max(maxDiff, Math.abs(whole.w[i] - split.w[i]));
    expect(maxDiff).toBeLessThan(1e-5);
    // A different batch split is not the same run: the check above can fail.
    const other = await run(4, 1);
    expect(Math.abs(other.l[1] - whole.l[1])).toBeGreaterThan(1e-4);
  });

  test('[cpu] a non-finite loss stops training before the update and keeps the last good checkpoint', async () => {
    await use('cpu');
    const dir = await tempDir();
    const model = new TinyLM(vocab.length, 24, 1, 0);
    const trainer = new Trainer(model, new TextDataset(tokens, { seed: 3 }), config, {
      onCheckpoint: (c) => saveTrainerCheckpoint(dir, c).then(() => {}),
    });
    model.poisonFrom = 2 * 6 + 1; // the 7th step's first micro-batch
    const error = await trainer.run().catch((e) => e);
    expect(error).toBeInstanceOf(NonFiniteLossError);
    expect(error.message).toMatch(
      /training stopped at step 7: the loss is NaN .* The last good checkpoint \(step 4\) is kept; .*lower learningRate/,
    );
    expect(trainer.iter).toBe(6);
    // The weights in memory are those after step 6 (no NaN update), the file those of step 4.
    const w = await model.head.weight.toArray();
    expect(w.every(Number.isFinite)).toBe(true);
    const saved = await loadTrainerCheckpoint(dir);
    expect(saved.state.iter).toBe(4);
    expect((await saved.tensors['head.weight'].toArray()).every(Number.isFinite)).toBe(true);
  });

  test('[cpu] weight decay as nanoGPT: matrices and embeddings decay, biases do not', async () => {
    await use('cpu');
    const trainer = new Trainer(new TinyLM(vocab.length, 8, 1, 0), new TextDataset(tokens), config);
    const groups = trainer.optimizer.stateDict().param_groups;
    expect(groups.map((g) => g.weight_decay)).toEqual([0.1, 0]);
    const rank = (i: number) => trainer.optimizer.params[i].rank;
    expect(groups[0].params.map(rank)).toEqual([2, 2]); // wte.weight, head.weight
    expect(groups[1].params.map(rank)).toEqual([1]); // head.bias
  });

  test('learning-rate schedule: nanoGPT get_lr (linear warmup, cosine to min_lr)', () => {
    const c = resolveTrainingConfig({
      maxIters: 2000,
      batchSize: 1,
      blockSize: 1,
      learningRate: 1e-3,
      minLr: 1e-4,
      warmupIters: 100,
    });
    // nanoGPT train.py get_lr(it) evaluated by hand: warmup (it+1)/100, cosine over 1900 steps.
    expect(learningRateAt(c, 0)).toBeCloseTo(1e-5, 12);
    expect(learningRateAt(c, 99)).toBeCloseTo(1e-3, 12);
    expect(learningRateAt(c, 1050)).toBeCloseTo(
      1e-4 + 0.5 * 9e-4 * (1 + Math.cos(Math.PI * 0.5)),
      12,
    );
    expect(learningRateAt(c, 2000)).toBeCloseTo(1e-4, 12);
    expect(() => resolveTrainingConfig({ maxIters: 10, batchSize: 0, blockSize: 4 })).toThrow(
      /batchSize must be a positive integer, got 0/,
    );
  });
});
