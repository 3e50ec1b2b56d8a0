/**
 * ROUGE (Lin, 2004) with the semantics of Google's `rouge-score` package
 * (google-research/google-research `rouge/rouge_scorer.py`, `tokenize.py`, `scoring.py`):
 * lowercase, keep only [a-z0-9] runs, optionally Porter-stem words longer than three letters
 * (NLTK's stemmer), then ROUGE-N from clipped n-gram overlap, ROUGE-L from the longest common
 * subsequence, and ROUGE-Lsum from the summary-level union LCS over newline-separated sentences.
 *
 * ROUGE-W (weighted LCS, Lin 2004 §3.3, weight 1.2 as in ROUGE-1.5.5's `-w 1.2`) is added here;
 * rouge-score does not have it.
 *
 * Note the tokenizer drops every non-ASCII letter, exactly as rouge-score does: text in other
 * scripts (accented letters lose the accented character, CJK vanishes) scores 0 unless you pass
 * your own `tokenizer`.
 */
import { PorterStemmer } from './porter.js';
import { countItems, overlapCount, totalCount, wordNgrams } from './text.js';

export interface RougeScore {
  precision: number;
  recall: number;
  fmeasure: number;
}

export interface RougeOptions {
  /** e.g. ['rouge1', 'rouge2', 'rougeL', 'rougeLsum', 'rougeW']; default ['rouge1', 'rouge2', 'rougeL']. */
  rougeTypes?: string[];
  /** Porter-stem tokens longer than 3 characters (rouge-score's `use_stemmer`); default false. */
  useStemmer?: boolean;
  /** Replace rouge-score's tokenizer, e.g. to score non-English text. */
  tokenizer?: (text: string) => string[];
  /** Weighting exponent of ROUGE-W, f(k) = k^weight; default 1.2. */
  rougeWWeight?: number;
}

const stemmer = new PorterStemmer('nltk');

/** rouge-score's default tokenizer. */
export function rougeTokenize(text: string, useStemmer = false): string[] {
  const cleaned = text.toLowerCase().replace(/[^a-z0-9]+/g, ' ');
  let tokens = cleaned.split(/\s+/);
  if (useStemmer) tokens = tokens.map((token) => (token.length > 3 ? stemmer.stem(token) : token));
  return tokens.filter((token) => /^[a-z0-9]+$/.test(token));
}

/** rouge-score's `scoring.fmeasure`. */
function fmeasure(precision: number, recall: number): number {
  return precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
}

const ZERO: RougeScore = { precision: 0, recall: 0, fmeasure: 0 };

export function rougeN(target: string[], prediction: string[], n: number): RougeScore {
  const targetGrams = countItems(wordNgrams(target, n));
  const predictionGrams = countItems(wordNgrams(prediction, n));
  const overlap = overlapCount(targetGrams, predictionGrams);
  const precision = overlap / Math.max(totalCount(predictionGrams), 1);
  const recall = overlap / Math.max(totalCount(targetGrams), 1);
  return { precision, recall, fmeasure: fmeasure(precision, recall) };
}

function lcsTable(ref: readonly string[], can: readonly string[]): number[][] {
  const table = Array.from({ length: ref.length + 1 }, () =>
    new Array<number>(can.length + 1).fill(0),
  );
  for (let i = 1; i <= ref.length; i++) {
    for (let j = 1; j <= can.length; j++) {
      table[i][j] =
        ref[i - 1] === can[j - 1]
          ? table[i - 1][j - 1] + 1
          : Math.max(table[i - 1][j], table[i][j - 1]);
    }
  }
  return table;
}

/** Indices into `ref` of one LCS, read out the way rouge-score does (ties move up, not left). */
export function lcsIndices(ref: readonly string[], can: readonly string[]): number[] {
  const table = lcsTable(ref, can);
  let i = ref.length;
  let j = can.length;
  const indices: number[] = [];
  while (i > 0 && j > 0) {
    if (ref[i - 1] === can[j - 1]) {
      indices.unshift(i - 1);
      i--;
      j--;
    } else if (table[i][j - 1] > table[i - 1][j]) {
      j--;
    } else {
      i--;
    }
  }
  return indices;
}

export function rougeL(target: string[], prediction: string[]): RougeScore {
  if (target.length === 0 || prediction.length === 0) return { ...ZERO };
  const lcs = lcsTable(target, prediction)[target.length][prediction.length];
  const precision = lcs / prediction.length;
  const recall = lcs / target.length;
  return { precision, recall, fmeasure: fmeasure(precision, recall) };
}

/**
 * Summary-level LCS (Lin 2004 §3.2): for each reference sentence, the union of its LCS with every
 * candidate sentence; hits are capped by token counts so no token is counted twice (as ROUGE-1.5.5
 * and rouge-score do).
 */
export function rougeLsum(
  targetSentences: string[][],
  predictionSentences: string[][],
): RougeScore {
  if (targetSentences.length === 0 || predictionSentences.length === 0) return { ...ZERO };
  const m = targetSentences.reduce((sum, s) => sum + s.length, 0);
  const n = predictionSentences.reduce((sum, s) => sum + s.length, 0);
  if (m === 0 || n === 0) return { ...ZERO };
  const targetCounts = countItems(targetSentences.flat());
  const predictionCounts = countItems(predictionSentences.flat());
  let hits = 0;
  for (const ref of targetSentences) {
    const union = new Set<number>();
    for (const can of predictionSentences)
      for (const index of lcsIndices(ref, can)) union.add(index);
    for (const index of [...union].sort((a, b) => a - b)) {
      const token = ref[index];
      if ((predictionCounts.get(token) ?? 0) > 0 && (targetCounts.get(token) ?? 0) > 0) {
        hits++;
        predictionCounts.set(token, predictionCounts.get(token)! - 1);
        targetCounts.set(token, targetCounts.get(token)! - 1);
      }
    }
  }
  const precision = hits / n;
  const recall = hits / m;
  return { precision, recall, fmeasure: fmeasure(precision, recall) };
}

