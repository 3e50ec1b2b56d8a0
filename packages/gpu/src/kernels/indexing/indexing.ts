import { record } from '../../autograd/grad-mode.js';
import type { DType } from '../../dtype.js';
import { normalizeAxis, shapeToString, sizeOf } from '../../shape.js';
import { empty, type Tensor } from '../../tensor.js';
import { contiguous, reshape, slice, unsqueeze } from '../../views.js';
import { cpuData, onBackend, requireFloat, sameDevice } from '../common.js';
import { assign, full } from '../elementwise/arith.js';
import {
  cumsumReference,
  cumsumWGSL,
  type GatherLayout,
  gatherBackwardReference,
  gatherBackwardWGSL,
  gatherParams,
  gatherReference,
  gatherWGSL,
  INDEX_ROW_WORKGROUP,
  INDEX_WORKGROUP,
  oneHotReference,
  oneHotWGSL,
} from './indexing.wgsl.js';

function requireIndex(op: string, t: Tensor): void {
  if (t.dtype !== 'i32')
    throw new Error(`${op}: indices must be i32, got ${t.dtype}; convert with cast(ids, 'i32')`);
}

/** Rows are worth a workgroup each once they are at least this long. */
const ROW_VARIANT_MIN = INDEX_ROW_WORKGROUP;

/**
 * The gather primitive behind indexSelect, gather and embedding. `src` is contiguous with
 * `n` rows along `axis`; `idx` is the index storage read through `layout.sI`.
 * Backward: dx = scatter-add of g by the same indices (see gatherBackwardWGSL).
 */
function gatherPrimitive(
  op: string,
  x: Tensor,
  axis: number,
  idx: Tensor,
  sI: [number, number, number],
  m: number,
): Tensor {
  const src = contiguous(x);
  const outer = sizeOf(src.shape.slice(0, axis));
  const n = src.shape[axis];
  const inner = sizeOf(src.shape.slice(axis + 1));
  const outShape = [...src.shape.slice(0, axis), m, ...src.shape.slice(axis + 1)];
  const out = empty(outShape, { dtype: x.dtype, device: x.device });
  const layout: GatherLayout = {
    outer,
    n,
    m,
    inner,
    offX: src.offset,
    offI: idx.offset,
    sI,
    offG: 0,
  };
  if (out.size > 0) {
    onBackend(
      out,
      () => gatherReference(layout, cpuData(src), cpuData(idx), cpuData(out)),
      () => {
        const rows = inner >= ROW_VARIANT_MIN;
        return {
          key: `gather:${x.dtype}:${rows ? 'rows' : 'elems'}`,
          code: () => gatherWGSL(x.dtype, rows ? 'rows' : 'elems'),
          buffers: [src.storage, idx.storage, out.storage],
          params: gatherParams(layout),
          workgroups: rows ? outer * m : Math.ceil(out.size / INDEX_WORKGROUP),
        };
      },
    );
  }
  if (src !== x) src.dispose();
  return record(out, op, [x], (g) => [gatherBackward(g, x.shape, idx, layout)]);
}

function gatherBackward(
  g: Tensor,
  shape: readonly number[],
  idx: Tensor,
  forward: GatherLayout,
): Tensor {
  const gc = contiguous(g);
  const dx = empty(shape, { device: g.device });
  const layout = { ...forward, offG: gc.offset };
  const { outer, n, inner } = layout;
  if (dx.size > 0) {
    onBackend(
      dx,
      () => gatherBackwardReference(layout, cpuData(gc), cpuData(idx), cpuData(dx)),
      () => {
        const rows = inner >= ROW_VARIANT_MIN;
        return {
          key: `gather-backward:${rows ? 'rows' : 'elems'}`,
          code: () => gatherBackwardWGSL(rows ? 'rows' : 'elems'),
          buffers: [gc.storage, idx.storage, dx.storage],
          params: gatherParams(layout),
          workgroups: rows ? outer * n : Math.ceil(dx.size / INDEX_WORKGROUP),
        };
      },
    );
  }
  if (gc !== g) gc.dispose();
  return dx;
}

/**
 * Rows of `x` along `axis` picked by a 1-D i32 `indices` (torch.index_select); indices may
 * repeat. Out-of-range indices read 0. Backward scatters with summation over repeats.
 */
export function indexSelect(x: Tensor, axis: number, indices: Tensor): Tensor {
  sameDevice('indexSelect', [x, indices]);
  requireIndex('indexSelect', indices);
  if (indices.rank !== 1)
    throw new Error(
      `indexSelect: indices must be 1-D, got shape ${shapeToString(indices.shape)}; flatten them first`,
    );
  const a = normalizeAxis(axis, x.rank);
  return gatherPrimitive(
    'indexSelect',
    x,
    a,
    indices,
    [0, indices.strides[0], 0],
    indices.shape[0],
  );
}

