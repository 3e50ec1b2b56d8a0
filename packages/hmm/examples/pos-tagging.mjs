// Part-of-speech-style tagging on a small synthetic tagged corpus. Words like "saw", "fish"
// and "can" are nouns or verbs depending on context, so a per-word lookup cannot tag them;
// an HMM tagger (supervised counts + Viterbi) and a linear-chain CRF (trained by gradient
// ascent on its exact log-likelihood) both use the neighbouring tags.
//
//   pnpm --filter @scratchseq/hmm build && node examples/pos-tagging.mjs
import { pathToFileURL } from 'node:url';
import { CategoricalHMM, LinearChainCRF, SeededRandom } from '@scratchseq/hmm';

export const TAGS = ['DET', 'ADJ', 'NOUN', 'VERB', 'ADP', 'PRON'];
const WORDS = {
  DET: ['the', 'a', 'every'],
  ADJ: ['old', 'red', 'quick', 'small'],
  NOUN: ['dog', 'man', 'park', 'telescope', 'saw', 'fish', 'can'],
  VERB: ['sees', 'likes', 'walks', 'saw', 'fish', 'can'],
  ADP: ['in', 'with', 'near'],
  PRON: ['she', 'he', 'they'],
};
const AMBIGUOUS = new Set(['saw', 'fish', 'can']);

/** S -> NP VP; NP -> PRON | DET (ADJ) NOUN; VP -> VERB NP (ADP NP). Returns [word, tag] pairs. */
function sentence(random) {
  const out = [];
  const pick = (tag) => out.push([WORDS[tag][random.integer(WORDS[tag].length)], tag]);
  const nounPhrase = () => {
    if (random.uniform() < 0.25) return pick('PRON');
    pick('DET');
    if (random.uniform() < 0.4) pick('ADJ');
    pick('NOUN');
  };
  nounPhrase();
  pick('VERB');
  nounPhrase();
  if (random.uniform() < 0.4) {
    pick('ADP');
    nounPhrase();
  }
  return out;
}

export function corpus(count, seed) {
  const random = new SeededRandom(seed);
  return Array.from({ length: count }, () => sentence(random));
}

function accuracy(gold, predicted, only = () => true) {
  let right = 0;
  let total = 0;
  for (let n = 0; n < gold.length; n++) {
    for (let t = 0; t < gold[n].length; t++) {
      const [word, tag] = gold[n][t];
      if (!only(word)) continue;
      total++;
      if (TAGS[predicted[n][t]] === tag) right++;
    }
  }
  return right / total;
}

/** CRF with emissions[t][k] = W[word_t][k], trained by full-batch gradient ascent. */
function trainCrf(train, vocabulary, { epochs, learningRate, seed }) {
  const K = TAGS.length;
  const crf = new LinearChainCRF(K, { seed });
  const W = new Float64Array(vocabulary.size * K);
  const T = Math.max(...train.map((s) => s.length));
  const ids = train.map((s) => s.map(([w]) => vocabulary.get(w)));
  const tags = train.map((s) =>
    Array.from({ length: T }, (_, t) => (t < s.length ? TAGS.indexOf(s[t][1]) : 0)),
  );
  const mask = train.map((s) => Array.from({ length: T }, (_, t) => (t < s.length ? 1 : 0)));
  const emissionsOf = () => {
    const data = new Float64Array(train.length * T * K); // (B, T, K)
    for (let b = 0; b < ids.length; b++) {
      for (let t = 0; t < ids[b].length; t++) {
        data.set(W.subarray(ids[b][t] * K, ids[b][t] * K + K), (b * T + t) * K);
      }
    }
    return { data, shape: [train.length, T, K] };
  };
  const history = [];
  for (let epoch = 0; epoch < epochs; epoch++) {
    const { logLikelihood, gradients } = crf.logLikelihoodWithGradients(
      emissionsOf(),
      tags,
      mask,
      'mean',
    );
    history.push(logLikelihood);
    // d/dW[word] is the sum of the emission gradients at the word's positions.
    for (let b = 0; b < ids.length; b++) {
      for (let t = 0; t < ids[b].length; t++) {
        for (let k = 0; k < K; k++) {
          W[ids[b][t] * K + k] += learningRate * gradients.emissions[(b * T + t) * K + k];
        }
      }
    }
    for (const name of ['start_transitions', 'end_transitions', 'transitions']) {
      for (let k = 0; k < crf[name].length; k++) crf[name][k] += learningRate * gradients[name][k];
    }
  }
  const decode = (sentences) => {
    const Tn = Math.max(...sentences.map((s) => s.length));
    const data = new Float64Array(sentences.length * Tn * K);
    for (let b = 0; b < sentences.length; b++) {
      for (let t = 0; t < sentences[b].length; t++) {
        const id = vocabulary.get(sentences[b][t][0]);
        if (id !== undefined) data.set(W.subarray(id * K, id * K + K), (b * Tn + t) * K);
      }
    }
    const m = sentences.map((s) => Array.from({ length: Tn }, (_, t) => (t < s.length ? 1 : 0)));
    return crf.decode({ data, shape: [sentences.length, Tn, K] }, m);
  };
  return { decode, history };
}

