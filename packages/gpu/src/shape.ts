/** Shape arithmetic shared by every op: sizes, strides, broadcasting, axis normalization. */

export type Shape = readonly number[];

export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function contiguousStrides(shape: Shape): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i];
  }
  return strides;
}

export function shapeToString(shape: Shape): string {
  return `(${shape.join(', ')})`;
}

export function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** NumPy broadcasting: align trailing dims; each pair must be equal or contain a 1. */
export function broadcastShapes(...shapes: Shape[]): number[] {
  const rank = Math.max(...shapes.map((s) => s.length));
  const out = new Array<number>(rank).fill(1);
  for (const shape of shapes) {
    for (let i = 0; i < shape.length; i++) {
      const o = rank - shape.length + i;
      const d = shape[i];
      if (out[o] === 1) out[o] = d;
      else if (d !== 1 && d !== out[o]) {
        throw new Error(
          `cannot broadcast shapes ${shapes.map(shapeToString).join(' and ')}: ` +
            `dimension ${o} is ${out[o]} in one and ${d} in another (they must match or be 1)`,
        );
      }
    }
  }
  return out;
}

/** Normalizes a possibly negative axis against `rank`, with an error that names the range. */
export function normalizeAxis(axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(a) || a < 0 || a >= Math.max(rank, 1)) {
    throw new Error(
      `axis ${axis} is out of range for a tensor of rank ${rank} (use -${rank}..${rank - 1})`,
    );
  }
  return a;
}

export function normalizeAxes(
  axes: number | readonly number[] | undefined,
  rank: number,
): number[] {
  if (axes === undefined) return Array.from({ length: rank }, (_, i) => i);
  const list = typeof axes === 'number' ? [axes] : axes;
  const out = [...new Set(list.map((a) => normalizeAxis(a, rank)))];
  return out.sort((x, y) => x - y);
}

/**
 * Resolves one `-1` in a target shape from the element count, checking the total matches.
 */
export function inferShape(target: readonly number[], size: number): number[] {
  const unknown = target.indexOf(-1);
  if (unknown !== target.lastIndexOf(-1)) throw new Error('reshape: only one dimension may be -1');
  if (unknown >= 0) {
    const known = target.reduce((p, d, i) => (i === unknown ? p : p * d), 1);
    if (known === 0 || size % known !== 0) {
      throw new Error(`reshape: cannot infer -1 in ${shapeToString(target)} for ${size} elements`);
    }
    const out = [...target];
    out[unknown] = size / known;
    return out;
  }
  if (sizeOf(target) !== size) {
    throw new Error(
      `reshape: shape ${shapeToString(target)} holds ${sizeOf(target)} elements, the tensor has ${size}`,
    );
  }
  return [...target];
}

/**
 * Merges adjacent dimensions that are laid out contiguously relative to each other in every
 * operand, so kernels index fewer dimensions. Size-1 dims are dropped. Returns at least rank 1.
 */
export function coalesce(
  shape: Shape,
  stridesList: readonly (readonly number[])[],
): {
  shape: number[];
  strides: number[][];
} {
  const outShape: number[] = [];
  const outStrides: number[][] = stridesList.map(() => []);
  for (let i = 0; i < shape.length; i++) {
    if (shape[i] === 1) continue;
    const last = outShape.length - 1;
    const mergeable =
      last >= 0 && stridesList.every((st, k) => outStrides[k][last] === st[i] * shape[i]);
    if (mergeable) {
      outShape[last] *= shape[i];
      stridesList.forEach((st, k) => {
        outStrides[k][last] = st[i];
      });
    } else {
      outShape.push(shape[i]);
      for (const [k, st] of stridesList.entries()) outStrides[k].push(st[i]);
    }
  }
  if (outShape.length === 0) {
    outShape.push(1);
    for (const s of outStrides) s.push(1);
  }
  return { shape: outShape, strides: outStrides };
}
