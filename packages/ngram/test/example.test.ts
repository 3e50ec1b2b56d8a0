import { init } from '@scratchseq/gpu';
import { expect, it } from 'vitest';
import { compare } from '../examples/bengio-vs-kneser-ney.js';
import { syntheticNamesFile } from './helpers/synthetic-names.js';

it('[webgpu] the Bengio vs Kneser-Ney example runs (a short version) and reports both perplexities', async () => {
  await init({ backend: 'webgpu' });
  const lines: string[] = [];
  const results = await compare({
    namesPath: syntheticNamesFile(),
    trainNames: 3000,
    steps: 200,
    log: (l) => lines.push(l),
  });
  expect(results).toHaveLength(2);
  expect(results[0].tokenCount).toBe(results[1].tokenCount);
  for (const r of results) {
    expect(r.perplexity).toBeGreaterThan(4);
    expect(r.perplexity).toBeLessThan(27); // below uniform over the 27 symbols
  }
  expect(lines.some((l) => /ETA/.test(l))).toBe(true);
});
