import { record } from '../../autograd/grad-mode.js';
import type { GpuDispatch, WebGPUBackend } from '../../backend/webgpu.js';
import { type Device, getDevice } from '../../device.js';
import { broadcastShapes, shapeToString, sizeOf } from '../../shape.js';
import { empty, type Tensor, tensor } from '../../tensor.js';
import { contiguous, expand, reshape, sumTo, transpose } from '../../views.js';
import { cpuData, onBackend, requireFloat, sameDevice } from '../common.js';
import { MATMUL_TILE, type MatmulLayout, matmulReference, matmulWGSL } from './matmul.wgsl.js';
import { matmulSubgroupWGSL, type SubgroupVariant, subgroupTile } from './subgroup.wgsl.js';
import {
  matmulTextureWGSL,
  packTextureWGSL,
  TEXTURE_K_STEP,
  TEXTURE_TILE_COLS,
  type TextureVariant,
} from './texture.wgsl.js';
import {
  adapterKey,
  MATMUL_KERNELS_VERSION,
  type MatmulPlan,
  type MatmulVariant,
  matmulPlan,
  matmulVariant,
  pinMatmulVariant,
  planFromName,
  planName,
  rememberTuned,
  SUBGROUP_CANDIDATES,
  TEXTURE_CANDIDATES,
  tunedFor,
  variantName,
} from './tuning.js';

/**
 * The single stride that walks all batch dims of `t` (expanded to `batchShape`) in row-major
 * order, or undefined when no single stride does (then the operand is copied first).
 */
function collapsedBatchStride(t: Tensor, batchShape: number[]): number | undefined {
  const nb = batchShape.length;
  const strides = t.strides.slice(0, nb);
  const shape = batchShape;
  let stride: number | undefined;
  let expected: number | undefined;
  for (let i = nb - 1; i >= 0; i--) {
    if (shape[i] === 1) continue;
    if (stride === undefined) {
      stride = strides[i];
      expected = strides[i] * shape[i];
    } else if (strides[i] === expected) {
      expected = strides[i] * shape[i];
    } else {
      return undefined;
    }
  }
  return stride ?? 0;
}

/**
 * Matrix product with NumPy semantics: (…, M, K) · (…, K, N) → (…, M, N), batch dims
 * broadcast; 1-D operands are treated as a row (left) or column (right) vector and that
 * dimension is dropped from the result. Either operand may be a transposed view: the kernel
 * reads through strides, so `matmul(a, transpose(b))` costs no copy.
 */
