import { describe, test } from 'vitest';
import * as g from '../src/index.js';
import { type InputSpec, type OpCase, opTest } from './helpers/op-test.js';

const f = (shape: number[], extra: Partial<InputSpec> = {}): InputSpec => ({ shape, ...extra });

// Shapes: scalar-like, a tail that is not a multiple of the 256-wide workgroup, a
// non-contiguous broadcast, and ranks 1-4.
const unaryCases = (extra: Partial<InputSpec> = {}): OpCase[] => [
  { inputs: [f([1], extra)] },
  { inputs: [f([257], extra)] },
  { inputs: [f([3, 5, 7], extra)] },
];

describe('unary ops', () => {
  opTest(test, 'neg', g.neg, unaryCases());
  opTest(test, 'abs', g.abs, unaryCases({ awayFromZero: 0.1 }));
  opTest(test, 'exp', g.exp, unaryCases());
  opTest(test, 'log', g.log, unaryCases({ range: [0.1, 3] }));
  opTest(test, 'sqrt', g.sqrt, unaryCases({ range: [0.1, 3] }));
  opTest(test, 'rsqrt', g.rsqrt, unaryCases({ range: [0.2, 3] }));
  opTest(test, 'reciprocal', g.reciprocal, unaryCases({ awayFromZero: 0.3 }));
  opTest(test, 'square', g.square, unaryCases());
  opTest(test, 'tanh', g.tanh, unaryCases());
  opTest(test, 'sigmoid', g.sigmoid, unaryCases());
  opTest(test, 'relu', g.relu, unaryCases({ awayFromZero: 0.05 }));
  opTest(test, 'gelu (erf)', (x) => g.gelu(x), unaryCases(), { atol: 2e-4 });
  opTest(test, 'gelu (tanh)', (x) => g.gelu(x, 'tanh'), unaryCases());
  opTest(test, 'silu', g.silu, unaryCases());
  opTest(test, 'clamp', (x) => g.clamp(x, -0.5, 1), unaryCases());
  opTest(test, 'pow (scalar 3)', (x) => g.pow(x, 3), unaryCases(), { rtol: 5e-4 });
  opTest(test, 'pow (scalar 0.5)', (x) => g.pow(x, 0.5), unaryCases({ range: [0.1, 3] }), {
    rtol: 5e-4,
  });
  opTest(test, 'add scalar', (x) => g.add(x, 2.5), unaryCases());
  opTest(test, 'mul scalar', (x) => g.mul(x, -3), unaryCases());
  opTest(test, 'rsub scalar', (x) => g.sub(1, x), unaryCases());
  opTest(test, 'div by scalar', (x) => g.div(x, 4), unaryCases());
});

const binaryCases: OpCase[] = [
  { inputs: [f([1]), f([1])] },
  { inputs: [f([300]), f([300])] },
  { inputs: [f([4, 1, 3]), f([5, 1])], label: 'broadcast (4,1,3)·(5,1)' },
  { inputs: [f([2, 3, 4]), f([4])], label: 'broadcast (2,3,4)·(4)' },
];

describe('binary ops with broadcasting', () => {
  opTest(test, 'add', g.add, binaryCases);
  opTest(test, 'sub', g.sub, binaryCases);
  opTest(test, 'mul', g.mul, binaryCases);
  opTest(test, 'div', (a, b) => g.div(a, b), [
    { inputs: [f([300]), f([300], { awayFromZero: 0.5 })] },
    { inputs: [f([4, 1, 3]), f([5, 1], { awayFromZero: 0.5 })] },
  ]);
  opTest(
    test,
    'pow',
    (a, b) => g.pow(a, b),
    [{ inputs: [f([2, 3], { range: [0.5, 2] }), f([3], { range: [-1, 2] })] }],
    {
      rtol: 1e-3,
    },
  );
  opTest(test, 'maximum', g.maximum, binaryCases.slice(1));
  opTest(test, 'minimum', g.minimum, binaryCases.slice(1));
  opTest(test, 'where', (c, a, b) => g.where(g.gt(c, 0), a, b), [
    { inputs: [f([4, 5], { grad: false }), f([4, 5]), f([5])] },
  ]);
  opTest(
    test,
    'comparisons',
    (a, b) => g.cast(g.add(g.cast(g.lt(a, b), 'f32'), g.cast(g.ge(a, b), 'f32')), 'f32'),
    [{ inputs: [f([7, 3]), f([3])] }],
    { noGrad: true },
  );
  opTest(test, 'maskedFill', (x, m) => g.maskedFill(x, g.gt(m, 0), -1e4), [
    { inputs: [f([3, 6]), f([1, 6], { grad: false })] },
  ]);
});

