import { init } from '@scratchseq/gpu';
import { expect, test } from 'vitest';
import { runReadmeSnippet } from '../../gpu/test/helpers/readme.js';

test('[webgpu] the README snippet runs as written', async () => {
  await init({ backend: 'webgpu' });
  const printed = await runReadmeSnippet(undefined, {
    packageDir: new URL('../', import.meta.url),
  });
  expect(printed[0][0]).toEqual([2, 5, 8]);
  const map = printed[1][0] as number[][];
  expect(map).toHaveLength(3);
  for (const [i, row] of map.entries()) {
    expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 1);
    for (let j = i + 1; j < 3; j++) expect(row[j]).toBe(0);
  }
  expect(map[0][0]).toBe(1);
});