export function main({ log = console.log, trainSize = 400, testSize = 200, crfEpochs = 60 } = {}) {
  const train = corpus(trainSize, 1);
  const test = corpus(testSize, 2);
  const vocabulary = new Map();
  for (const sent of [...train, ...test])
    for (const [w] of sent) if (!vocabulary.has(w)) vocabulary.set(w, vocabulary.size);
  const encode = (sentences) => sentences.map((s) => s.map(([w]) => vocabulary.get(w)));

  // Baseline: the most frequent tag of each word in training.
  const counts = new Map();
  for (const sent of train) {
    for (const [w, tag] of sent) {
      const c = counts.get(w) ?? new Array(TAGS.length).fill(0);
      c[TAGS.indexOf(tag)]++;
      counts.set(w, c);
    }
  }
  const baseline = test.map((s) =>
    s.map(([w]) => (counts.get(w) ?? [1]).reduce((b, c, k, a) => (c > a[b] ? k : b), 0)),
  );

  // HMM tagger: tags are hidden states, words are symbols; supervised estimate then Viterbi.
  const hmm = new CategoricalHMM({ numStates: TAGS.length, numSymbols: vocabulary.size });
  hmm.fitLabeled(
    encode(train),
    train.map((s) => s.map(([, tag]) => TAGS.indexOf(tag))),
    { emissionPseudocount: 0.01, transitionPseudocount: 0.01, startPseudocount: 0.01 },
  );
  const hmmTags = hmm.viterbi(encode(test)).paths;

  const crf = trainCrf(train, vocabulary, { epochs: crfEpochs, learningRate: 1, seed: 0 });
  const crfTags = crf.decode(test);

  const results = {
    baseline: {
      all: accuracy(test, baseline),
      ambiguous: accuracy(test, baseline, (w) => AMBIGUOUS.has(w)),
    },
    hmm: {
      all: accuracy(test, hmmTags),
      ambiguous: accuracy(test, hmmTags, (w) => AMBIGUOUS.has(w)),
    },
    crf: {
      all: accuracy(test, crfTags),
      ambiguous: accuracy(test, crfTags, (w) => AMBIGUOUS.has(w)),
    },
    crfLogLikelihood: crf.history,
  };
  const example = test.find((s) => s.some(([w]) => AMBIGUOUS.has(w)));
  const n = test.indexOf(example);
  log('sentence ', example.map(([w]) => w).join(' '));
  log('gold     ', example.map(([, t]) => t).join(' '));
  log('HMM      ', hmmTags[n].map((k) => TAGS[k]).join(' '));
  log('CRF      ', crfTags[n].map((k) => TAGS[k]).join(' '));
  for (const name of ['baseline', 'hmm', 'crf']) {
    log(
      `${name.padEnd(9)} accuracy ${results[name].all.toFixed(3)}, on saw/fish/can ${results[name].ambiguous.toFixed(3)}`,
    );
  }
  log(
    `CRF mean log-likelihood per sentence: ${crf.history[0].toFixed(3)} -> ${crf.history.at(-1).toFixed(3)}`,
  );
  return results;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main();
