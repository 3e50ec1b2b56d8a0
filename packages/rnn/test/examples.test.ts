import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as g from '@scratchseq/gpu';
import { expect, test } from 'vitest';
import { runAddingLab } from '../examples/adding-lab.js';
import { trainCharLm } from '../examples/char-lm.js';

test('[webgpu] adding-problem lab: learns a short delay, writes one SVG per delay and a summary', async () => {
  await g.init({ backend: 'webgpu' });
  const dir = mkdtempSync(join(tmpdir(), 'rnn-lab-'));
  try {
    const [r] = await runAddingLab({
      delays: [6],
      steps: 300,
      hidden: 16,
      lr: 0.02,
      outDir: dir,
      log: () => {},
    });
    expect(r.testMse, 'short delay is learned (baseline 0.167)').toBeLessThan(0.05);
    expect(r.gradientNorms.length).toBe(6);
    expect(r.gradientNorms.every((n) => n > 0)).toBe(true);
    expect(readFileSync(join(dir, 'grad-norms-T6.svg'), 'utf8')).toContain('<svg');
    expect(existsSync(join(dir, 'grad-norms-all.svg'))).toBe(true);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('[webgpu] char-LM example: beats the unigram perplexity after one short epoch and samples text', async () => {
  await g.init({ backend: 'webgpu' });
  const r = await trainCharLm({ epochs: 2, hidden: 64, sampleLength: 20, log: () => {} });
  expect(r.validationPerplexity).toBeLessThan(r.unigramPerplexity * 0.7);
  expect(r.sample.length).toBe(24);
});
