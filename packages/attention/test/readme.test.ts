import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { init } from '@scratchseq/gpu';
import { expect, test, vi } from 'vitest';

test('[webgpu] the README snippet runs as written', async () => {
  await init({ backend: 'webgpu' });
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const snippet = readme.match(/```ts\n([\s\S]*?)```/)![1];
  const dir = mkdtempSync(join(new URL('..', import.meta.url).pathname, '.readme-'));
  const file = join(dir, 'snippet.ts');
  writeFileSync(file, `${snippet}\nexport {};\n`);
  const printed: unknown[][] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...args) => printed.push(args));
  try {
    await import(file);
  } finally {
    log.mockRestore();
    rmSync(dir, { recursive: true, force: true });
  }
  expect(printed[0][0]).toEqual([2, 5, 8]);
  const map = printed[1][0] as number[][];
  expect(map).toHaveLength(3);
  for (const [i, row] of map.entries()) {
    expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 1);
    for (let j = i + 1; j < 3; j++) expect(row[j]).toBe(0);
  }
  expect(map[0][0]).toBe(1);
});
