import { expect, test } from 'vitest';
import { runReadmeSnippet } from '../../gpu/test/helpers/readme.js';

test('[webgpu] the README training snippet: BPE round trip, falling loss, checkpoint and resume', async () => {
  process.env.SCRATCHSEQ_REQUIRE_WEBGPU = '1';
  const printed = await runReadmeSnippet((code) => code.includes('new Trainer('), {
    packageDir: new URL('../', import.meta.url),
    imports: {
      '@scratchseq/transformer/node': new URL('../src/node.ts', import.meta.url).pathname,
    },
  });
  expect(printed[0]).toEqual([270, true]);
  const steps = printed.filter((p) => p.length === 3);
  expect(steps.map((p) => p[0])).toEqual([20, 40]);
  expect(steps[1][1] as number).toBeLessThan(steps[0][1] as number);
  const vals = printed.filter((p) => p[0] === 'val loss').map((p) => p[1] as number);
  expect(vals.length).toBe(2);
  expect(vals[1]).toBeLessThan(Math.log(270));
  expect(printed.at(-1)).toEqual([40]);
});
