// `pnpm bench hmm`: batched HMM throughput in sequences x steps x states^2 per second, the
// float64 CPU path and the float32 WebGPU path side by side on the same lattices, each GPU
// result checked against the CPU oracle in the same run before its timing counts. The sweep
// over sizes shows where the GPU path starts to win (the `GPU_WORK_THRESHOLD` crossover).
// Timings include upload and readback: that is what `fitAsync` and the *Async methods pay.
import { now, record, summarize } from '../../../bench/lib/timing.mjs';

const SIZES = [
  // [N, T, S]
  [4, 32, 4],
  [16, 64, 8],
  [32, 128, 8],
  [64, 128, 16],
  [64, 256, 32],
  [32, 128, 64],
];

function check(what, got, want, atol, rtol) {
  for (let i = 0; i < want.length; i++) {
    if (!(Math.abs(got[i] - want[i]) <= atol + rtol * Math.abs(want[i]))) {
      throw new Error(`${what}: entry ${i} is ${got[i]}, CPU oracle says ${want[i]}`);
    }
  }
}

/** Seconds per call: one warm-up, then samples of at least `minSeconds` each. */
async function time(fn, samples, minSeconds = 0.1) {
  await fn();
  const perCall = [];
  for (let s = 0; s < samples; s++) {
    const start = now();
    let reps = 0;
    do {
      await fn();
      reps++;
    } while (now() - start < minSeconds);
    perCall.push((now() - start) / reps);
  }
  return perCall;
}

export default async function hmmBench(ctx) {
  const hmm = await import('../dist/index.js');
  const { device, log } = ctx;
  const samples = Math.min(ctx.samples ?? 5, 5);
  const records = [];
  const algorithms = [
    {
      name: 'posteriors',
      cpu: (l) => hmm.posteriors(l, 'scaled'),
      gpu: (l) => hmm.gpuPosteriors(l, device),
      verify: (g, c) => {
        check('log P(O)', g.logLikelihood, c.logLikelihood, 1e-3, 1e-5);
        check('gamma', g.gamma, c.gamma, 1e-4, 1e-3);
      },
    },
    {
      name: 'viterbi',
      cpu: (l) => hmm.viterbi(l),
      gpu: (l) => hmm.gpuViterbi(l, device),
      verify: (g, c) =>
        check('Viterbi log P(O, Q*)', g.logProbability, c.logProbability, 1e-3, 1e-5),
    },
  ];
  const crossover = {};
  for (const [N, T, S] of SIZES) {
    const lattice = hmm.randomLattice(N, T, S, N + T + S);
    const work = N * T * S * S;
    const shape = `N=${N} T=${T} S=${S}`;
    for (const a of algorithms) {
      a.verify(await a.gpu(lattice), a.cpu(lattice));
      const cpuTimes = await time(() => a.cpu(lattice), samples);
      const gpuTimes = await time(() => a.gpu(lattice), samples);
      const rate = (times) => times.map((t) => work / t);
      const cpuRecord = record(
        `hmm-${a.name}`,
        shape,
        'scratchseq-cpu (JS float64)',
        'throughput',
        rate(cpuTimes),
        'sequences*steps*states^2/s',
      );
      const gpuRecord = record(
        `hmm-${a.name}`,
        shape,
        'scratchseq-webgpu (float32)',
        'throughput',
        rate(gpuTimes),
        'sequences*steps*states^2/s',
      );
      records.push(cpuRecord, gpuRecord);
      const ratio = gpuRecord.median / cpuRecord.median;
      log(
        `    ${a.name} ${shape} (work ${work.toExponential(2)}): gpu/cpu ${ratio.toFixed(2)}x, ` +
          `cpu ${(summarize(cpuTimes).median * 1e3).toFixed(2)} ms, gpu ${(summarize(gpuTimes).median * 1e3).toFixed(2)} ms`,
      );
      if (ratio > 1 && crossover[a.name] === undefined) crossover[a.name] = work;
    }
  }
  for (const [name, work] of Object.entries(crossover))
    log(
      `  ${name}: the GPU path first wins at work ${work.toExponential(2)} (threshold in the package: ${hmm.GPU_WORK_THRESHOLD.toExponential(2)})`,
    );
  return records;
}
