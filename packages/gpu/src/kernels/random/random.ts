import { record } from '../../autograd/grad-mode.js';
import { type Device, getDevice } from '../../device.js';
import { f32Bits } from '../../dtype.js';
import { empty, type Tensor, type TensorOptions } from '../../tensor.js';
import { contiguous } from '../../views.js';
import { cpuData, onBackend, requireFloat } from '../common.js';
import { boxMuller, philox4x32, toUnit } from './philox.js';
import { RANDOM_WORKGROUP, type RandomMode, randomWGSL } from './random.wgsl.js';

/**
 * A random stream: a 64-bit seed and a block counter. Each draw of n elements consumes
 * ceil(n / 4) Philox blocks, so the same seed and the same sequence of draws reproduce the
 * same numbers on the same backend. `state()`/`setState()` save and restore it (checkpoints).
 */
export class Generator {
  constructor(
    public seed = 0,
    public offset = 0,
  ) {}

  /** Reserves the blocks for `n` elements and returns the first block's index. */
  take(n: number): number {
    const first = this.offset;
    this.offset += Math.ceil(n / 4);
    return first;
  }

  state(): { seed: number; offset: number } {
    return { seed: this.seed, offset: this.offset };
  }

  setState(state: { seed: number; offset: number }): void {
    this.seed = state.seed;
    this.offset = state.offset;
  }
}

const defaultGenerators = new WeakMap<Device, Generator>();

/** The device's default stream (seed 0 until `manualSeed`). */
export function defaultGenerator(device: Device = getDevice()): Generator {
  let g = defaultGenerators.get(device);
  if (!g) defaultGenerators.set(device, (g = new Generator()));
  return g;
}

/** Re-seeds the default stream of the device. */
export function manualSeed(seed: number, device: Device = getDevice()): void {
  defaultGenerator(device).setState({ seed, offset: 0 });
}

function randomKernel(
  mode: RandomMode,
  out: Tensor,
  a: number,
  b: number,
  gen: Generator,
  input?: Tensor,
): void {
  const n = out.size;
  if (n === 0) return;
  const block = gen.take(n);
  const seedLo = gen.seed >>> 0;
  const seedHi = Math.floor(gen.seed / 2 ** 32) >>> 0;
  const blockLo = block >>> 0;
  const blockHi = Math.floor(block / 2 ** 32) >>> 0;
  const scale = mode === 'dropout' ? 1 / (1 - a) : 1;
  onBackend(
    out,
    () => {
      const o = cpuData(out);
      const x = input ? cpuData(input) : undefined;
      for (let blk = 0; blk * 4 < n; blk++) {
        const lo = (blockLo + blk) >>> 0;
        const carry = lo < blk ? 1 : 0;
        const bits = philox4x32([lo, (blockHi + carry) >>> 0, 0, 0], [seedLo, seedHi]);
        const normals = [...boxMuller(bits[0], bits[1]), ...boxMuller(bits[2], bits[3])];
        for (let j = 0; j < 4 && blk * 4 + j < n; j++) {
          const e = blk * 4 + j;
          if (mode === 'uniform') o[e] = a + (b - a) * toUnit(bits[j]);
          else if (mode === 'normal') o[e] = a + b * normals[j];
          else o[e] = toUnit(bits[j]) >= a ? x![input!.offset + e] * scale : 0;
        }
      }
    },
    (backend) => ({
      key: `random:${mode}`,
      code: () => randomWGSL(mode),
      buffers: [input?.storage ?? backend.unusedBinding, out.storage],
      params: [
        n,
        input?.offset ?? 0,
        seedLo,
        seedHi,
        blockLo,
        blockHi,
        f32Bits(a),
        f32Bits(b),
        f32Bits(scale),
      ],
      workgroups: Math.ceil(Math.ceil(n / 4) / RANDOM_WORKGROUP),
    }),
  );
}

export interface RandomOptions extends TensorOptions {
  generator?: Generator;
}

/** Uniform samples in [low, high). */
export function rand(
  shape: readonly number[],
  options: RandomOptions & { low?: number; high?: number } = {},
): Tensor {
  const out = empty(shape, { ...options, dtype: 'f32' });
  randomKernel(
    'uniform',
    out,
    options.low ?? 0,
    options.high ?? 1,
    options.generator ?? defaultGenerator(out.device),
  );
  return out;
}

/** Normal samples with the given mean and standard deviation (Box–Muller). */
export function randn(
  shape: readonly number[],
  options: RandomOptions & { mean?: number; std?: number } = {},
): Tensor {
  const out = empty(shape, { ...options, dtype: 'f32' });
  randomKernel(
    'normal',
    out,
    options.mean ?? 0,
    options.std ?? 1,
    options.generator ?? defaultGenerator(out.device),
  );
  return out;
}

/**
 * Inverted dropout: zeroes each element with probability p and scales survivors by 1/(1-p),
 * so the expectation is unchanged and evaluation needs no rescaling. With `training: false`
 * (or p = 0) it returns `x`. The backward regenerates the same mask from the same counters.
 */
export function dropout(
  x: Tensor,
  p: number,
  options: { training?: boolean; generator?: Generator } = {},
): Tensor {
  if (!(p >= 0 && p < 1)) throw new Error(`dropout: p must be in [0, 1), got ${p}`);
  if (options.training === false || p === 0) return x;
  requireFloat('dropout', x);
  const gen = options.generator ?? defaultGenerator(x.device);
  const saved = new Generator(gen.seed, gen.offset);
  const src = contiguous(x);
  const out = empty(x.shape, { device: x.device });
  randomKernel('dropout', out, p, 0, gen, src);
  if (src !== x) src.dispose();
  return record(out, 'dropout', [x], (g) => {
    const gc = contiguous(g);
    const dx = empty(x.shape, { device: x.device });
    randomKernel('dropout', dx, p, 0, new Generator(saved.seed, saved.offset), gc);
    return [dx];
  });
}
