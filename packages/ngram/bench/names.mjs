// Character-level n-gram benchmark on names.txt, and count memory at scale (not a CI test).
//
//   node packages/ngram/bench/names.mjs [path/to/names.txt] [--quick] [--zipf]
//
// Needs a build (`dist/`). Exports runNamesBench() returning records
// { workload, shape, system, metric, median, min, max, unit, samples } for aggregation.
// Test loss: 1,000 names held out by namesSplit (seed 42); for each order the smoothing is
// chosen on a validation set carved from the training names, then refit on all of them.
// `--quick` skips the test-loss search and runs only counting/query throughput; `--zipf`
// adds the memory measurement (runMemoryBench, a 10M-token corpus in a child process).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as ngram from '../dist/index.js';

const { NeuralNgramModel, NgramModel, namesSplit } = ngram;

const here = dirname(fileURLToPath(import.meta.url));
const DEFAULT_NAMES = resolve(here, '../../../../shared/data/names.txt');

const CANDIDATES = [
  { kind: 'modified-kneser-ney', discountFallback: [0.5, 1, 1.5] },
  { kind: 'kneser-ney', discount: 0.5 },
  { kind: 'kneser-ney', discount: 0.75 },
  { kind: 'kneser-ney', discount: 0.9 },
  { kind: 'witten-bell' },
  { kind: 'absolute-discounting', discount: 0.75 },
  { kind: 'katz' },
  { kind: 'lidstone', gamma: 0.01 },
  { kind: 'lidstone', gamma: 0.1 },
];

function label(spec) {
  const { kind, ...params } = spec;
  const shown = Object.entries(params).filter(([key]) => key !== 'discountFallback');
  return shown.length ? `${kind}(${shown.map(([k, v]) => `${k}=${v}`).join(',')})` : kind;
}

function summarize(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    median: sorted[Math.floor(sorted.length / 2)],
    min: sorted[0],
    max: sorted.at(-1),
    samples: values.length,
  };
}

function record(workload, shape, system, metric, values, unit) {
  return { workload, shape, system, metric, ...summarize(values), unit };
}

function timeIt(fn) {
  const start = process.hrtime.bigint();
  const result = fn();
  return { seconds: Number(process.hrtime.bigint() - start) / 1e9, result };
}

const toChars = (names) => names.map((name) => [...name]);

export function runNamesBench({
  namesPath = DEFAULT_NAMES,
  repeats = 5,
  zipf = false,
  losses = true,
  log = () => {},
} = {}) {
  const { train, test } = namesSplit(readFileSync(namesPath, 'utf8'));
  const trainChars = toChars(train);
  const testChars = toChars(test);
  const records = losses ? namesLosses(trainChars, testChars, log) : [];
  records.push(...namesThroughput(trainChars, testChars, { repeats, log }));
  if (zipf) records.push(...runMemoryBench({ log }));
  return records;
}

/** Test loss per order, smoothing chosen on a validation slice of the training names. */
function namesLosses(trainChars, testChars, log) {
  const records = [];
  const fitChars = trainChars.slice(1000);
  const validationChars = trainChars.slice(0, 1000);
  for (const order of [2, 3, 4, 5]) {
    let best = null;
    for (const spec of CANDIDATES) {
      const model = NgramModel.fit(fitChars, { order, estimator: spec, padding: 'single-end' });
      // Katz can leave no mass for unseen words after a context whose counts are all undiscounted
      // (d_r = 1); such a candidate simply loses (infinite loss).
      const loss = model.evaluate(validationChars, {
        breakdown: false,
        zeroProbability: 'infinity',
      }).crossEntropyNats;
      if (!Number.isFinite(loss)) {
        log(`order ${order}: ${label(spec)} gives some validation character probability 0`);
        continue;
      }
      records.push(
        record(
          'names-validation-loss',
          `order=${order}`,
          `ngram ${label(spec)}`,
          'validation loss',
          [loss],
          'nats/char',
        ),
      );
      if (!best || loss < best.loss) best = { spec, loss };
    }
    const model = NgramModel.fit(trainChars, {
      order,
      estimator: best.spec,
      padding: 'single-end',
    });
    const evaluation = model.evaluate(testChars, { breakdown: false });
    log(
      `order ${order}: ${label(best.spec)} test ${evaluation.crossEntropyNats.toFixed(4)} nats/char (${evaluation.tokenCount} chars, ${evaluation.oovCount} OOV)`,
    );
    records.push(
      record(
        'names-test-loss',
        `order=${order}`,
        `ngram ${label(best.spec)}`,
        'test loss',
        [evaluation.crossEntropyNats],
        'nats/char',
      ),
    );
  }
  return records;
}

