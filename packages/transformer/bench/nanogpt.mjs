// `pnpm bench nanogpt-cpu`: nanoGPT's CPU shakespeare_char run (README: --device=cpu
// --block_size=64 --batch_size=12 --n_layer=4 --n_head=4 --n_embd=128 --max_iters=2000
// --lr_decay_iters=2000 --dropout=0.0 --eval_iters=20; nanoGPT reports val loss ~1.88) on
// ScratchSeq's WebGPU device, side by side with the same model and hyperparameters in PyTorch
// on the CPU (nanogpt_torch.py), plus training throughput at context 128, batch 16.
//
// Environment: NANOGPT_ITERS (default 2000) shortens both runs; NANOGPT_TORCH_ITERS overrides
// it for PyTorch alone; NANOGPT_THROUGHPUT_STEPS (default 8) times the (128, 16) case;
// NANOGPT_TORCH_THREADS (default 0: torch's own choice); NANOGPT_DATA (default ../shared/data/tinyshakespeare.txt).
// A short run keeps the full run's schedule (warmup 100, cosine over 2,000 steps), so its
// steps are the full run's first steps; its step rate gives the full run's time estimate.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const FULL_ITERS = 2000;
const MODEL = { nLayer: 4, nHead: 4, nEmbd: 128, dropout: 0, bias: false, tieWeights: true };
const TRAIN = {
  learningRate: 1e-3,
  minLr: 1e-4,
  warmupIters: 100,
  lrDecayIters: FULL_ITERS,
  betas: [0.9, 0.99],
  weightDecay: 0.1,
  gradClip: 1,
  evalInterval: 250,
  evalIters: 20,
};

function summary(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { median, min: sorted[0], max: sorted.at(-1), samples: values.length };
}

function record(shape, system, metric, values, unit, extra = {}) {
  return { workload: 'nanogpt-cpu', shape, system, metric, ...summary(values), unit, ...extra };
}

/** Throws unless a run learned: finite losses, starting near ln(vocab) and going down. */
function checkLearning(what, vocab, firstLoss, lastLoss, slack = 0.3) {
  if (!(Number.isFinite(firstLoss) && Number.isFinite(lastLoss))) {
    throw new Error(`${what}: non-finite loss (${firstLoss} → ${lastLoss})`);
  }
  if (Math.abs(firstLoss - Math.log(vocab)) > 0.5) {
    throw new Error(
      `${what}: first loss ${firstLoss} is far from ln(${vocab}) = ${Math.log(vocab)}`,
    );
  }
  if (!(lastLoss < firstLoss - slack)) {
    throw new Error(`${what}: the loss did not fall (${firstLoss} → ${lastLoss})`);
  }
}

