import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test, vi } from 'vitest';

test('[webgpu] the README snippet runs as written', async () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const snippet = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)][0][1];
  const dir = mkdtempSync(join(new URL('..', import.meta.url).pathname, '.readme-'));
  const file = join(dir, 'snippet.ts');
  const gpu = new URL('../../gpu/src/index.ts', import.meta.url).pathname;
  const lstm = new URL('../src/index.ts', import.meta.url).pathname;
  const code = snippet
    .replace("'@scratchseq/gpu'", `'${gpu}'`)
    .replace("'@scratchseq/lstm'", `'${lstm}'`)
    .replace('await init();', "await init({ backend: 'webgpu' });");
  writeFileSync(file, `${code}\nexport {};\n`);
  const printed: unknown[][] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...args) => printed.push(args));
  try {
    await import(file);
  } finally {
    log.mockRestore();
    rmSync(dir, { recursive: true, force: true });
  }
  expect(printed[0]).toEqual([
    [4, 10, 32],
    [4, 4, 16],
    [4, 4, 16],
  ]);
  expect(printed[1][0]).toEqual(['weight_ih_l0', 'weight_hh_l0', 'bias_ih_l0', 'bias_hh_l0']);
  expect(printed[2][0]).toEqual([10, 4, 16]);
});