/**
 * Counting throughput (every everygram up to order 5 of the training names) and query
 * throughput (P(char | 4 previous chars) under modified Kneser-Ney on the test names), with
 * the count bytes. `api` defaults to this package's build (a comparison can pass another).
 */
export function namesThroughput(trainChars, testChars, { repeats = 5, log = () => {}, api } = {}) {
  const { NgramCounts, NgramModel, Vocabulary, padSentence } = api ?? ngram;
  const records = [];
  const order = 5;
  const vocabulary = Vocabulary.fromSentences(trainChars, order, 'single-end');
  const padded = trainChars.map((name) =>
    vocabulary.lookup(padSentence(name, order, 'single-end')),
  );
  const predictedTokens = trainChars.reduce((sum, name) => sum + name.length + 1, 0);
  const countRates = [];
  let counts;
  for (let r = 0; r < repeats; r++) {
    const { seconds, result } = timeIt(() => NgramCounts.count(padded, order, vocabulary.size));
    counts = result;
    countRates.push(predictedTokens / seconds);
  }
  log(`counting: ${summarize(countRates).median.toFixed(0)} tokens/s`);
  records.push(
    record(
      'names-counting',
      `order=5 tokens=${predictedTokens}`,
      'ngram NgramCounts',
      'throughput',
      countRates,
      'tokens/s',
    ),
  );
  const ngrams = counts.distinctNgrams.reduce((a, b) => a + b, 0);
  records.push(
    record(
      'names-memory',
      `order=5 ngrams=${ngrams}`,
      'ngram NgramCounts',
      'count bytes',
      [counts.byteLength],
      'bytes',
    ),
  );
  records.push(
    record(
      'names-memory',
      `order=5 ngrams=${ngrams}`,
      'ngram NgramCounts',
      'bytes per n-gram',
      [counts.byteLength / ngrams],
      'bytes',
    ),
  );

  // Query throughput: P(char | 4 previous chars) under modified Kneser-Ney.
  const model = NgramModel.fit(trainChars, {
    order,
    estimator: CANDIDATES[0],
    padding: 'single-end',
  });
  records.push(
    record(
      'names-memory',
      `order=5 ngrams=${ngrams}`,
      'ngram modified-kneser-ney',
      'model bytes',
      [model.byteLength],
      'bytes',
    ),
  );
  const queries = [];
  for (const name of testChars) {
    const ids = model.vocabulary.lookup(padSentence(name, order, 'single-end'));
    for (let i = order - 1; i < ids.length; i++)
      queries.push([ids[i], ids.subarray(i - order + 1, i)]);
  }
  const queryRates = [];
  let sink = 0;
  for (let r = 0; r < repeats; r++) {
    const { seconds } = timeIt(() => {
      for (let pass = 0; pass < 10; pass++) {
        for (const [word, context] of queries) sink += model.probabilityOfIds(word, context);
      }
    });
    queryRates.push((queries.length * 10) / seconds);
  }
  if (!(sink > 0)) throw new Error('queries returned nothing');
  // Checked in the same run: the distribution after a few test contexts sums to 1.
  for (const [, context] of queries.slice(0, 20)) {
    let sum = 0;
    for (let word = 0; word < model.vocabulary.size; word++) {
      sum += model.probabilityOfIds(word, context);
    }
    if (Math.abs(sum - 1) > 1e-9) throw new Error(`query check: distribution sums to ${sum}`);
  }
  log(`queries: ${summarize(queryRates).median.toFixed(0)} queries/s`);
  records.push(
    record(
      'names-query',
      'order=5',
      'ngram modified-kneser-ney',
      'throughput',
      queryRates,
      'queries/s',
    ),
  );

  return records;
}

