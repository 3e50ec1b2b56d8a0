/** Classification, correlation and retrieval metrics against scikit-learn / SciPy (fixtures/sklearn.json). */
import { describe, expect, it } from 'vitest';
import {
  accuracy,
  type ClassAverage,
  confusionMatrix,
  type Label,
  matthewsCorrelation,
  pearsonCorrelation,
  perClassPrf,
  precisionRecallF,
  rankByScore,
  recallAtK,
  retrievalFromScores,
  spearmanCorrelation,
  uniqueLabels,
} from '../src/index.js';
import { loadFixture } from './fixtures.js';

interface ClassificationCase {
  name: string;
  y_true: Label[];
  y_pred: Label[];
  accuracy: number;
  mcc: number;
  labels: Label[];
  confusion_matrix: number[][];
  average: Record<string, { precision: number; recall: number; f1: number; f2: number }>;
  per_class: { precision: number[]; recall: number[]; f1: number[]; support: number[] };
}
const fixture = loadFixture<{
  classification: ClassificationCase[];
  correlation: { name: string; x: number[]; y: number[]; pearson: number; spearman: number }[];
  retrieval: {
    name: string;
    scores: number[][];
    mrr: number;
    top_k_accuracy: Record<string, number>;
  }[];
}>('sklearn.json');

const near = (actual: number, expected: number) =>
  expect(Math.abs(actual - expected)).toBeLessThan(1e-12);

describe.each(fixture.classification)('sklearn: $name', (c) => {
  it('accuracy, MCC, labels, confusion matrix', () => {
    near(accuracy(c.y_true, c.y_pred), c.accuracy);
    near(matthewsCorrelation(c.y_true, c.y_pred), c.mcc);
    expect(uniqueLabels(c.y_true, c.y_pred)).toEqual(c.labels);
    expect(confusionMatrix(c.y_true, c.y_pred)).toEqual(c.confusion_matrix);
  });
  it.each(Object.keys(c.average))('average %s', (average) => {
    const expected = c.average[average];
    const posLabel = c.labels.includes(1) ? 1 : c.labels[1];
    const f1 = precisionRecallF(c.y_true, c.y_pred, { average: average as ClassAverage, posLabel });
    near(f1.precision, expected.precision);
    near(f1.recall, expected.recall);
    near(f1.f, expected.f1);
    near(
      precisionRecallF(c.y_true, c.y_pred, { average: average as ClassAverage, posLabel, beta: 2 })
        .f,
      expected.f2,
    );
  });
  it('per class', () => {
    const { scores } = perClassPrf(c.y_true, c.y_pred);
    scores.forEach((s, i) => {
      near(s.precision, c.per_class.precision[i]);
      near(s.recall, c.per_class.recall[i]);
      near(s.f, c.per_class.f1[i]);
      expect(s.support).toBe(c.per_class.support[i]);
    });
  });
});

describe.each(fixture.correlation)('SciPy correlation: $name', (c) => {
  it('pearsonr and spearmanr', () => {
    near(pearsonCorrelation(c.x, c.y), c.pearson);
    near(spearmanCorrelation(c.x, c.y), c.spearman);
  });
});

describe.each(fixture.retrieval)('retrieval vs sklearn: $name', (c) => {
  it('MRR = label_ranking_average_precision_score, recall@k = top_k_accuracy_score', () => {
    const result = retrievalFromScores(c.scores, [1, 3, 5]);
    near(result.mrr, c.mrr);
    for (const k of [1, 3, 5]) near(result.recall[k], c.top_k_accuracy[String(k)]);
  });
});

describe('classification edge cases', () => {
  it('mismatched lengths name the fix', () => {
    expect(() => accuracy([1, 0], [1])).toThrow(/yTrue has 2 items but yPred has 1/);
  });
  it('binary average with three classes says which average to use', () => {
    expect(() => precisionRecallF([0, 1, 2], [0, 1, 2])).toThrow(/micro', 'macro' or 'weighted/);
  });
  it('constant input gives NaN correlation, as SciPy does', () => {
    expect(pearsonCorrelation([1, 1, 1], [1, 2, 3])).toBeNaN();
  });
  it('MCC of a constant prediction is 0 (sklearn)', () => {
    expect(matthewsCorrelation([0, 1, 1, 0], [1, 1, 1, 1])).toBe(0);
  });
  it('recall@k on ranked id lists', () => {
    const rankings = [
      ['b', 'a', 'c'],
      ['c', 'b', 'a'],
    ];
    expect(recallAtK(rankings, [['a'], ['a']], 1)).toBe(0);
    expect(recallAtK(rankings, [['a'], ['a']], 2)).toBe(0.5);
    expect(rankByScore([[0.1, 0.9, 0.5]])).toEqual([[1, 2, 0]]);
  });
});
