import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test, vi } from 'vitest';

test('[webgpu] the README snippet runs as written and learns below the baseline', async () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const snippet = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)][0][1];
  const dir = mkdtempSync(join(new URL('..', import.meta.url).pathname, '.readme-'));
  const file = join(dir, 'snippet.ts');
  const gpu = new URL('../../gpu/src/index.ts', import.meta.url).pathname;
  const rnn = new URL('../src/index.ts', import.meta.url).pathname;
  writeFileSync(
    file,
    `${snippet.replace("'@scratchseq/gpu'", `'${gpu}'`).replace("'@scratchseq/rnn'", `'${rnn}'`)}\nexport {};\n`,
  );
  const printed: unknown[][] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...args) => printed.push(args));
  try {
    await import(file);
  } finally {
    log.mockRestore();
    rmSync(dir, { recursive: true, force: true });
  }
  expect(printed[0][0]).toEqual(['weight_ih_l0', 'weight_hh_l0', 'bias_ih_l0', 'bias_hh_l0']);
  expect(printed[1][0]).toBe(true);
});
