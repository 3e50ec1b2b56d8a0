import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as g from '@scratchseq/gpu';
import { expect, test } from 'vitest';
import { syntheticNamesFile } from '../../ngram/test/helpers/synthetic-names.js';
import { labTable, runAddingLab } from '../examples/adding-lab.js';
import { cellStates, quoteCorpus } from '../examples/cell-states.js';
import { trainNames } from '../examples/names-lm.js';

// Shipped text with line structure (the GPT quickstart's corpus), so no test needs ../shared.
const CORPUS = new URL('../../../examples/gpt-quickstart/data/corpus.txt', import.meta.url);

test('[webgpu] adding-problem lab: Elman, GRU and LSTM side by side, a table and one picture per delay', async () => {
  await g.init({ backend: 'webgpu' });
  const dir = mkdtempSync(join(tmpdir(), 'lstm-lab-'));
  try {
    const results = await runAddingLab({
      delays: [5],
      steps: 120,
      hidden: 12,
      lr: 0.03,
      outDir: dir,
      log: () => {},
    });
    expect(results.map((r) => r.model)).toEqual(['elman', 'gru', 'lstm']);
    const lstm = results.find((r) => r.model === 'lstm')!;
    expect(lstm.testMse, 'LSTM beats the 0.167 baseline').toBeLessThan(0.08);
    for (const r of results) {
      expect(r.gradientNorms.length).toBe(5);
      expect(r.gradientNorms.every((n) => n > 0)).toBe(true);
    }
    const svg = readFileSync(join(dir, 'grad-norms-T5.svg'), 'utf8');
    expect(svg).toContain('<svg');
    expect(svg).toContain('lstm');
    expect(labTable(results)).toContain('| 5 |');
    expect(existsSync(join(dir, 'table.md'))).toBe(true);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('[webgpu] names LM: a short LSTM run on the names split beats a uniform guess by 0.5 nats/char', async () => {
  await g.init({ backend: 'webgpu' });
  const [r] = await trainNames({
    dataPath: syntheticNamesFile(),
    models: ['lstm'],
    steps: 60,
    hidden: 32,
    embedding: 8,
    lr: 0.02,
    testLimit: 250,
    log: () => {},
  });
  expect(r.testLoss).toBeLessThan(Math.log(27) - 0.5);
  expect(r.testLoss).toBeGreaterThan(1.5);
});

test('[webgpu] cell-state picture: trains, finds a quote cell and a line-position cell, draws the passage', async () => {
  await g.init({ backend: 'webgpu' });
  const r = await cellStates({
    steps: 40,
    hidden: 16,
    dataPath: CORPUS,
    corpusChars: 20000,
    seqLength: 32,
    batchSize: 8,
    passageChars: 200,
    log: () => {},
  });
  expect(r.trainLoss).toBeLessThan(Math.log(60)); // below a uniform guess over the characters
  expect(r.cells.map((c) => c.feature)).toEqual(['inside quotes', 'position in line']);
  for (const c of r.cells) expect(Math.abs(c.correlation)).toBeGreaterThan(0);
  expect(r.svg.startsWith('<svg')).toBe(true);
  expect(r.svg).toContain('inside quotes');
});

test('[cpu] quoteCorpus wraps word spans of some lines in balanced quotes', () => {
  const out = quoteCorpus('a b c d\ne f g h\ni j k l\nm n o p\nq r s t', 2).split('\n');
  for (const line of out) expect((line.match(/"/g) ?? []).length % 2).toBe(0);
  expect(out.some((line) => line.includes('"'))).toBe(true);
});
