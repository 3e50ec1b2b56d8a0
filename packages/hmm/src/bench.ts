import { posteriors } from './inference/forward-backward.js';
import type { HmmLattice } from './inference/lattice.js';
import { viterbi } from './inference/viterbi.js';
import { SeededRandom } from './random.js';

/** One benchmark measurement, in the shape `pnpm bench` collects. */
export interface BenchRecord {
  workload: string;
  /** e.g. 'N=64 T=256 S=16' */
  shape: string;
  /** What ran: backend and precision. */
  system: string;
  metric: string;
  median: number;
  min: number;
  max: number;
  unit: string;
  /** Number of timed repetitions. */
  samples: number;
}

export interface ThroughputOptions {
  /** N, sequences per batch. Default 64. */
  numSequences?: number;
  /** T, steps per sequence. Default 256. */
  numSteps?: number;
  /** S, hidden states. Default 16. */
  numStates?: number;
  /** Timed repetitions (after one warm-up). Default 5. */
  samples?: number;
  /** Which algorithms to time. Default all three. */
  /** Each sample repeats the algorithm until at least this long has passed. Default 0.05 s. */
  minSampleSeconds?: number;
  algorithms?: readonly ('forward-backward-scaled' | 'forward-backward-log' | 'viterbi')[];
  seed?: number;
}

/** A random dense lattice of the requested size (all sequences full length). */
export function randomLattice(N: number, T: number, S: number, seed = 0): HmmLattice {
  const random = new SeededRandom(seed);
  const startProbs = random.simplex(S);
  const transitionMatrix = new Float64Array(S * S);
  for (let i = 0; i < S; i++) transitionMatrix.set(random.simplex(S), i * S);
  const logEmissions = Float64Array.from({ length: N * T * S }, () =>
    Math.log(0.05 + random.uniform()),
  );
  return {
    numSequences: N,
    maxLength: T,
    lengths: new Int32Array(N).fill(T),
    numStates: S,
    startProbs,
    transitionMatrix,
    logEmissions,
  };
}

/**
 * CPU throughput of the batched HMM algorithms in sequences x steps x states^2 per second
 * (the work of one forward or Viterbi recursion). Forward-backward counts as one unit per
 * cell although it does both passes plus posteriors, so its figure is comparable across
 * backends, not across algorithms.
 */
export function measureThroughput(options: ThroughputOptions = {}): BenchRecord[] {
  const N = options.numSequences ?? 64;
  const T = options.numSteps ?? 256;
  const S = options.numStates ?? 16;
  const samples = options.samples ?? 5;
  const minSampleSeconds = options.minSampleSeconds ?? 0.05;
  const algorithms = options.algorithms ?? [
    'forward-backward-scaled',
    'forward-backward-log',
    'viterbi',
  ];
  const lattice = randomLattice(N, T, S, options.seed ?? 0);
  const work = N * T * S * S;
  const records: BenchRecord[] = [];
  for (const algorithm of algorithms) {
    const run = () => {
      if (algorithm === 'viterbi') viterbi(lattice);
      else posteriors(lattice, algorithm === 'forward-backward-scaled' ? 'scaled' : 'log');
    };
    run(); // warm-up: JIT compilation
    const rates: number[] = [];
    for (let k = 0; k < samples; k++) {
      const start = performance.now();
      let repetitions = 0;
      let seconds = 0;
      do {
        run();
        repetitions++;
        seconds = (performance.now() - start) / 1000;
      } while (seconds < minSampleSeconds);
      rates.push((work * repetitions) / seconds);
    }
    rates.sort((a, b) => a - b);
    const middle = Math.floor(rates.length / 2);
    const median = rates.length % 2 ? rates[middle] : (rates[middle - 1] + rates[middle]) / 2;
    records.push({
      workload: `hmm-${algorithm}`,
      shape: `N=${N} T=${T} S=${S}`,
      system: 'cpu (JavaScript, float64)',
      metric: 'throughput',
      median,
      min: rates[0],
      max: rates[rates.length - 1],
      unit: 'sequences*steps*states^2/s',
      samples,
    });
  }
  return records;
}
