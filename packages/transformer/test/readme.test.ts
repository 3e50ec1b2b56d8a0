import { expect, test } from 'vitest';
import { runReadmeSnippet } from '../../gpu/test/helpers/readme.js';

test('[webgpu] the README snippet trains a tiny GPT and samples what it learned', async () => {
  process.env.SCRATCHSEQ_REQUIRE_WEBGPU = '1';
  const printed = await runReadmeSnippet(undefined, {
    packageDir: new URL('../', import.meta.url),
  });
  expect(printed[0]).toEqual([26784]);
  expect(printed.slice(1, 3).map((line) => line[0])).toEqual([20, 40]);
  expect(printed[2][1]).toBeLessThan(0.1);
  // Learned well enough that a temperature-0.5 sample repeats the text.
  expect(printed[3][0]).toBe('hello world! hello world!');
});
