/**
 * Classification and GLUE metrics with scikit-learn / SciPy semantics: accuracy,
 * precision/recall/F-beta (binary, micro, macro, weighted, per class), Matthews correlation
 * (CoLA), confusion matrix, Pearson and Spearman correlation (STS-B).
 */
import { assertSameLength } from './errors.js';

export type Label = string | number;
export type ClassAverage = 'binary' | 'micro' | 'macro' | 'weighted';

function check(what: string, yTrue: readonly unknown[], yPred: readonly unknown[]): void {
  assertSameLength(
    what,
    { name: 'yTrue', length: yTrue.length },
    { name: 'yPred', length: yPred.length },
  );
  if (yTrue.length === 0)
    throw new Error(`${what}: no samples; pass at least one (yTrue, yPred) pair.`);
}

/** sklearn's `unique_labels`: the sorted union of labels (numbers numerically, strings lexically). */
export function uniqueLabels(...arrays: readonly (readonly Label[])[]): Label[] {
  const labels = [...new Set(arrays.flat())];
  return labels.sort((a, b) =>
    typeof a === 'number' && typeof b === 'number'
      ? a - b
      : String(a) < String(b)
        ? -1
        : String(a) > String(b)
          ? 1
          : 0,
  );
}

export function accuracy(yTrue: readonly Label[], yPred: readonly Label[]): number {
  check('accuracy', yTrue, yPred);
  let correct = 0;
  yTrue.forEach((label, i) => {
    if (label === yPred[i]) correct++;
  });
  return correct / yTrue.length;
}

/** Confusion matrix C[i][j] = samples of true class labels[i] predicted as labels[j] (sklearn layout). */
export function confusionMatrix(
  yTrue: readonly Label[],
  yPred: readonly Label[],
  labels: readonly Label[] = uniqueLabels(yTrue, yPred),
): number[][] {
  check('confusionMatrix', yTrue, yPred);
  const index = new Map(labels.map((label, i) => [label, i]));
  const matrix = labels.map(() => new Array<number>(labels.length).fill(0));
  yTrue.forEach((label, i) => {
    const row = index.get(label);
    const column = index.get(yPred[i]);
    if (row !== undefined && column !== undefined) matrix[row][column]++;
  });
  return matrix;
}

export interface PrfOptions {
  /** Default 'binary' when there are at most two labels, as in sklearn; otherwise pass one. */
  average?: ClassAverage;
  /** Positive class for 'binary'; default 1. */
  posLabel?: Label;
  /** Labels to include, in order; default all labels seen. */
  labels?: Label[];
  /** F-beta; default 1. */
  beta?: number;
  /** Value of 0/0; default 0 (sklearn's 'warn' also yields 0). */
  zeroDivision?: number;
}

export interface Prf {
  precision: number;
  recall: number;
  f: number;
  support: number;
}

/** Per-class counts: true positives, predicted and actual. */
function classCounts(yTrue: readonly Label[], yPred: readonly Label[], labels: readonly Label[]) {
  const tp = new Array<number>(labels.length).fill(0);
  const predicted = new Array<number>(labels.length).fill(0);
  const actual = new Array<number>(labels.length).fill(0);
  const index = new Map(labels.map((label, i) => [label, i]));
  yTrue.forEach((label, i) => {
    const t = index.get(label);
    const p = index.get(yPred[i]);
    if (t !== undefined) actual[t]++;
    if (p !== undefined) predicted[p]++;
    if (t !== undefined && label === yPred[i]) tp[t]++;
  });
  return { tp, predicted, actual };
}

function divide(numerator: number, denominator: number, zeroDivision: number): number {
  return denominator === 0 ? zeroDivision : numerator / denominator;
}

function fBeta(precision: number, recall: number, beta: number): number {
  const beta2 = beta * beta;
  const denominator = beta2 * precision + recall;
  return denominator === 0 ? 0 : ((1 + beta2) * precision * recall) / denominator;
}

/** Precision, recall and F-beta per class, in `labels` order (sklearn's `average=None`). */
export function perClassPrf(
  yTrue: readonly Label[],
  yPred: readonly Label[],
  options: Omit<PrfOptions, 'average' | 'posLabel'> = {},
): { labels: Label[]; scores: Prf[] } {
  check('perClassPrf', yTrue, yPred);
  const labels = options.labels ?? uniqueLabels(yTrue, yPred);
  const zd = options.zeroDivision ?? 0;
  const beta = options.beta ?? 1;
  const { tp, predicted, actual } = classCounts(yTrue, yPred, labels);
  const scores = labels.map((_, i) => {
    const precision = divide(tp[i], predicted[i], zd);
    const recall = divide(tp[i], actual[i], zd);
    return { precision, recall, f: fBeta(precision, recall, beta), support: actual[i] };
  });
  return { labels, scores };
}

