// `pnpm bench gpt`: a small GPT on the WebGPU device. Training: tokens/s of a full AdamW step
// (forward, backward, clip, update). Generation: tokens/s of greedy decoding with the KV cache,
// side by side with recomputing the whole context for every token (the ratio is the cache's
// gain). Checked in the same run: the training loss is finite and starts near ln(vocab), the
// cached logits equal full-recompute logits, and both decoders emit the same tokens.
import { expectClose, record, timeReps } from '../../../bench/lib/timing.mjs';

const CONFIGS = [
  { vocabSize: 65, blockSize: 64, nLayer: 4, nHead: 4, nEmbd: 128, batch: 8 },
  { vocabSize: 65, blockSize: 128, nLayer: 6, nHead: 6, nEmbd: 192, batch: 4 },
];
const NEW_TOKENS = 48;

/** Seeded token ids (mulberry32), so every run trains on the same batch. */
function tokens(n, vocab, seed) {
  let s = seed >>> 0;
  return Int32Array.from({ length: n }, () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), s | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) % vocab;
  });
}

export default async function gptBench(ctx) {
  const { GPT } = await import('../dist/index.js');
  const { gpu, device, samples, log, quietWait } = ctx;
  const records = [];
  for (const { batch, ...rest } of CONFIGS) {
    const config = { ...rest, dropout: 0, bias: true, tieWeights: true };
    const { vocabSize: V, blockSize: T, nLayer, nEmbd } = config;
    const shape = `L=${nLayer} C=${nEmbd} T=${T} V=${V}`;
    const gpt = new GPT(config, { seed: 0, device });
    const ids = (data, rows, cols) =>
      gpu.tensor(data, { shape: [rows, cols], dtype: 'i32', device });
    const stream = tokens(batch * T + 1, V, 1);
    const x = ids(stream.slice(0, batch * T), batch, T);
    const y = ids(stream.slice(1, batch * T + 1), batch, T);
    const params = gpt.parameters();
    const opt = new gpu.optim.AdamW(params, { lr: 1e-3, betas: [0.9, 0.95], weightDecay: 0.1 });
    const trainStep = () =>
      gpu.scope(() => {
        const { loss } = gpt.forward(x, y);
        loss.backward();
        gpu.optim.clipGradNorm(params, 1);
        opt.step();
        opt.zeroGrad();
        return loss;
      });

    // Correctness: the first loss is near ln V (random init), and every loss is finite.
    const first = trainStep();
    const firstLoss = await quietWait(first.item());
    first.dispose();
    if (!(Math.abs(firstLoss - Math.log(V)) < 0.5)) {
      throw new Error(
        `gpt ${shape}: initial loss ${firstLoss}, expected ≈ ln ${V} = ${Math.log(V)}`,
      );
    }
    let lastLoss = firstLoss;
    const perStep = await timeReps(
      async (reps) => {
        let loss;
        for (let r = 0; r < reps; r++) {
          loss?.dispose();
          loss = trainStep();
        }
        lastLoss = await quietWait(loss.item());
        loss.dispose();
      },
      { samples, minSeconds: 0.5, maxReps: 20 },
    );
    if (!Number.isFinite(lastLoss))
      throw new Error(`gpt ${shape}: training loss became ${lastLoss}`);
    const trainRate = perStep.map((s) => (batch * T) / s);
    records.push(
      record(
        'gpt train step',
        `${shape} B=${batch}`,
        'scratchseq webgpu',
        'throughput',
        trainRate,
        'tokens/s',
      ),
    );
    log(
      `  train ${shape} B=${batch}: ${trainRate[0].toFixed(0)} tokens/s, loss ${firstLoss.toFixed(3)} → ${lastLoss.toFixed(3)}`,
    );

    // Decoding, batch 1, greedy: with the KV cache, and by full recompute of the context.
    gpt.eval();
    const prompt = Array.from(tokens(8, V, 2));
    const fullGreedy = async () => {
      const seq = [...prompt];
      for (let i = 0; i < NEW_TOKENS; i++) {
        const ctxIds = seq.slice(-T);
        const last = gpu.scope(() =>
          gpu.noGrad(() => {
            const { logits } = gpt.forward(ids(Int32Array.from(ctxIds), 1, ctxIds.length));
            return gpu.argmax(logits.slice(1, ctxIds.length - 1, ctxIds.length), -1);
          }),
        );
        seq.push((await quietWait(last.toArray()))[0]);
        last.dispose();
      }
      return seq;
    };
    const cachedGreedy = () => gpt.generate(prompt, { maxNewTokens: NEW_TOKENS, greedy: true });
    const [a, b] = [await cachedGreedy(), await fullGreedy()];
    if (a.join() !== b.join())
      throw new Error(`gpt ${shape}: cached and full greedy decoding differ`);
    // Cached logits at every position equal the full forward's.
    const seqIds = ids(Int32Array.from(a.slice(0, T)), 1, Math.min(T, a.length));
    const full = await quietWait(gpu.noGrad(() => gpt.forward(seqIds).logits).toArray());
    const cache = gpt.createKVCache(1);
    const half = seqIds.shape[1] >> 1;
    const part1 = await quietWait(gpt.forwardCached(seqIds.slice(1, 0, half), cache).toArray());
    const part2 = await quietWait(gpt.forwardCached(seqIds.slice(1, half), cache).toArray());
    cache.dispose();
    const cached = new Float32Array(full.length);
    cached.set(part1);
    cached.set(part2, part1.length);
    expectClose(`gpt ${shape} cached logits`, cached, full, 1e-4, 1e-4);

    for (const [system, run] of [
      ['scratchseq webgpu, KV cache', cachedGreedy],
      ['scratchseq webgpu, full recompute', fullGreedy],
    ]) {
      const perRun = await timeReps(
        async (reps) => {
          for (let r = 0; r < reps; r++) await run();
        },
        { samples: Math.min(samples, 3), minSeconds: 0.5, maxReps: 5 },
      );
      const rate = perRun.map((s) => NEW_TOKENS / s);
      records.push(
        record(
          'gpt greedy decode',
          `${shape} prompt=8 new=${NEW_TOKENS}`,
          system,
          'throughput',
          rate,
          'tokens/s',
        ),
      );
      log(`  decode ${shape} ${system}: ${rate[0].toFixed(1)} tokens/s`);
    }
    gpt.dispose();
    for (const t of [x, y, seqIds]) t.dispose();
  }
  return records;
}
