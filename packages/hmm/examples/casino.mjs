// The occasionally dishonest casino (Durbin et al., "Biological Sequence Analysis", §3.2):
// a fair die and a loaded one that shows six half the time. Decode which die was in play from
// the rolls, then learn the casino's parameters back from rolls alone with Baum-Welch.
//
//   pnpm --filter @scratchseq/hmm build && node examples/casino.mjs
import { pathToFileURL } from 'node:url';
import { CategoricalHMM } from '@scratchseq/hmm';

// State 0 is the fair die, state 1 the loaded one.
const LOADED = 1;

export const casino = {
  numStates: 2,
  numSymbols: 6, // faces 1..6 as symbols 0..5
  startProbs: [0.5, 0.5],
  transitionMatrix: [
    [0.95, 0.05],
    [0.1, 0.9],
  ],
  emissionMatrix: [
    [1 / 6, 1 / 6, 1 / 6, 1 / 6, 1 / 6, 1 / 6],
    [0.1, 0.1, 0.1, 0.1, 0.1, 0.5],
  ],
};

const format = (row) => row.map((p) => p.toFixed(3)).join(' ');

export function main({ log = console.log, evenings: numEvenings = 40, restarts = 3 } = {}) {
  const truth = new CategoricalHMM(casino);

  // 1. Decode one evening of 300 rolls.
  const evening = truth.sample(300, { seed: 2024 });
  const { paths } = truth.viterbi([evening.observations]);
  const posterior = truth.posteriorDecode([evening.observations])[0];
  const accuracy = (path) => path.filter((s, t) => s === evening.states[t]).length / path.length;
  const show = (states) => states.map((s) => (s === LOADED ? 'L' : 'F')).join('');
  log(
    'rolls    ',
    evening.observations
      .slice(0, 80)
      .map((o) => o + 1)
      .join(''),
  );
  log('die      ', show(evening.states.slice(0, 80)));
  log('viterbi  ', show(paths[0].slice(0, 80)));
  log('posterior', show(posterior.slice(0, 80)));
  const viterbiAccuracy = accuracy(paths[0]);
  const posteriorAccuracy = accuracy(posterior);
  log(
    `accuracy over 300 rolls: Viterbi ${viterbiAccuracy.toFixed(3)}, posterior ${posteriorAccuracy.toFixed(3)}`,
  );

  // 2. Learn the parameters back from many evenings of rolls, from several random starts.
  const evenings = Array.from(
    { length: numEvenings },
    (_, k) => truth.sample(300, { seed: k }).observations,
  );
  let best = null;
  for (let seed = 0; seed < restarts; seed++) {
    const model = new CategoricalHMM({ numStates: 2, numSymbols: 6 });
    const result = model.fit(evenings, { seed, maxIterations: 500, tolerance: 1e-6 });
    const logLikelihood = result.logLikelihoodHistory.at(-1);
    if (!best || logLikelihood > best.logLikelihood) best = { model, result, logLikelihood };
  }
  const { model, result } = best;
  // Name the learned states: the loaded die is the one that likes sixes.
  const B = model.emissionMatrix;
  const loaded = B[6 + 5] > B[5] ? 1 : 0;
  const fair = 1 - loaded;
  const A = model.transitionMatrix;
  const learned = {
    fairEmissions: Array.from(B.subarray(fair * 6, fair * 6 + 6)),
    loadedEmissions: Array.from(B.subarray(loaded * 6, loaded * 6 + 6)),
    fairToLoaded: A[fair * 2 + loaded],
    loadedToFair: A[loaded * 2 + fair],
  };
  log(`Baum-Welch: ${result.iterations} iterations, converged ${result.converged}`);
  log('learned fair die   ', format(learned.fairEmissions), '  (true 0.167 each)');
  log('learned loaded die ', format(learned.loadedEmissions), '  (true 0.1 ... 0.5)');
  log(
    `P(fair -> loaded) ${learned.fairToLoaded.toFixed(3)} (true 0.05), P(loaded -> fair) ${learned.loadedToFair.toFixed(3)} (true 0.1)`,
  );
  return { viterbiAccuracy, posteriorAccuracy, learned, result };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main();
