import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { beamSearch } from '@scratchseq/decoding';
import { type Device, init, manualSeed, type Tensor } from '@scratchseq/gpu';
import { loadCheckpoint } from '@scratchseq/gpu/node';
import {
  BpeTokenizer,
  CharTokenizer,
  GPT,
  type GPTConfig,
  gptNextTokenModel,
  TextDataset,
  type Tokenizer,
  type TokenizerJSON,
  Trainer,
  tokenizerFromJSON,
} from '@scratchseq/transformer';
import {
  fileCheckpointer,
  LOSS_CHART_FILE,
  loadTrainerCheckpoint,
} from '@scratchseq/transformer/node';
import { type ConfigFlags, type RunConfig, resolveRunConfig } from './config.js';
import { formatSeconds, progressBar } from './progress.js';

export const DEFAULT_DATA = new URL('../data/corpus.txt', import.meta.url).pathname;
export const DEFAULT_OUT = new URL('../out', import.meta.url).pathname;

/** Where output goes: the CLI prints; tests collect. */
export interface Io {
  log(line: string): void;
  /** Draw a progress bar (a TTY); otherwise print a line every ~10% of the run. */
  progressBar: boolean;
}

export interface SampleFlags {
  prompt?: string;
  tokens: number;
  samples: number;
  temperature: number;
  topK?: number;
  topP?: number;
  greedy?: boolean;
  beam?: number;
  sampleSeed: number;
}

export interface TrainFlags extends ConfigFlags, SampleFlags {
  data?: string;
  out: string;
  resume?: boolean;
  backend: 'auto' | 'webgpu' | 'cpu';
}

/** What a checkpoint's config.json holds for this job. */
interface SavedJobConfig {
  model: GPTConfig;
  tokenizer: TokenizerJSON;
  run: RunConfig;
  data: string;
}

let device: Promise<Device> | undefined;
function getDeviceOnce(backend: TrainFlags['backend']): Promise<Device> {
  device ??= init({ backend });
  return device;
}

function buildTokenizer(text: string, config: RunConfig['tokenizer'], io: Io): Tokenizer {
  if (config.type === 'char') return CharTokenizer.fromText(text);
  const start = performance.now();
  const tokenizer = BpeTokenizer.train(text, { vocabSize: config.vocabSize });
  io.log(
    `trained a byte-level BPE tokenizer: ${tokenizer.vocabSize} tokens in ${((performance.now() - start) / 1000).toFixed(1)} s`,
  );
  return tokenizer;
}

/** Draws samples with the chosen decoding and prints them. */
export async function printSamples(
  gpt: GPT,
  tokenizer: Tokenizer,
  flags: SampleFlags,
  io: Io,
  heading: string,
): Promise<string[]> {
  let promptIds: number[];
  if (flags.prompt === undefined) {
    // Default: start after a newline when the vocabulary has one, else from token 0.
    try {
      promptIds = tokenizer.encode('\n');
    } catch {
      promptIds = [0];
    }
  } else {
    try {
      promptIds = tokenizer.encode(flags.prompt);
    } catch (e) {
      throw new Error(`the prompt cannot be encoded: ${(e as Error).message}`);
    }
  }
  if (promptIds.length === 0) promptIds = [0];
  const texts: string[] = [];
  if (flags.beam !== undefined && flags.beam > 0) {
    const model = gptNextTokenModel(gpt);
    const wasTraining = gpt.training;
    gpt.eval();
    try {
      const result = await beamSearch(model, promptIds, {
        numBeams: flags.beam,
        maxLength: flags.tokens,
        numReturnSequences: Math.min(flags.samples, flags.beam),
      });
      for (const h of result.sequences) texts.push(tokenizer.decode([...promptIds, ...h.tokens]));
    } finally {
      model.dispose();
      gpt.train(wasTraining);
    }
  } else {
    for (let i = 0; i < flags.samples; i++) {
      const ids = await gpt.generate(promptIds, {
        maxNewTokens: flags.tokens,
        temperature: flags.temperature,
        topK: flags.topK,
        topP: flags.topP,
        greedy: flags.greedy,
        seed: flags.sampleSeed + i,
      });
      texts.push(tokenizer.decode(ids));
      if (flags.greedy) break;
    }
  }
  io.log(heading);
  for (const [i, t] of texts.entries()) io.log(`--- sample ${i + 1} ---\n${t.trimEnd()}`);
  return texts;
}

export interface TrainResult {
  iters: number;
  finalTrainLoss: number;
  finalValLoss: number;
  firstLoss: number;
  seconds: number;
  samples: string[];
}

