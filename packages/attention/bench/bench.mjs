// `pnpm bench attention`: fused vs composed scaled dot-product attention on the WebGPU device,
// forward and forward+backward, at the GPT shapes and a long sequence. Each timed system is
// checked first: the fused output and gradients must match the composed path (the oracle,
// itself tested against PyTorch) in the same run.
import { expectClose, randomFloats, record, timeReps } from '../../../bench/lib/timing.mjs';

const SHAPES = [
  { b: 12, h: 4, t: 64, d: 32 },
  { b: 16, h: 4, t: 128, d: 32 },
  { b: 2, h: 4, t: 512, d: 64 },
];

export default async function attentionBench(ctx) {
  const { scaledDotProductAttention } = await import('../dist/index.js');
  const { gpu, device, samples, log, quietWait } = ctx;
  const records = [];
  for (const { b, h, t, d } of SHAPES) {
    const shape = `B=${b} H=${h} T=${t} D=${d} causal`;
    const n = b * h * t * d;
    const make = (seed) =>
      gpu.tensor(randomFloats(n, seed), { shape: [b, h, t, d], device, requiresGrad: true });
    const [q, k, v] = [make(1), make(2), make(3)];
    const seedGrad = gpu.tensor(randomFloats(n, 4), { shape: [b, h, t, d], device });
    const systems = {
      'scratchseq fused': { causal: true },
      'scratchseq composed': { causal: true, composed: true },
    };
    // Correctness first: output and dq of both paths, fused against the composed oracle.
    const results = {};
    for (const [system, options] of Object.entries(systems)) {
      q.grad = null;
      const out = gpu.scope(() => {
        const { output } = scaledDotProductAttention(q, k, v, options);
        output.backward(seedGrad);
        return output;
      });
      results[system] = [await quietWait(out.toArray()), await quietWait(q.grad.toArray())];
      out.dispose();
    }
    const [fo, fdq] = results['scratchseq fused'];
    const [co, cdq] = results['scratchseq composed'];
    expectClose(`attention ${shape} fused output`, fo, co, 1e-4, 1e-3);
    expectClose(`attention ${shape} fused dq`, fdq, cdq, 1e-4, 2e-3);
    const flops = 4 * b * h * t * t * d * 0.5; // causal: half of the two (T×T×D) matmuls
    for (const [system, options] of Object.entries(systems)) {
      for (const pass of ['forward', 'forward+backward']) {
        const perRep = await timeReps(
          async (reps) => {
            for (let r = 0; r < reps; r++) {
              gpu.scope(() => {
                if (pass === 'forward') {
                  gpu.noGrad(() => scaledDotProductAttention(q, k, v, options));
                } else {
                  q.grad = null;
                  scaledDotProductAttention(q, k, v, options).output.backward(seedGrad);
                }
              });
            }
            await quietWait(device.sync());
          },
          { samples, minSeconds: 0.3, maxReps: 50 },
        );
        const ms = perRep.map((s) => s * 1e3);
        records.push(record(`attention ${pass}`, shape, system, 'time', ms, 'ms'));
        log(
          `  ${shape} ${pass} ${system}: ${(ms.sort((a, c) => a - c)[ms.length >> 1]).toFixed(2)} ms` +
            ` (${((flops * (pass === 'forward' ? 1 : 3.5)) / (perRep[0] * 1e9)).toFixed(2)} GFLOP/s)`,
        );
      }
    }
    for (const x of [q, k, v, seedGrad]) x.dispose();
  }
  return records;
}