export function matmul(a: Tensor, b: Tensor): Tensor {
  sameDevice('matmul', [a, b]);
  requireFloat('matmul', a);
  requireFloat('matmul', b);
  if (a.rank === 0 || b.rank === 0)
    throw new Error('matmul: operands must have at least one dimension');
  if (a.rank === 1) {
    const out = matmul(reshape(a, [1, a.shape[0]]), b);
    return reshape(out, [...out.shape.slice(0, -2), out.shape[out.rank - 1]]);
  }
  if (b.rank === 1) {
    const out = matmul(a, reshape(b, [b.shape[0], 1]));
    return reshape(out, out.shape.slice(0, -1));
  }
  const [m, k] = a.shape.slice(-2);
  const [k2, n] = b.shape.slice(-2);
  if (k !== k2) {
    throw new Error(
      `matmul: inner dimensions differ: ${shapeToString(a.shape)} · ${shapeToString(b.shape)} (${k} vs ${k2})`,
    );
  }
  const batchShape = broadcastShapes(a.shape.slice(0, -2), b.shape.slice(0, -2));
  let ea = expand(a, [...batchShape, m, k]);
  let eb = expand(b, [...batchShape, k, n]);
  let sAb = collapsedBatchStride(ea, batchShape);
  let sBb = collapsedBatchStride(eb, batchShape);
  if (sAb === undefined) {
    ea = contiguous(ea);
    sAb = m * k;
  }
  if (sBb === undefined) {
    eb = contiguous(eb);
    sBb = k * n;
  }
  const batch = sizeOf(batchShape);
  const out = empty([...batchShape, m, n], { device: a.device });
  const layout: MatmulLayout = {
    batch,
    m,
    n,
    k,
    offA: ea.offset,
    offB: eb.offset,
    sA: [sAb, ea.strides[ea.rank - 2], ea.strides[ea.rank - 1]],
    sB: [sBb, eb.strides[eb.rank - 2], eb.strides[eb.rank - 1]],
  };
  if (out.size > 0) {
    onBackend(
      out,
      () => {
        if (k === 0) cpuData(out).fill(0);
        else matmulReference(layout, cpuData(ea), cpuData(eb), cpuData(out));
      },
      (backend) => {
        let variant = k > 0 ? matmulVariant(backend, batch * m * n * k) : 'generic';
        if (variant !== 'generic' && variant.texture) {
          if (textureDispatch(backend, variant, ea, eb, out, layout)) return undefined;
          variant = matmulPlan(backend).small; // the textures would exceed the adapter's limits
        }
        if (variant !== 'generic' && !variant.texture && n % 4 === 0 && k % 4 === 0) {
          return subgroupDispatch(backend, variant, ea, eb, out, layout);
        }
        const tilesM = Math.ceil(m / MATMUL_TILE);
        const tilesN = Math.ceil(n / MATMUL_TILE);
        return {
          key: 'matmul:f32',
          code: matmulWGSL,
          buffers: [ea.storage, eb.storage, out.storage],
          params: [
            m,
            n,
            k,
            batch,
            layout.offA,
            layout.offB,
            tilesN,
            tilesM,
            ...layout.sA,
            0,
            ...layout.sB,
            0,
          ],
          workgroups: tilesM * tilesN * batch,
        };
      },
    );
  }
  return record(out, 'matmul', [a, b], (g) => [
    a.requiresGrad ? sumTo(matmul(g, transpose(b)), a.shape) : null,
    b.requiresGrad ? sumTo(matmul(transpose(a), g), b.shape) : null,
  ]);
}

/** Row-major with every vec4 aligned: what the subgroup kernel reads. */
function rowMajor4(s: [number, number, number], off: number, cols: number): boolean {
  return s[2] === 1 && s[1] === cols && s[0] % 4 === 0 && off % 4 === 0;
}

/**
 * The subgroup kernel's dispatch. An operand that is not row-major (a transposed view) is
 * first copied into a row-major tensor: one O(n²) pass, cheap next to the O(n³) product.
 */
function subgroupDispatch(
  backend: WebGPUBackend,
  v: SubgroupVariant,
  ea: Tensor,
  eb: Tensor,
  out: Tensor,
  L: MatmulLayout,
): undefined {
  const { batch, m, n, k } = L;
  let a = ea;
  let b = eb;
  let sA = L.sA;
  let sB = L.sB;
  let offA = L.offA;
  let offB = L.offB;
  const temps: Tensor[] = [];
  if (!rowMajor4(sA, offA, k)) {
    a = contiguous(ea, true);
    temps.push(a);
    sA = [m * k, k, 1];
    offA = a.offset;
  }
  if (!rowMajor4(sB, offB, n)) {
    b = contiguous(eb, true);
    temps.push(b);
    sB = [k * n, n, 1];
    offB = b.offset;
  }
  const tile = subgroupTile(v);
  const tilesM = Math.ceil(m / tile.rows);
  const tilesN = Math.ceil(n / tile.cols);
  const d: GpuDispatch = {
    key: `matmul:f32:sg${v.rows}x${v.cols}`,
    code: () => matmulSubgroupWGSL(v),
    buffers: [a.storage, b.storage, out.storage],
    params: [
      m,
      n / 4,
      k,
      batch,
      offA / 4,
      offB / 4,
      tilesN,
      tilesM,
      sA[0] / 4,
      sA[1] / 4,
      sB[0] / 4,
      sB[1] / 4,
    ],
    workgroups: tilesM * tilesN * batch,
  };
  backend.dispatch(d);
  // The temporaries go back to the pool once the product is recorded: a later command that
  // reuses their buffers runs after it in queue order.
  for (const t of temps) t.dispose();
  return undefined;
}