/** Trains (or resumes) and leaves a checkpoint and a loss curve in `flags.out`. */
export async function trainCommand(flags: TrainFlags, io: Io): Promise<TrainResult> {
  const started = performance.now();
  const out = resolve(flags.out);
  const dev = await getDeviceOnce(flags.backend);
  io.log(`device: ${dev.describe()}`);

  let run: RunConfig;
  let tokenizer: Tokenizer;
  let dataPath: string;
  let gpt: GPT;
  let restored: Awaited<ReturnType<typeof loadTrainerCheckpoint>> | undefined;
  if (flags.resume) {
    restored = await loadTrainerCheckpoint(out, { device: dev });
    const saved = restored.config as SavedJobConfig;
    run = saved.run;
    tokenizer = tokenizerFromJSON(saved.tokenizer);
    dataPath = flags.data ? resolve(flags.data) : saved.data;
    gpt = new GPT(saved.model, { seed: run.seed, device: dev });
    io.log(`resuming from ${out} at step ${restored.state.iter}`);
  } else {
    run = resolveRunConfig(flags);
    dataPath = resolve(flags.data ?? DEFAULT_DATA);
    tokenizer = buildTokenizer(readFileSync(dataPath, 'utf8'), run.tokenizer, io);
    gpt = new GPT(
      { ...run.model, vocabSize: tokenizer.vocabSize },
      { seed: run.seed, device: dev },
    );
  }
  let text: string;
  try {
    text = readFileSync(dataPath, 'utf8');
  } catch (e) {
    throw new Error(
      `cannot read the training text ${dataPath}: ${(e as Error).message}; pass a text file with --data`,
    );
  }
  const tokens = tokenizer.encode(text);
  const dataset = new TextDataset(tokens, { trainFraction: run.trainFraction, seed: run.seed });
  manualSeed(run.seed, dev);

  const training = restored ? { ...restored.state.config } : { ...run.training };
  if (restored && flags.iters !== undefined) training.maxIters = flags.iters;
  const jobConfig: SavedJobConfig = {
    model: gpt.config,
    tokenizer: tokenizer.toJSON(),
    run,
    data: dataPath,
  };
  const progress = progressBar(
    training.maxIters,
    restored?.state.iter ?? 0,
    io.progressBar,
    io.log,
  );
  const trainer = new Trainer(gpt, dataset, training, {
    onStep: (e) => progress.update(e),
    onEval: (e) =>
      progress.log(
        `step ${e.iter}: train loss ${e.trainLoss.toFixed(4)}, val loss ${e.valLoss.toFixed(4)}`,
      ),
    onSample: async (iter) => {
      await printSamples(
        gpt,
        tokenizer,
        { ...flags, samples: 1 },
        { ...io, log: progress.log },
        `sample at step ${iter}:`,
      );
    },
    onCheckpoint: fileCheckpointer(out, {
      config: jobConfig,
      chartTitle: `GPT on ${dataPath.split('/').at(-1)}`,
    }),
  });
  if (restored) {
    trainer.restore(restored);
    for (const t of Object.values(restored.tensors) as Tensor[]) t.dispose();
    if (trainer.iter >= training.maxIters) {
      progress.stop();
      throw new Error(
        `the checkpoint in ${out} is already at step ${trainer.iter}; pass --iters with a larger number to train further`,
      );
    }
  }
  const params = gpt.parameters().reduce((n, p) => n + p.size, 0);
  io.log(
    `model: ${gpt.config.nLayer} layers, ${gpt.config.nHead} heads, width ${gpt.config.nEmbd}, context ${gpt.config.blockSize}, ${(params / 1e3).toFixed(1)}k parameters; vocabulary ${tokenizer.vocabSize}; ${tokens.length} tokens (${dataset.train.length} train / ${dataset.val.length} val)`,
  );
  if (!restored) {
    const initial = await trainer.evaluate();
    trainer.history.evals.push(initial);
    io.log(
      `step 0: train loss ${initial.trainLoss.toFixed(4)}, val loss ${initial.valLoss.toFixed(4)} (uniform guess: ${Math.log(tokenizer.vocabSize).toFixed(4)})`,
    );
  }
  try {
    await trainer.run();
  } finally {
    progress.stop();
  }
  const last = trainer.history.evals.at(-1)!;
  const samples = await printSamples(
    gpt,
    tokenizer,
    flags,
    io,
    `samples after ${trainer.iter} steps:`,
  );
  const seconds = (performance.now() - started) / 1000;
  io.log(
    `checkpoint: ${out} (step ${trainer.iter})\nloss curve: ${join(out, LOSS_CHART_FILE)}\ndone in ${formatSeconds(seconds)}`,
  );
  return {
    iters: trainer.iter,
    finalTrainLoss: last.trainLoss,
    finalValLoss: last.valLoss,
    firstLoss: trainer.history.train[0]?.[1] ?? Number.NaN,
    seconds,
    samples,
  };
}

/** Loads the checkpoint in `flags.out` and prints samples. */
export async function sampleCommand(flags: TrainFlags, io: Io): Promise<string[]> {
  const out = resolve(flags.out);
  const dev = await getDeviceOnce(flags.backend);
  const loaded = await loadCheckpoint(out, { device: dev });
  const saved = loaded.config as SavedJobConfig;
  if (!saved?.model || !saved.tokenizer) {
    throw new Error(
      `${out} holds a checkpoint without a GPT config and tokenizer; train one with this command first`,
    );
  }
  const gpt = new GPT(saved.model, { seed: 0, device: dev });
  const weights = Object.fromEntries(
    Object.entries(loaded.tensors).filter(([k]) => !k.startsWith('optim.')),
  );
  gpt.loadStateDict(weights);
  for (const t of Object.values(loaded.tensors)) t.dispose();
  const iter = (loaded.state as { iter?: number } | undefined)?.iter;
  return printSamples(
    gpt,
    tokenizerFromJSON(saved.tokenizer),
    flags,
    io,
    `samples from ${out}${iter === undefined ? '' : ` (step ${iter})`}:`,
  );
}