export default async function nanogptBench(ctx) {
  const { log } = ctx;
  const iters = Number(process.env.NANOGPT_ITERS ?? FULL_ITERS);
  const torchIters = Number(process.env.NANOGPT_TORCH_ITERS ?? iters);
  const throughputSteps = Number(process.env.NANOGPT_THROUGHPUT_STEPS ?? 8);
  // 0: PyTorch's own choice. On a busy 2-core machine OpenMP with 2 threads measured ~40× slower
  // than 1 thread (spinning workers), so the default is torch's (here 1); set 2 to compare.
  const threads = Number(process.env.NANOGPT_TORCH_THREADS ?? 0);
  const dataPath = resolve(
    process.env.NANOGPT_DATA ?? resolve(here, '../../../../shared/data/tinyshakespeare.txt'),
  );
  const T = await import('../dist/index.js');
  const text = readFileSync(dataPath, 'utf8');
  const tokenizer = T.CharTokenizer.fromText(text);
  const ids = tokenizer.encode(text);
  const vocab = tokenizer.vocabSize;
  log(`  data: ${dataPath} (${text.length} characters, vocabulary ${vocab}); ${iters} iterations`);
  const records = [];
  const shapeOf = (t, b, n) => `L4 H4 C128 T${t} B${b}${n === undefined ? '' : ` ${n} it`}`;

  /** Trains on the device; returns per-step token rates (after 3 warm-up steps), evals, time. */
  async function runScratchSeq(blockSize, batchSize, steps, withEval) {
    ctx.gpu.manualSeed(1337, ctx.device);
    const gpt = new T.GPT(
      { ...MODEL, vocabSize: vocab, blockSize },
      { seed: 1337, device: ctx.device },
    );
    const rates = [];
    const trainer = new T.Trainer(
      gpt,
      new T.TextDataset(ids, { trainFraction: 0.9, seed: 1337 }),
      {
        ...TRAIN,
        maxIters: steps,
        batchSize,
        blockSize,
        evalInterval: withEval ? TRAIN.evalInterval : 0,
      },
      {
        onStep: (e) => {
          if (e.iter > 3 || steps <= 3) rates.push(e.tokensPerSecond);
          if (e.iter % 25 === 0 || e.iter === steps) {
            log(
              `    step ${e.iter}/${steps} loss ${e.loss.toFixed(4)} ${Math.round(e.tokensPerSecond)} tok/s ETA ${Math.round(e.etaSeconds)} s`,
            );
          }
        },
        onEval: (e) =>
          log(`    eval at ${e.iter}: train ${e.trainLoss.toFixed(4)} val ${e.valLoss.toFixed(4)}`),
      },
    );
    const start = performance.now();
    if (withEval) {
      const initial = await trainer.evaluate();
      trainer.history.evals.push(initial);
      log(`    eval at 0: train ${initial.trainLoss.toFixed(4)} val ${initial.valLoss.toFixed(4)}`);
    }
    await trainer.run();
    const wall = (performance.now() - start) / 1000;
    const losses = trainer.history.train.map(([, l]) => l);
    gpt.dispose();
    trainer.optimizer.dispose();
    return { rates, wall, losses, evals: trainer.history.evals };
  }

  log(`  scratchseq (${ctx.device.describe()}): T64 B12, ${iters} iterations`);
  const main = await ctx.attempt('scratchseq nanogpt run', async () => {
    const r = await runScratchSeq(64, 12, iters, true);
    const last = r.evals.at(-1);
    checkLearning('scratchseq T64 B12', vocab, r.losses[0], last.valLoss, iters >= 50 ? 0.3 : 0.05);
    return r;
  });
  if (main) {
    const shape = shapeOf(64, 12, iters);
    const stepSeconds = (64 * 12) / summary(main.rates).median;
    records.push(record(shape, 'scratchseq-webgpu', 'train tokens/s', main.rates, 'tok/s'));
    records.push(
      record(shape, 'scratchseq-webgpu', 'final val loss', [main.evals.at(-1).valLoss], 'nats'),
    );
    records.push(record(shape, 'scratchseq-webgpu', 'wall time', [main.wall], 's'));
    records.push(
      record(
        shapeOf(64, 12, FULL_ITERS),
        'scratchseq-webgpu',
        'estimated full-run time',
        [stepSeconds * FULL_ITERS],
        's',
        {
          note: 'median step time × 2000, evaluations excluded',
        },
      ),
    );
  }
  log(`  scratchseq: T128 B16, ${throughputSteps} steps`);
  const wide = await ctx.attempt('scratchseq T128 B16', async () => {
    const r = await runScratchSeq(128, 16, throughputSteps, false);
    checkLearning('scratchseq T128 B16', vocab, r.losses[0], r.losses.at(-1), 0.01);
    return r;
  });
  if (wide)
    records.push(
      record(shapeOf(128, 16), 'scratchseq-webgpu', 'train tokens/s', wide.rates, 'tok/s'),
    );

  // PyTorch, same model and hyperparameters, on the CPU.
  const script = resolve(here, 'nanogpt_torch.py');
  const torch = (args) => {
    const r = spawnSync(
      ctx.python,
      [script, '--data', dataPath, '--threads', String(threads), ...args],
      {
        encoding: 'utf8',
        maxBuffer: 1 << 26,
      },
    );
    if (r.status !== 0) throw new Error(r.stderr.trim().split('\n').at(-1));
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const config = lines.find((l) => l.config)?.config;
    if (config) {
      log(
        `  PyTorch ${config.torch}: ${config.threads} threads, BLAS ${config.blas}, mkldnn ${config.mkldnn}, ${config.parallel}`,
      );
    }
    return { lines, config };
  };
  log(`  pytorch-cpu: T64 B12, ${torchIters} iterations`);
  const torchMain = await ctx.attempt('pytorch nanogpt run', async () => {
    const { lines, config } = torch([
      '--iters',
      String(torchIters),
      '--lr-decay-iters',
      String(FULL_ITERS),
    ]);
    for (const e of lines.filter((l) => l.event === 'eval'))
      log(`    eval at ${e.iter}: train ${e.train.toFixed(4)} val ${e.val.toFixed(4)}`);
    const done = lines.find((l) => l.event === 'done');
    checkLearning(
      'pytorch T64 B12',
      vocab,
      done.first_loss,
      done.final_val,
      torchIters >= 50 ? 0.3 : 0.05,
    );
    return { done, config };
  });
  if (torchMain) {
    const { done, config } = torchMain;
    const shape = shapeOf(64, 12, torchIters);
    const extra = { threads: config.threads, blas: config.blas };
    records.push(record(shape, 'pytorch-cpu', 'train tokens/s', done.tokens_per_s, 'tok/s', extra));
    records.push(record(shape, 'pytorch-cpu', 'final val loss', [done.final_val], 'nats', extra));
    records.push(record(shape, 'pytorch-cpu', 'wall time', [done.wall_s], 's', extra));
  }
  log(`  pytorch-cpu: T128 B16, ${throughputSteps} steps`);
  const torchWide = await ctx.attempt('pytorch T128 B16', async () => {
    const { lines, config } = torch([
      '--block-size',
      '128',
      '--batch-size',
      '16',
      '--throughput',
      String(throughputSteps),
    ]);
    const r = lines.find((l) => l.event === 'throughput');
    checkLearning('pytorch T128 B16', vocab, r.first_loss, r.last_loss, 0.01);
    return { r, config };
  });
  if (torchWide) {
    records.push(
      record(shapeOf(128, 16), 'pytorch-cpu', 'train tokens/s', torchWide.r.tokens_per_s, 'tok/s', {
        threads: torchWide.config.threads,
        blas: torchWide.config.blas,
      }),
    );
  }
  // The headline ratio, measured side by side in this run.
  const rate = (system, shape) =>
    records.find(
      (r) => r.system === system && r.shape.startsWith(shape) && r.metric === 'train tokens/s',
    )?.median;
  for (const shape of ['L4 H4 C128 T64 B12', 'L4 H4 C128 T128 B16']) {
    const ours = rate('scratchseq-webgpu', shape);
    const theirs = rate('pytorch-cpu', shape);
    if (ours && theirs)
      log(`  ${shape}: scratchseq-webgpu / pytorch-cpu tokens/s = ${(ours / theirs).toFixed(2)}×`);
  }
  return records;
}