/**
 * Count memory at scale: `tokens` Zipf-distributed words (vocabulary 100k, exponent 1.1,
 * sentences of 20, mulberry32 seed 1) counted at order 5 — close to the worst case, since
 * almost every 4- and 5-gram is new. Runs in a child `node --expose-gc` so the heap is fresh:
 * MiB = (heapUsed + arrayBuffers) after counting minus before, each after a full GC, i.e.
 * everything the counts keep alive (typed arrays and objects), not what counting freed.
 * Also reports counting throughput and the child's peak RSS. `apiPath` picks the build.
 */
export function runMemoryBench({ tokens = 10_000_000, apiPath, log = () => {} } = {}) {
  const api = apiPath ?? resolve(here, '../dist/index.js');
  const output = execFileSync(
    process.execPath,
    ['--expose-gc', fileURLToPath(import.meta.url), '--memory-child', api, String(tokens)],
    { encoding: 'utf8', maxBuffer: 1 << 20, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const result = JSON.parse(output);
  const mib = result.heldBytes / 2 ** 20;
  log(
    `zipf ${tokens} tokens order 5: ${result.ngrams} n-grams, ${mib.toFixed(0)} MiB held (${(result.heldBytes / result.ngrams).toFixed(1)} bytes/n-gram; arrays ${(result.byteLength / 2 ** 20).toFixed(0)} MiB), ${(tokens / result.seconds).toFixed(0)} tokens/s, peak RSS ${(result.maxRssBytes / 2 ** 20).toFixed(0)} MiB`,
  );
  const shape = `zipf order=5 tokens=${tokens} ngrams=${result.ngrams}`;
  const system = 'ngram NgramCounts';
  return [
    record('ngram-memory', shape, system, 'heap+arrayBuffers after GC', [mib], 'MiB'),
    record(
      'ngram-memory',
      shape,
      system,
      'bytes per n-gram',
      [result.heldBytes / result.ngrams],
      'bytes',
    ),
    record(
      'ngram-memory',
      shape,
      system,
      'peak RSS while counting',
      [result.maxRssBytes / 2 ** 20],
      'MiB',
    ),
    record('ngram-counting', shape, system, 'throughput', [tokens / result.seconds], 'tokens/s'),
  ];
}

/** The Zipf corpus of {@link runMemoryBench}, as Int32Array sentences. */
export function zipfCorpus(mulberry32, tokens, vocabularySize = 100_000, exponent = 1.1) {
  const random = mulberry32(1);
  const cumulative = new Float64Array(vocabularySize);
  let total = 0;
  for (let rank = 0; rank < vocabularySize; rank++) {
    total += 1 / (rank + 1) ** exponent;
    cumulative[rank] = total;
  }
  const sentences = [];
  for (let produced = 0; produced < tokens; ) {
    const length = Math.min(tokens - produced, 20);
    const sentence = new Int32Array(length);
    for (let i = 0; i < length; i++) {
      const target = random() * total;
      let lo = 0;
      let hi = vocabularySize - 1;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (cumulative[mid] < target) lo = mid + 1;
        else hi = mid;
      }
      sentence[i] = lo;
    }
    sentences.push(sentence);
    produced += length;
  }
  return sentences;
}

function heldBytes() {
  globalThis.gc();
  globalThis.gc();
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.arrayBuffers;
}

/** Child side of runMemoryBench: count, measure, check, print one JSON line. */
async function memoryChild(apiPath, tokens) {
  if (typeof globalThis.gc !== 'function') throw new Error('run the memory child with --expose-gc');
  const { NgramCounts, mulberry32 } = await import(pathToFileURL(apiPath).href);
  const order = 5;
  const vocabularySize = 100_000;
  const sentences = zipfCorpus(mulberry32, tokens, vocabularySize);
  const before = heldBytes();
  const started = process.hrtime.bigint();
  const counts = NgramCounts.count(sentences, order, vocabularySize);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const held = heldBytes() - before;
  checkZipfCounts(counts, sentences, order);
  const ngrams = counts.distinctNgrams.reduce((a, b) => a + b, 0);
  const result = {
    heldBytes: held,
    byteLength: counts.byteLength,
    ngrams,
    seconds,
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

/**
 * Correctness in the same run: each level's counts add up to the number of n-gram positions,
 * and 200 sampled 5-grams (and their 2-gram prefixes) have the count a direct scan finds.
 */
function checkZipfCounts(counts, sentences, order) {
  for (let n = 1; n <= order; n++) {
    let positions = 0;
    for (const sentence of sentences) positions += Math.max(0, sentence.length - n + 1);
    let total = 0;
    for (const count of counts.levels[n].count) total += count;
    if (total !== positions)
      throw new Error(`memory check: ${n}-gram counts sum to ${total}, expected ${positions}`);
  }
  const keyOf = (sentence, i, n) => Array.from(sentence.subarray(i, i + n)).join(' ');
  const expected = new Map();
  for (let s = 0; s < 200; s++) {
    const sentence = sentences[(s * 7919) % sentences.length];
    const i = s % Math.max(1, sentence.length - order + 1);
    if (sentence.length >= i + order) {
      expected.set(keyOf(sentence, i, order), 0);
      expected.set(keyOf(sentence, i, 2), 0);
    }
  }
  // Only keys whose first word starts a sampled n-gram need a string built.
  const firstWords = new Set([...expected.keys()].map((key) => Number(key.split(' ')[0])));
  for (const sentence of sentences) {
    for (let i = 0; i < sentence.length; i++) {
      if (!firstWords.has(sentence[i])) continue;
      for (const n of [2, order]) {
        if (i + n > sentence.length) continue;
        const key = keyOf(sentence, i, n);
        if (expected.has(key)) expected.set(key, expected.get(key) + 1);
      }
    }
  }
  for (const [key, count] of expected) {
    const ids = key.split(' ').map(Number);
    if (counts.countOf(ids) !== count) {
      throw new Error(
        `memory check: count of ${key} is ${counts.countOf(ids)}, a scan finds ${count}`,
      );
    }
  }
}

/**
 * The Bengio et al. (2003) model on the same split: order 5 (4 characters of context), m = 16,
 * h = 200, AdamW with cosine decay, batches of 256, on the current device (init() first).
 * Checked in the same run: the test loss must beat the uniform ln 27 and the distribution after
 * a few contexts must sum to 1.
 */
export async function runBengioBench({
  namesPath = DEFAULT_NAMES,
  steps = 6000,
  log = () => {},
} = {}) {
  const { train, test } = namesSplit(readFileSync(namesPath, 'utf8'));
  const started = performance.now();
  const config = { order: 5, embeddingDim: 16, hiddenSize: 200, batchSize: 256 };
  const model = await NeuralNgramModel.train(toChars(train), {
    ...config,
    steps,
    seed: 42,
    progressEvery: 500,
    onProgress: (p) =>
      log(
        `bengio step ${p.step}/${p.totalSteps} loss ${p.loss.toFixed(3)} ${p.examplesPerSecond.toFixed(0)} examples/s ETA ${p.etaSeconds.toFixed(0)} s`,
      ),
  });
  const seconds = (performance.now() - started) / 1000;
  const evaluation = model.evaluate(toChars(test), { breakdown: false });
  for (const context of [[], ['a'], ['e', 'm', 'm', 'a']]) {
    const total = model.distribution(context).reduce((a, b) => a + b, 0);
    if (Math.abs(total - 1) > 1e-9) throw new Error(`bengio: distribution sums to ${total}`);
  }
  if (!(evaluation.crossEntropyNats < Math.log(27))) {
    throw new Error(`bengio: test loss ${evaluation.crossEntropyNats} is no better than uniform`);
  }
  log(
    `bengio order 5: test ${evaluation.crossEntropyNats.toFixed(4)} nats/char, trained in ${seconds.toFixed(0)} s (${steps} steps)`,
  );
  model.dispose();
  const system = `ngram bengio-2003(m=16,h=200,steps=${steps})`;
  return [
    record(
      'names-test-loss',
      'order=5',
      system,
      'test loss',
      [evaluation.crossEntropyNats],
      'nats/char',
    ),
    record('names-bengio-training', 'order=5 batch=256', system, 'training time', [seconds], 's'),
  ];
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  if (args[0] === '--memory-child') {
    await memoryChild(args[1], Number(args[2]));
  } else {
    const path = args.find((arg) => !arg.startsWith('--'));
    const records = runNamesBench({
      namesPath: path ?? DEFAULT_NAMES,
      zipf: args.includes('--zipf'),
      losses: !args.includes('--quick'),
      log: (line) => console.error(line),
    });
    console.log(JSON.stringify(records, null, 2));
  }
}