describe('views feed kernels without copies', () => {
  opTest(test, 'permute then exp', (x) => g.exp(g.permute(x, [2, 0, 1])), [
    { inputs: [f([2, 3, 4])] },
  ]);
  opTest(test, 'transpose then add', (a, b) => g.add(g.transpose(a), b), [
    { inputs: [f([3, 5]), f([5, 3])] },
  ]);
  opTest(test, 'slice with step', (x) => g.mul(g.slice(x, 1, 1, 7, 2), 2), [
    { inputs: [f([4, 9])] },
  ]);
  opTest(test, 'negative slice', (x) => g.slice(x, 0, -3), [{ inputs: [f([8, 2])] }]);
  opTest(test, 'expand', (x) => g.mul(g.expand(x, [3, 4, 5]), 1.5), [{ inputs: [f([4, 1])] }]);
  opTest(test, 'reshape of a transposed view', (x) => g.reshape(g.transpose(x), [-1]), [
    { inputs: [f([3, 4])] },
  ]);
  opTest(test, 'squeeze/unsqueeze/flatten', (x) => g.flatten(g.unsqueeze(g.squeeze(x, 1), 0), 1), [
    { inputs: [f([2, 1, 3, 2])] },
  ]);
});

describe('4-wide kernels (dense, ≥ 1,024 elements, sizes and offsets multiples of 4)', () => {
  const wide = [{ inputs: [f([2048])] }, { inputs: [f([16, 64])] }];
  opTest(test, 'exp (vec4)', g.exp, wide);
  opTest(test, 'gelu erf (vec4)', (x) => g.gelu(x), wide, { atol: 2e-4 });
  opTest(test, 'gelu tanh (vec4)', (x) => g.gelu(x, 'tanh'), wide);
  opTest(test, 'silu (vec4)', g.silu, wide);
  opTest(test, 'relu (vec4)', g.relu, [{ inputs: [f([2048], { awayFromZero: 0.05 })] }]);
  opTest(test, 'add (vec4)', g.add, [{ inputs: [f([32, 64]), f([32, 64])] }]);
  opTest(test, 'mul by a broadcast element (vec4 · scalar)', g.mul, [
    { inputs: [f([4096]), f([1])] },
  ]);
  opTest(test, 'div (vec4)', g.div, [{ inputs: [f([1024]), f([1024], { awayFromZero: 0.5 })] }]);
  opTest(test, 'add scalar (vec4 affine)', (x) => g.add(x, 2.5), wide);
  opTest(test, 'where with a u32 mask (vec4)', (c, a, b) => g.where(g.gt(c, 0), a, b), [
    { inputs: [f([2048], { grad: false }), f([2048]), f([1])] },
  ]);
  opTest(
    test,
    'comparisons and casts (vec4)',
    (a, b) => g.cast(g.cast(g.mul(g.cast(g.lt(a, b), 'f32'), a), 'i32'), 'f32'),
    [{ inputs: [f([2048], { range: [-9, 9] }), f([2048])] }],
    { noGrad: true },
  );
  opTest(test, 'slice at an aligned offset (vec4)', (x) => g.exp(g.slice(x, 0, 4, 1032)), [
    { inputs: [f([1100])] },
  ]);
  opTest(test, 'slice at an unaligned offset (scalar)', (x) => g.exp(g.slice(x, 0, 1, 1029)), [
    { inputs: [f([1100])] },
  ]);
  // 2-D: a row of 4-multiples, with operands broadcast along rows or columns.
  opTest(test, 'bias add (N, C) + (C) (vec4 rows)', g.add, [{ inputs: [f([40, 64]), f([64])] }]);
  opTest(test, 'row-broadcast sub (N, C) − (N, 1) (vec4 · per-row scalar)', g.sub, [
    { inputs: [f([40, 64]), f([40, 1])] },
  ]);
  opTest(
    test,
    'columns sliced from wider rows: row stride 68 (vec4) and 66 (scalar)',
    (a, b) => g.add(g.mul(g.slice(a, 1, 0, 64), 2), g.slice(b, 1, 2, 66)),
    [{ inputs: [f([20, 68]), f([20, 66])] }],
  );
  opTest(test, 'fill (vec4)', (x) => g.add(x, g.full([2048], 0.5, { device: x.device })), [
    { inputs: [f([2048])] },
  ]);
});

describe('beyond 65,535 workgroups', () => {
  // 16.8M elements need 65,600 workgroups of 256: the grid is split in two dimensions. The
  // size is not a multiple of 4, so this is the scalar kernel (the 4-wide one needs 4× more).
  opTest(
    test,
    'add over 16.8M elements',
    g.add,
    [{ inputs: [f([65600 * 256 + 2]), f([1])], label: '(16793602) · (1)' }],
    {
      noGrad: true,
    },
  );
});