/**
 * Weighted LCS score WLCS(X, Y) of Lin (2004) §3.3 with weighting function f(k) = k^weight:
 * consecutive matches earn more than the same number of scattered matches.
 */
export function weightedLcs(ref: readonly string[], can: readonly string[], weight = 1.2): number {
  const f = (k: number) => k ** weight;
  const c = Array.from({ length: ref.length + 1 }, () => new Array<number>(can.length + 1).fill(0));
  const run = Array.from({ length: ref.length + 1 }, () =>
    new Array<number>(can.length + 1).fill(0),
  );
  for (let i = 1; i <= ref.length; i++) {
    for (let j = 1; j <= can.length; j++) {
      if (ref[i - 1] === can[j - 1]) {
        const k = run[i - 1][j - 1];
        c[i][j] = c[i - 1][j - 1] + f(k + 1) - f(k);
        run[i][j] = k + 1;
      } else {
        c[i][j] = Math.max(c[i - 1][j], c[i][j - 1]);
        run[i][j] = 0;
      }
    }
  }
  return c[ref.length][can.length];
}

/** ROUGE-W: R = f⁻¹(WLCS / f(m)), P = f⁻¹(WLCS / f(n)), F1 of the two (Lin 2004, eq. 8–10). */
export function rougeW(target: string[], prediction: string[], weight = 1.2): RougeScore {
  if (target.length === 0 || prediction.length === 0) return { ...ZERO };
  const wlcs = weightedLcs(target, prediction, weight);
  const inverse = (x: number) => x ** (1 / weight);
  const recall = inverse(wlcs / target.length ** weight);
  const precision = inverse(wlcs / prediction.length ** weight);
  return { precision, recall, fmeasure: fmeasure(precision, recall) };
}

const VALID_TYPE = /^rouge[1-9]$|^rougeL$|^rougeLsum$|^rougeW$/;

/**
 * ROUGE scores of one prediction against one target, equal to rouge-score's
 * `RougeScorer(rouge_types, use_stemmer).score(target, prediction)`.
 */
export function rouge(
  pair: { prediction: string; target: string },
  options: RougeOptions = {},
): Record<string, RougeScore> {
  const types = options.rougeTypes ?? ['rouge1', 'rouge2', 'rougeL'];
  for (const type of types) {
    if (!VALID_TYPE.test(type)) {
      throw new Error(
        `invalid ROUGE type ${JSON.stringify(type)}; use rouge1..rouge9, rougeL, rougeLsum or rougeW.`,
      );
    }
  }
  const tokenize =
    options.tokenizer ?? ((text: string) => rougeTokenize(text, options.useStemmer ?? false));
  const target = tokenize(pair.target);
  const prediction = tokenize(pair.prediction);
  // rougeLsum: sentences are the non-empty lines.
  const sentences = (text: string) =>
    text
      .split('\n')
      .filter((line) => line.length > 0)
      .map(tokenize);
  const result: Record<string, RougeScore> = {};
  for (const type of types) {
    if (type === 'rougeL') result[type] = rougeL(target, prediction);
    else if (type === 'rougeLsum')
      result[type] = rougeLsum(sentences(pair.target), sentences(pair.prediction));
    else if (type === 'rougeW')
      result[type] = rougeW(target, prediction, options.rougeWWeight ?? 1.2);
    else result[type] = rougeN(target, prediction, Number(type.slice(5)));
  }
  return result;
}

/**
 * Several targets for one prediction: per ROUGE type, the score of the target with the highest
 * F-measure (rouge-score's `score_multi`).
 */
export function rougeMulti(
  pair: { prediction: string; targets: readonly string[] },
  options: RougeOptions = {},
): Record<string, RougeScore> {
  if (pair.targets.length === 0) {
    throw new Error('rougeMulti: no targets given; pass at least one target string.');
  }
  const all = pair.targets.map((target) => rouge({ prediction: pair.prediction, target }, options));
  const best: Record<string, RougeScore> = {};
  for (const type of Object.keys(all[0])) {
    best[type] = all.reduce((a, b) => (b[type].fmeasure > a[type].fmeasure ? b : a))[type];
  }
  return best;
}

/** Mean precision, recall and F over a corpus of (prediction, target) pairs, per ROUGE type. */
export function corpusRouge(
  predictions: readonly string[],
  targets: readonly string[],
  options: RougeOptions = {},
): Record<string, RougeScore> {
  if (predictions.length !== targets.length) {
    throw new Error(
      `corpusRouge: predictions has ${predictions.length} items but targets has ${targets.length}; pass one target per prediction.`,
    );
  }
  if (predictions.length === 0) throw new Error('corpusRouge: no predictions given.');
  const sums: Record<string, RougeScore> = {};
  predictions.forEach((prediction, i) => {
    const scores = rouge({ prediction, target: targets[i] }, options);
    for (const [type, score] of Object.entries(scores)) {
      const s = (sums[type] ??= { precision: 0, recall: 0, fmeasure: 0 });
      s.precision += score.precision;
      s.recall += score.recall;
      s.fmeasure += score.fmeasure;
    }
  });
  for (const s of Object.values(sums)) {
    s.precision /= predictions.length;
    s.recall /= predictions.length;
    s.fmeasure /= predictions.length;
  }
  return sums;
}