/**
 * torch.gather: out[..., j, ...] = x[..., index[..., j, ...], ...] along `axis`. `index` has
 * x's rank; along the other axes it may be shorter than x (x is then sliced to match).
 */
export function gather(x: Tensor, axis: number, index: Tensor): Tensor {
  sameDevice('gather', [x, index]);
  requireIndex('gather', index);
  const a = normalizeAxis(axis, x.rank);
  if (index.rank !== x.rank)
    throw new Error(
      `gather: index ${shapeToString(index.shape)} must have the rank of x ${shapeToString(x.shape)}`,
    );
  let src = x;
  for (let d = 0; d < x.rank; d++) {
    if (d === a || index.shape[d] === x.shape[d]) continue;
    if (index.shape[d] > x.shape[d])
      throw new Error(
        `gather: index ${shapeToString(index.shape)} is larger than x ${shapeToString(x.shape)} in dimension ${d}`,
      );
    src = slice(src, d, 0, index.shape[d]);
  }
  const idx = contiguous(index);
  const m = index.shape[a];
  const inner = sizeOf(index.shape.slice(a + 1));
  return gatherPrimitive('gather', src, a, idx, [m * inner, inner, 1], m);
}

/**
 * Embedding lookup: `weight` (V, D), `ids` i32 of any shape → (...ids.shape, D).
 * dweight[v] = Σ over positions with ids = v of g (deterministic; see gatherBackwardWGSL).
 */
export function embedding(weight: Tensor, ids: Tensor): Tensor {
  if (weight.rank !== 2)
    throw new Error(
      `embedding: expected weight of shape (V, D), got ${shapeToString(weight.shape)}`,
    );
  requireIndex('embedding', ids);
  const flat = reshape(ids, [ids.size]);
  const rows = indexSelect(weight, 0, flat); // (N, D)
  return reshape(rows, [...ids.shape, weight.shape[1]]);
}

/** Joins tensors along an existing axis. Backward: each input gets its slice of g. */
export function concat(tensors: readonly Tensor[], axis = 0): Tensor {
  if (tensors.length === 0) throw new Error('concat: needs at least one tensor');
  const first = tensors[0];
  sameDevice('concat', [...tensors]);
  const a = normalizeAxis(axis, first.rank);
  for (const t of tensors) {
    const ok =
      t.rank === first.rank &&
      t.dtype === first.dtype &&
      t.shape.every((d, i) => i === a || d === first.shape[i]);
    if (!ok)
      throw new Error(
        `concat: ${shapeToString(t.shape)} (${t.dtype}) does not match ${shapeToString(first.shape)} (${first.dtype}) outside axis ${a}`,
      );
  }
  const shape = [...first.shape];
  shape[a] = tensors.reduce((s, t) => s + t.shape[a], 0);
  const out = empty(shape, { dtype: first.dtype, device: first.device });
  const starts: number[] = [];
  let start = 0;
  for (const t of tensors) {
    starts.push(start);
    if (t.size > 0) {
      const window = out.view(t.shape, out.strides, start * out.strides[a]);
      assign(window, t);
      window.dispose();
    }
    start += t.shape[a];
  }
  return record(out, 'concat', [...tensors], (g) =>
    tensors.map((t, k) => (t.requiresGrad ? slice(g, a, starts[k], starts[k] + t.shape[a]) : null)),
  );
}

/** Joins same-shaped tensors along a new axis. */
export function stack(tensors: readonly Tensor[], axis = 0): Tensor {
  if (tensors.length === 0) throw new Error('stack: needs at least one tensor');
  const a = normalizeAxis(axis, tensors[0].rank + 1);
  return concat(
    tensors.map((t) => unsqueeze(t, a)),
    a,
  );
}

/**
 * torch.split: a number is the size of each piece (the last may be smaller); an array lists
 * the sizes, which must add up to the axis length. The pieces are views (no copy).
 */
export function split(x: Tensor, sizes: number | readonly number[], axis = 0): Tensor[] {
  const a = normalizeAxis(axis, x.rank);
  const dim = x.shape[a];
  let list: number[];
  if (typeof sizes === 'number') {
    if (!Number.isInteger(sizes) || sizes <= 0)
      throw new Error(`split: piece size must be a positive integer, got ${sizes}`);
    list = [];
    for (let s = 0; s < dim; s += sizes) list.push(Math.min(sizes, dim - s));
  } else {
    list = [...sizes];
    const total = list.reduce((s, d) => s + d, 0);
    if (total !== dim || list.some((d) => !Number.isInteger(d) || d < 0))
      throw new Error(
        `split: sizes [${list.join(', ')}] must be non-negative and add up to ${dim} (axis ${a} of ${shapeToString(x.shape)})`,
      );
  }
  const pieces: Tensor[] = [];
  let start = 0;
  for (const d of list) {
    pieces.push(slice(x, a, start, start + d));
    start += d;
  }
  return pieces;
}