/** sklearn's `precision_recall_fscore_support` with an average (support is the total). */
export function precisionRecallF(
  yTrue: readonly Label[],
  yPred: readonly Label[],
  options: PrfOptions = {},
): Prf {
  check('precisionRecallF', yTrue, yPred);
  const zd = options.zeroDivision ?? 0;
  const beta = options.beta ?? 1;
  const present = uniqueLabels(yTrue, yPred);
  const average = options.average ?? 'binary';
  if (average === 'binary') {
    if (present.length > 2) {
      throw new Error(
        `average 'binary' needs at most two classes but got ${present.length} (${present.join(', ')}); ` +
          `pass average: 'micro', 'macro' or 'weighted'.`,
      );
    }
    const posLabel = options.posLabel ?? 1;
    if (present.length === 2 && !present.includes(posLabel)) {
      throw new Error(
        `posLabel ${JSON.stringify(posLabel)} is not one of the labels ${present.join(', ')}; pass posLabel.`,
      );
    }
    const { scores } = perClassPrf(yTrue, yPred, { labels: [posLabel], beta, zeroDivision: zd });
    return scores[0];
  }
  const labels = options.labels ?? present;
  const { tp, predicted, actual } = classCounts(yTrue, yPred, labels);
  const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
  const support = sum(actual);
  if (average === 'micro') {
    const precision = divide(sum(tp), sum(predicted), zd);
    const recall = divide(sum(tp), support, zd);
    return { precision, recall, f: fBeta(precision, recall, beta), support };
  }
  const { scores } = perClassPrf(yTrue, yPred, { labels, beta, zeroDivision: zd });
  if (average === 'macro') {
    const mean = (key: 'precision' | 'recall' | 'f') =>
      sum(scores.map((s) => s[key])) / scores.length;
    return { precision: mean('precision'), recall: mean('recall'), f: mean('f'), support };
  }
  if (average === 'weighted') {
    if (support === 0) {
      const value = zd === 1 ? 1 : 0;
      return sum(predicted) === 0
        ? { precision: value, recall: value, f: value, support }
        : { precision: 0, recall: value, f: 0, support };
    }
    const weighted = (key: 'precision' | 'recall' | 'f') =>
      sum(scores.map((s, i) => s[key] * actual[i])) / support;
    return {
      precision: weighted('precision'),
      recall: weighted('recall'),
      f: weighted('f'),
      support,
    };
  }
  throw new Error(
    `unknown average ${JSON.stringify(average)}; use binary, micro, macro or weighted.`,
  );
}

export function f1Score(
  yTrue: readonly Label[],
  yPred: readonly Label[],
  options: PrfOptions = {},
): number {
  return precisionRecallF(yTrue, yPred, { ...options, beta: 1 }).f;
}

/**
 * Matthews correlation coefficient, multiclass (Gorodkin 2004) as in sklearn's
 * `matthews_corrcoef`; 0 when either marginal is constant. GLUE's CoLA metric.
 */
export function matthewsCorrelation(yTrue: readonly Label[], yPred: readonly Label[]): number {
  const matrix = confusionMatrix(yTrue, yPred);
  const k = matrix.length;
  const trueSums = matrix.map((row) => row.reduce((a, b) => a + b, 0));
  const predSums = matrix[0].map((_, j) => matrix.reduce((a, row) => a + row[j], 0));
  const correct = matrix.reduce((a, row, i) => a + row[i], 0);
  const samples = predSums.reduce((a, b) => a + b, 0);
  let dotTP = 0;
  let dotPP = 0;
  let dotTT = 0;
  for (let i = 0; i < k; i++) {
    dotTP += trueSums[i] * predSums[i];
    dotPP += predSums[i] * predSums[i];
    dotTT += trueSums[i] * trueSums[i];
  }
  const covYtYp = correct * samples - dotTP;
  const covYpYp = samples * samples - dotPP;
  const covYtYt = samples * samples - dotTT;
  if (covYpYp * covYtYt === 0) return 0;
  return covYtYp / Math.sqrt(covYtYt * covYpYp);
}

/** Pearson correlation (SciPy's `pearsonr` statistic). NaN when either input is constant. */
export function pearsonCorrelation(x: readonly number[], y: readonly number[]): number {
  assertSameLength(
    'pearsonCorrelation',
    { name: 'x', length: x.length },
    { name: 'y', length: y.length },
  );
  if (x.length < 2) throw new Error('pearsonCorrelation: needs at least two pairs.');
  const mean = (v: readonly number[]) => v.reduce((a, b) => a + b, 0) / v.length;
  const mx = mean(x);
  const my = mean(y);
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < x.length; i++) {
    const dx = x[i] - mx;
    const dy = y[i] - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  if (sxx === 0 || syy === 0) return Number.NaN;
  const r = sxy / Math.sqrt(sxx * syy);
  // Like SciPy, clip rounding excursions past ±1.
  return Math.max(-1, Math.min(1, r));
}

/** Ranks 1..n with ties given their average rank (SciPy's `rankdata(method='average')`). */
export function averageRanks(values: readonly number[]): number[] {
  const order = values.map((value, index) => ({ value, index })).sort((a, b) => a.value - b.value);
  const ranks = new Array<number>(values.length);
  let i = 0;
  while (i < order.length) {
    let j = i;
    while (j + 1 < order.length && order[j + 1].value === order[i].value) j++;
    const rank = (i + j) / 2 + 1;
    for (let t = i; t <= j; t++) ranks[order[t].index] = rank;
    i = j + 1;
  }
  return ranks;
}

/** Spearman rank correlation (SciPy's `spearmanr` statistic): Pearson of average ranks. */
export function spearmanCorrelation(x: readonly number[], y: readonly number[]): number {
  assertSameLength(
    'spearmanCorrelation',
    { name: 'x', length: x.length },
    { name: 'y', length: y.length },
  );
  return pearsonCorrelation(averageRanks(x), averageRanks(y));
}