/**
 * The texture kernel's commands: both operands moved into scratch textures (an operand
 * broadcast over the batch moved once), then the product. False when a texture would exceed
 * the adapter's limits.
 */
function textureDispatch(
  backend: WebGPUBackend,
  v: TextureVariant,
  ea: Tensor,
  eb: Tensor,
  out: Tensor,
  L: MatmulLayout,
): boolean {
  const { batch, m, n, k } = L;
  const kSteps = Math.ceil(k / TEXTURE_K_STEP);
  const kPad = kSteps * TEXTURE_K_STEP;
  const tilesM = Math.ceil(m / v.rows);
  const tilesN = Math.ceil(n / TEXTURE_TILE_COLS);
  const mPad = tilesM * v.rows;
  const batchA = L.sA[0] === 0 ? 1 : batch;
  const batchB = L.sB[0] === 0 ? 1 : batch;
  const texels = (cols: number) => Math.ceil(cols / 64) * 16; // rows of 256-byte multiples
  const a = { width: texels(kPad), height: batchA * mPad };
  const b = { width: texels(tilesN * TEXTURE_TILE_COLS), height: batchB * kPad };
  const max = backend.adapterInfo.limits.maxTextureDimension2D ?? 8192;
  if (Math.max(a.width, a.height, b.width, b.height) > max) return false;
  const at = backend.takeTexture(a.width, a.height);
  const bt = backend.takeTexture(b.width, b.height);
  stageOperand(backend, ea, L.offA, L.sA, batchA, m, k, at, mPad, false);
  stageOperand(backend, eb, L.offB, L.sB, batchB, k, n, bt, kPad, true);
  const vec4Out = n % 4 === 0 && out.offset % 4 === 0;
  backend.dispatch({
    key: `matmul:f32:tex${v.rows}${vec4Out ? ':v4' : ''}`,
    code: () => matmulTextureWGSL(v, vec4Out),
    buffers: [out.storage],
    textures: [{ texture: at }, { texture: bt }],
    params: [m, n, kSteps, batch, tilesN, tilesM, batchA > 1 ? mPad : 0, batchB > 1 ? kPad : 0],
    workgroups: tilesM * tilesN * batch,
  });
  backend.releaseTexture(at);
  backend.releaseTexture(bt);
  return true;
}

/**
 * Moves a strided (batch, rows, cols) operand into `texture`, `rowsPad` rows per batch entry.
 * Row-major rows exactly one texture row long are copied as they are (rows past `rows` keep
 * whatever they held, unless `zeroRows` asks for zeros there); anything else is packed into a
 * scratch buffer first.
 */
