import { createDevice, tensor, withDevice } from '@scratchseq/gpu';
import { colormap } from '@scratchseq/metrics';
import { expect, test } from 'vitest';
import { attentionMap, attentionMapSvg, scaledDotProductAttention } from '../src/index.js';

test('[cpu] attentionMapSvg draws one cell per query-key pair on the 0 → 1 scale', async () => {
  const device = await createDevice({ backend: 'cpu' });
  await withDevice(device, async () => {
    // Equal keys: causal attention spreads evenly over the visible keys, 1, 1/2, 1/3 per row.
    const q = tensor(new Float32Array(3 * 2).fill(0.5), { shape: [1, 1, 3, 2] });
    const k = tensor(new Float32Array(3 * 2).fill(0.5), { shape: [1, 1, 3, 2] });
    const v = tensor(Float32Array.from([1, 2, 3, 4, 5, 6]), { shape: [1, 1, 3, 2] });
    const { weights } = scaledDotProductAttention(q, k, v, { causal: true, returnWeights: true });
    const map = await attentionMap(weights!, { digits: 3 });
    expect(map).toEqual([
      [1, 0, 0],
      [0.5, 0.5, 0],
      [0.333, 0.333, 0.333],
    ]);
    const svg = await attentionMapSvg(weights!, {
      queryLabels: ['a', 'b', 'c'],
      keyLabels: ['a', 'b', 'c'],
    });
    const fills = [...svg.matchAll(/fill="([^"]+)"><title>\[(\d), (\d)\]/g)].map((m) => m[1]);
    expect(fills).toHaveLength(9);
    expect(fills[0]).toBe(colormap(1));
    expect(fills[1]).toBe(colormap(0)); // masked (future) key
    expect(fills[3]).toBe(colormap(0.5));
    expect(svg).toContain('>query<');
  });
});
