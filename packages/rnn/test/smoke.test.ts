import { init, tensor } from '@scratchseq/gpu';
import { expect, test } from 'vitest';

test('[webgpu] workspace alias resolves gpu source', async () => {
  await init({ backend: 'webgpu' });
  expect(
    Array.from(
      await tensor([1, 2])
        .add(tensor([3, 4]))
        .toArray(),
    ),
  ).toEqual([4, 6]);
});
