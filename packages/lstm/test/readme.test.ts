import { expect, test } from 'vitest';
import { runReadmeSnippet } from '../../gpu/test/helpers/readme.js';

test('[webgpu] the README snippet runs as written', async () => {
  const printed = await runReadmeSnippet(undefined, {
    packageDir: new URL('../', import.meta.url),
    imports: { '@scratchseq/lstm': new URL('../src/index.ts', import.meta.url).pathname },
    edit: (code) => code.replace('await init();', "await init({ backend: 'webgpu' });"),
  });
  expect(printed[0]).toEqual([
    [4, 10, 32],
    [4, 4, 16],
    [4, 4, 16],
  ]);
  expect(printed[1][0]).toEqual(['weight_ih_l0', 'weight_hh_l0', 'bias_ih_l0', 'bias_hh_l0']);
  expect(printed[2][0]).toEqual([10, 4, 16]);
});