function stageOperand(
  backend: WebGPUBackend,
  t: Tensor,
  off: number,
  s: [number, number, number],
  batch: number,
  rows: number,
  cols: number,
  texture: GPUTexture,
  rowsPad: number,
  zeroRows: boolean,
): void {
  const [sBatch, sRow, sCol] = s;
  const rowFloats = texture.width * 4;
  const direct =
    sCol === 1 &&
    sRow === rowFloats &&
    cols === rowFloats &&
    off % 4 === 0 &&
    (batch === 1 || sBatch % 4 === 0) &&
    (!zeroRows || rows === rowsPad);
  if (direct) {
    if (rows === rowsPad && sBatch === rows * sRow) {
      backend.copyToTexture(t.storage, off * 4, texture, 0, batch * rows); // one run of rows
      return;
    }
    for (let i = 0; i < batch; i++) {
      backend.copyToTexture(t.storage, (off + i * sBatch) * 4, texture, i * rowsPad, rows);
    }
    return;
  }
  const vec4 = sCol === 1 && cols % 4 === 0 && off % 4 === 0 && sRow % 4 === 0 && sBatch % 4 === 0;
  const scratch = backend.alloc(texture.width * texture.height * 16);
  backend.dispatch({
    key: vec4 ? 'matmul:pack-texture:vec4' : 'matmul:pack-texture',
    code: () => packTextureWGSL(vec4),
    buffers: [t.storage, scratch],
    params: [rows, cols, batch, off, sBatch, sRow, sCol, texture.width, rowsPad],
    workgroups: Math.ceil((texture.width * texture.height) / 64),
  });
  backend.copyToTexture(scratch, 0, texture, 0, texture.height);
  backend.release(scratch);
}

export interface TuneMatmulOptions {
  /** Device to tune (default: the current one). */
  device?: Device;
  /**
   * Side of the square product the buffer kernels are timed on (default: 256, doubled up to
   * 2,048 while the generic kernel takes under 2 ms, so that a fast GPU is timed on work rather
   * than overhead). The texture kernels are timed against the winner at twice this side.
   */
  size?: number;
  /** Timed products per candidate, the fastest of which counts (default 3). */
  reps?: number;
}

/**
 * Chooses the fastest matmul kernels for a device's adapter by timing each candidate on
 * square products (after checking it against the generic kernel), and caches the plan per
 * adapter for the rest of the process: the best buffer kernel for small products, and for
 * large ones the best of that and the texture kernels. `init()` runs it (or reads a persisted
 * plan) for WebGPU devices; call it yourself after `init({ tuneMatmul: false })`. Without
 * subgroups there is nothing to choose: matmul uses the generic kernel.
 */
export async function tuneMatmul(
  options: TuneMatmulOptions = {},
): Promise<{ variant: string; timings: Record<string, number> }> {
  const device = options.device ?? getDevice();
  const backend = device.backend;
  const timings: Record<string, number> = {};
  if (backend.kind !== 'webgpu') return { variant: 'cpu', timings };
  const gpuBackend = backend as WebGPUBackend;
  const already = tunedFor(gpuBackend);
  if (already) return { variant: planName(already), timings };
  if (!gpuBackend.hasSubgroups) {
    rememberTuned(gpuBackend, { small: 'generic', large: 'generic' });
    return { variant: 'generic', timings };
  }
  const reps = options.reps ?? 3;
  let size = options.size ?? 256;
  const adaptive = options.size === undefined;
  let small: Record<string, number>;
  for (;;) {
    small = await timeCandidates(
      device,
      gpuBackend,
      ['generic', ...SUBGROUP_CANDIDATES],
      size,
      reps,
    );
    if (adaptive && small.generic < 2 && size < 2048) size *= 2;
    else break;
  }
  const fastest = (t: Record<string, number>, candidates: MatmulVariant[]) =>
    candidates.reduce((best, v) =>
      (t[variantName(v)] ?? Infinity) < (t[variantName(best)] ?? Infinity) ? v : best,
    );
  const smallWinner = fastest(small, ['generic', ...SUBGROUP_CANDIDATES]);
  for (const [name, t] of Object.entries(small)) timings[`${name}@${size}`] = t;
  const plan: MatmulPlan = { small: smallWinner, large: smallWinner };
  if (gpuBackend.readableStorageTextures) {
    const candidates = [smallWinner, ...TEXTURE_CANDIDATES];
    const large = await timeCandidates(device, gpuBackend, candidates, 2 * size, reps);
    for (const [name, t] of Object.entries(large)) timings[`${name}@${2 * size}`] = t;
    plan.large = fastest(large, candidates);
  }
  rememberTuned(gpuBackend, plan);
  return { variant: planName(plan), timings };
}

