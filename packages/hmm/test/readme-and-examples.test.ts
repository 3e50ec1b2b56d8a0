import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';

describe('README snippet', () => {
  it('runs and prints the values its comments promise', async () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const snippet = readme.match(/```js\n([\s\S]*?)```/)?.[1];
    expect(snippet).toBeDefined();
    const file = join(mkdtempSync(join(tmpdir(), 'hmm-readme-')), 'snippet.mjs');
    writeFileSync(file, snippet!);
    const lines: unknown[][] = [];
    const spy = vi.spyOn(console, 'log').mockImplementation((...args) => {
      lines.push(args);
    });
    try {
      await import(/* @vite-ignore */ file);
    } finally {
      spy.mockRestore();
    }
    expect(lines[0]).toEqual([[0, 0, 1], '0.01512']);
    expect(lines[1][0]).toHaveLength(3);
    expect(lines[2]).toEqual([true, true]);
  });
});

describe('README CRF snippet', () => {
  it('[webgpu] runs: pytorch-crf state_dict keys, a negative log-likelihood, the decoded prefix', async () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const snippet = readme.match(/```js crf\n([\s\S]*?)```/)?.[1];
    expect(snippet).toBeDefined();
    const file = join(mkdtempSync(join(tmpdir(), 'hmm-readme-crf-')), 'snippet.mjs');
    writeFileSync(file, snippet!);
    const lines: unknown[][] = [];
    const spy = vi.spyOn(console, 'log').mockImplementation((...args) => {
      lines.push(args);
    });
    try {
      await import(/* @vite-ignore */ file);
    } finally {
      spy.mockRestore();
    }
    expect(lines[0]).toEqual([['start_transitions', 'end_transitions', 'transitions']]);
    expect(lines[1]).toEqual([true, [[0, 1, 2]]]);
  });
});

// The examples are plain .mjs files, run as users run them; these types describe their main().
type ExampleModule<Result> = { main: (options: Record<string, unknown>) => Result };
type Accuracy = { all: number; ambiguous: number };
type CasinoResult = {
  viterbiAccuracy: number;
  learned: { loadedEmissions: number[] };
  result: { converged: boolean };
};
type PosResult = { hmm: Accuracy; crf: Accuracy; baseline: Accuracy; crfLogLikelihood: number[] };
const casinoExample = new URL('../examples/casino.mjs', import.meta.url).href;
const posExample = new URL('../examples/pos-tagging.mjs', import.meta.url).href;

describe('examples (smoke)', () => {
  it('casino decodes well and learns the loaded die back', async () => {
    const { main } = (await import(
      /* @vite-ignore */ casinoExample
    )) as ExampleModule<CasinoResult>;
    const result = main({ log: () => {}, evenings: 12, restarts: 2 });
    expect(result.viterbiAccuracy).toBeGreaterThan(0.7);
    expect(result.learned.loadedEmissions[5]).toBeGreaterThan(0.35);
    expect(result.result.converged).toBe(true);
  });

  it('POS tagging: HMM and CRF beat the per-word baseline on ambiguous words', async () => {
    const { main } = (await import(/* @vite-ignore */ posExample)) as ExampleModule<PosResult>;
    const r = main({ log: () => {}, trainSize: 200, testSize: 100, crfEpochs: 40 });
    expect(r.hmm.all).toBeGreaterThan(0.97);
    expect(r.crf.all).toBeGreaterThan(0.97);
    expect(r.hmm.ambiguous).toBeGreaterThan(r.baseline.ambiguous + 0.2);
    expect(r.crf.ambiguous).toBeGreaterThan(r.baseline.ambiguous + 0.2);
    expect(r.crfLogLikelihood.at(-1)).toBeGreaterThan(r.crfLogLikelihood[0]);
  });
});
