import { describe, expect, test } from 'vitest';
import * as g from '../src/index.js';
import { webgpuDevice } from './helpers/devices.js';
import { type InputSpec, opTest } from './helpers/op-test.js';

const f = (shape: number[], extra: Partial<InputSpec> = {}): InputSpec => ({ shape, ...extra });

describe('conv1d', () => {
  opTest(test, 'conv1d with bias', (x, w, b) => g.conv1d(x, w, b), [
    { inputs: [f([1, 1, 1]), f([1, 1, 1]), f([1])], label: '(1, 1, 1) * (1, 1, 1)' },
    { inputs: [f([2, 3, 10]), f([4, 3, 3]), f([4])], label: '(2, 3, 10) * (4, 3, 3)' },
    { inputs: [f([2, 3, 300]), f([5, 3, 5]), f([5])], label: '(2, 3, 300) * (5, 3, 5) tails' },
  ]);
  opTest(test, 'conv1d padding 1', (x, w, b) => g.conv1d(x, w, b, { padding: 1 }), [
    { inputs: [f([2, 2, 7]), f([3, 2, 3]), f([3])] },
  ]);
  opTest(
    test,
    'conv1d stride 2, dilation 2, padding [2, 1]',
    (x, w) => g.conv1d(x, w, null, { stride: 2, dilation: 2, padding: [2, 1] }),
    [{ inputs: [f([2, 3, 11]), f([2, 3, 3])] }],
  );
  opTest(
    test,
    'conv1d causal, dilation 2',
    (x, w, b) => g.conv1d(x, w, b, { padding: 'causal', dilation: 2 }),
    [{ inputs: [f([1, 2, 9]), f([3, 2, 3]), f([3])] }],
  );
  opTest(
    test,
    'conv1d groups 2, stride 3',
    (x, w, b) => g.conv1d(x, w, b, { groups: 2, stride: 3, padding: 2 }),
    [{ inputs: [f([2, 4, 10]), f([6, 2, 4]), f([6])] }],
  );
  opTest(
    test,
    'conv1d of a transposed (B, L, C) input',
    (x, w) => g.conv1d(g.transpose(x, 1, 2), w, null, { padding: 'causal' }),
    [{ inputs: [f([2, 6, 3]), f([4, 3, 2])] }],
  );

  test('[webgpu] causal output at t sees only inputs up to t', async () => {
    const device = await webgpuDevice();
    const x = g.tensor([[[1, 2, 3, 4, 5]]], { device });
    const w = g.tensor([[[1, 10, 100]]], { device });
    const y = await g.conv1d(x, w, null, { padding: 'causal' }).toArray();
    // y[t] = 1·x[t−2] + 10·x[t−1] + 100·x[t]
    expect(Array.from(y)).toEqual([100, 210, 321, 432, 543]);
    expect(() => g.conv1d(x, g.zeros([1, 2, 3], { device }))).toThrow('needs weight (Cout, 1, K)');
  });
});