/**
 * Milliseconds per product (best of `reps`) for each candidate that agrees with the first
 * (the generic kernel, or the already-chosen buffer kernel).
 */
async function timeCandidates(
  device: Device,
  backend: WebGPUBackend,
  candidates: MatmulVariant[],
  size: number,
  reps: number,
): Promise<Record<string, number>> {
  const data = (seed: number) =>
    Float32Array.from({ length: size * size }, (_, i) => ((i * seed) % 17) / 8 - 1);
  const a = tensor(data(7), { shape: [size, size], device });
  const b = tensor(data(11), { shape: [size, size], device });
  const timings: Record<string, number> = {};
  let expected: Float32Array | undefined;
  try {
    for (const v of candidates) {
      pinMatmulVariant(backend, v);
      let got: Float32Array;
      try {
        const first = matmul(a, b);
        got = (await first.toArray()) as Float32Array;
        first.dispose();
      } catch {
        continue; // a variant this adapter cannot compile
      }
      if (!expected) expected = got;
      else if (!sameWithin(got, expected, 1e-3)) continue; // a variant this adapter runs wrong
      // The fastest of `reps` timed products: on a shared machine the minimum is the
      // estimate least disturbed by other load.
      let best = Infinity;
      for (let r = 0; r < reps; r++) {
        const start = performance.now();
        matmul(a, b).dispose();
        await device.sync();
        best = Math.min(best, performance.now() - start);
      }
      timings[variantName(v)] = best;
    }
  } finally {
    pinMatmulVariant(backend, undefined);
    a.dispose();
    b.dispose();
  }
  return timings;
}

const TUNING_FILE = 'matmul-tuning.json';

/**
 * What `init()` runs for a WebGPU device: the plan already made in this process, else the
 * one persisted for this adapter (Node: a JSON file in the user's cache folder, keyed by the
 * adapter's description and features and the kernels' version), else a tuning pass (about
 * 1–2 s on lavapipe, once per machine) whose result is persisted. Never throws: on any
 * failure matmul keeps the generic kernel.
 */
export async function autoTuneMatmul(device: Device): Promise<void> {
  const backend = device.backend;
  if (backend.kind !== 'webgpu') return;
  const gpuBackend = backend as WebGPUBackend;
  if (tunedFor(gpuBackend) || !gpuBackend.hasSubgroups) return;
  const key = `${adapterKey(gpuBackend)}|v${MATMUL_KERNELS_VERSION}`;
  try {
    const { readCacheFile, writeCacheFile } = await import('#dawn');
    let cache: Record<string, string> = {};
    try {
      cache = JSON.parse((await readCacheFile(TUNING_FILE)) ?? '{}');
    } catch {
      cache = {}; // a damaged file is rewritten below
    }
    const saved = planFromName(cache[key]);
    if (saved) {
      rememberTuned(gpuBackend, saved);
      return;
    }
    const { variant } = await tuneMatmul({ device });
    // Re-read so that choices other processes wrote meanwhile survive.
    let latest: Record<string, string> = {};
    try {
      latest = JSON.parse((await readCacheFile(TUNING_FILE)) ?? '{}');
    } catch {}
    await writeCacheFile(
      TUNING_FILE,
      `${JSON.stringify({ ...latest, [key]: variant }, null, 1)}\n`,
    );
  } catch (e) {
    if (typeof process !== 'undefined' && process.env?.SCRATCHSEQ_DEBUG) {
      console.warn('[scratchseq] matmul tuning failed; using the generic kernel:', e);
    }
  }
}

function sameWithin(x: Float32Array, y: Float32Array, tol: number): boolean {
  for (let i = 0; i < x.length; i++)
    if (!(Math.abs(x[i] - y[i]) <= tol * (1 + Math.abs(y[i])))) return false;
  return true;
}

export { pinMatmulVariant };