/** torch.chunk: `count` pieces of ceil(n / count) (fewer if the axis is short). */
export function chunk(x: Tensor, count: number, axis = 0): Tensor[] {
  const a = normalizeAxis(axis, x.rank);
  if (!Number.isInteger(count) || count <= 0)
    throw new Error(`chunk: count must be a positive integer, got ${count}`);
  return split(x, Math.max(1, Math.ceil(x.shape[a] / count)), a);
}

/**
 * Constant padding: `widths[d] = [before, after]` for each axis d (NumPy's np.pad order,
 * first axis first; give [0, 0] for axes left alone). Backward: the inner window of g.
 */
export function pad(x: Tensor, widths: readonly (readonly [number, number])[], value = 0): Tensor {
  if (widths.length !== x.rank)
    throw new Error(
      `pad: need one [before, after] pair per axis of ${shapeToString(x.shape)} (${x.rank}), got ${widths.length}`,
    );
  for (const [b, e] of widths) {
    if (!Number.isInteger(b) || !Number.isInteger(e) || b < 0 || e < 0)
      throw new Error(`pad: widths must be non-negative integers, got [${b}, ${e}]`);
  }
  const shape = x.shape.map((d, i) => d + widths[i][0] + widths[i][1]);
  const out = full(shape, value, { dtype: x.dtype, device: x.device });
  if (x.size > 0) {
    const offset = widths.reduce((s, [b], i) => s + b * out.strides[i], 0);
    const window = out.view(x.shape, out.strides, offset);
    assign(window, x);
    window.dispose();
  }
  return record(out, 'pad', [x], (g) => {
    let w = g;
    widths.forEach(([b], i) => {
      w = slice(w, i, b, b + x.shape[i]);
    });
    return [w];
  });
}

/**
 * One-hot encoding: i32 `ids` of any shape → (...ids.shape, numClasses), 1 where the class
 * matches. `dtype` defaults to f32 (ready to multiply with logits); ids outside
 * [0, numClasses) give all-zero rows.
 */
export function oneHot(ids: Tensor, numClasses: number, dtype: DType = 'f32'): Tensor {
  requireIndex('oneHot', ids);
  if (!Number.isInteger(numClasses) || numClasses <= 0)
    throw new Error(`oneHot: numClasses must be a positive integer, got ${numClasses}`);
  const src = contiguous(ids);
  const out = empty([...ids.shape, numClasses], { dtype, device: ids.device });
  if (out.size > 0) {
    onBackend(
      out,
      () => oneHotReference(cpuData(src), src.offset, src.size, numClasses, cpuData(out)),
      () => ({
        key: `oneHot:${dtype}`,
        code: () => oneHotWGSL(dtype),
        buffers: [src.storage, out.storage],
        params: [out.size, numClasses, src.offset],
        workgroups: Math.ceil(out.size / INDEX_WORKGROUP),
      }),
    );
  }
  if (src !== ids) src.dispose();
  return out;
}

function cumsumKernel(x: Tensor, axis: number, reverse: boolean): Tensor {
  const src = contiguous(x);
  const outer = sizeOf(src.shape.slice(0, axis));
  const n = src.shape[axis];
  const inner = sizeOf(src.shape.slice(axis + 1));
  const out = empty(src.shape, { device: x.device });
  if (out.size > 0) {
    onBackend(
      out,
      () => cumsumReference(reverse, cpuData(src), src.offset, outer, n, inner, cpuData(out)),
      () => ({
        key: `cumsum:${reverse ? 'rev' : 'fwd'}`,
        code: () => cumsumWGSL(reverse),
        buffers: [src.storage, out.storage],
        params: [outer, n, inner, src.offset],
        workgroups: Math.ceil((outer * inner) / INDEX_WORKGROUP),
      }),
    );
  }
  if (src !== x) src.dispose();
  return out;
}

/**
 * Inclusive cumulative sum along `axis`: y_k = Σ_{j≤k} x_j. Backward: dx_j = Σ_{k≥j} g_k,
 * the reverse cumulative sum of g.
 */
export function cumsum(x: Tensor, axis: number): Tensor {
  requireFloat('cumsum', x);
  const a = normalizeAxis(axis, x.rank);
  const out = cumsumKernel(x, a, false);
  return record(out, 'cumsum', [x], (g) => [cumsumKernel(g, a, true)]);
}
