import { backward } from './autograd/backward.js';
import type { Storage } from './backend/storage.js';
import { type Device, getDevice } from './device.js';
import { BYTES_PER_ELEMENT, type DType, dtypeOf, type TypedArray, typedArrayFor } from './dtype.js';
import * as ops from './ops.js';
import { trackTensor } from './scope.js';
import { contiguousStrides, type Shape, sameShape, shapeToString, sizeOf } from './shape.js';

/** How a non-leaf tensor was made: its inputs and the rule that maps its gradient to theirs. */
export interface GradFn {
  name: string;
  inputs: Tensor[];
  /** Gradients for each input (null where the input needs none). Runs with grad recording off. */
  backward: (grad: Tensor) => (Tensor | null)[];
}

let nextId = 1;

/**
 * An n-dimensional array on a device. Ops enqueue work and return at once; only reads
 * (`toArray`, `item`) wait for the device. A tensor may be a view (reshape, transpose, slice,
 * expand) sharing its storage with a base tensor: `shape`, `strides` and `offset` (in
 * elements) locate its elements.
 */
export class Tensor {
  readonly id = nextId++;
  readonly shape: readonly number[];
  readonly strides: readonly number[];
  readonly offset: number;
  readonly size: number;
  requiresGrad: boolean;
  grad: Tensor | null = null;
  gradFn: GradFn | null = null;
  /** Survives `scope()` exits; set by `keep()`. */
  kept = false;
  private _storage: Storage | null;
  private _device: Device;

  constructor(
    device: Device,
    storage: Storage,
    shape: Shape,
    readonly dtype: DType,
    strides?: readonly number[],
    offset = 0,
    requiresGrad = false,
  ) {
    this._device = device;
    this._storage = storage;
    this.shape = [...shape];
    this.strides = strides ? [...strides] : contiguousStrides(shape);
    this.offset = offset;
    this.size = sizeOf(shape);
    this.requiresGrad = requiresGrad;
    device.liveTensors++;
    trackTensor(this);
  }

  /** The device holding the storage (changes only through `Module.to`). */
  get device(): Device {
    return this._device;
  }

  get rank(): number {
    return this.shape.length;
  }

  get storage(): Storage {
    if (!this._storage) {
      throw new Error(
        `tensor #${this.id} ${shapeToString(this.shape)} was disposed; keep() it or return it from its scope to use it later`,
      );
    }
    return this._storage;
  }

  get disposed(): boolean {
    return this._storage === null;
  }

  /** True when elements are laid out row-major without gaps (offset may be non-zero). */
  get isContiguous(): boolean {
    let expected = 1;
    for (let i = this.shape.length - 1; i >= 0; i--) {
      if (this.shape[i] !== 1 && this.strides[i] !== expected) return false;
      expected *= this.shape[i];
    }
    return true;
  }

  /** A view of the same storage with another layout (no copy). */
  view(shape: Shape, strides: readonly number[], offset: number): Tensor {
    const storage = this.storage;
    storage.refs++;
    return new Tensor(this.device, storage, shape, this.dtype, strides, offset);
  }

  /**
   * Takes over `source`'s device and storage, keeping this object (its id, name in a module,
   * `requiresGrad`, `kept`); `source` ends up disposed. `Module.to` moves parameters with it,
   * so references held elsewhere (optimizers, tied weights) follow. Views made of this tensor
   * before the move keep the old storage. @internal
   */
  adoptStorage(source: Tensor): void {
    if (source === this) return;
    const incoming = source.storage;
    if (!sameShape(source.shape, this.shape) || source.dtype !== this.dtype) {
      throw new Error(`adoptStorage: ${source} does not match ${this} in shape and dtype`);
    }
    const old = this.storage;
    if (--old.refs === 0) this._device.backend.release(old);
    this._device.liveTensors--;
    // source's count on its device now stands for this tensor.
    source._storage = null;
    this._storage = incoming;
    this._device = source.device;
    const self = this as { strides: readonly number[]; offset: number };
    self.strides = source.strides;
    self.offset = source.offset;
  }

  /** Frees this tensor's hold on its storage (and its gradient). Idempotent. */
  dispose(): void {
    if (!this._storage) return;
    const storage = this._storage;
    this._storage = null;
    this.device.liveTensors--;
    if (--storage.refs === 0) this.device.backend.release(storage);
    // gradFn stays: a later backward() through this tensor still finds the graph, and fails
    // with the "was disposed" error only if a derivative needs this tensor's values.
    if (this.grad) {
      this.grad.dispose();
      this.grad = null;
    }
  }

  /** Reads the elements (row-major) back from the device. */
  async toArray(): Promise<TypedArray> {
    if (this.isContiguous) {
      return this.device.backend.read(
        this.storage,
        this.offset * BYTES_PER_ELEMENT,
        this.size,
        this.dtype,
      );
    }
    const dense = this.contiguous();
    try {
      return await dense.toArray();
    } finally {
      dense.dispose();
    }
  }

  /** Reads the elements as nested JavaScript arrays shaped like the tensor. */
  async toNested(): Promise<unknown> {
    const flat = Array.from(await this.toArray());
    const build = (dim: number, start: number): unknown => {
      if (dim === this.rank) return flat[start];
      const step = sizeOf(this.shape.slice(dim + 1));
      return Array.from({ length: this.shape[dim] }, (_, i) => build(dim + 1, start + i * step));
    };
    return build(0, 0);
  }

  /** The single value of a one-element tensor. */
  async item(): Promise<number> {
    if (this.size !== 1) {
      throw new Error(
        `item() needs a tensor with one element, got shape ${shapeToString(this.shape)}`,
      );
    }
    return (await this.toArray())[0];
  }

  // ---- method forms of the common ops (see ops.ts for all of them) -------------------------

  add(other: Tensor | number): Tensor {
    return ops.add(this, other);
  }
  sub(other: Tensor | number): Tensor {
    return ops.sub(this, other);
  }
  mul(other: Tensor | number): Tensor {
    return ops.mul(this, other);
  }
  div(other: Tensor | number): Tensor {
    return ops.div(this, other);
  }
  pow(exponent: Tensor | number): Tensor {
    return ops.pow(this, exponent);
  }
  neg(): Tensor {
    return ops.neg(this);
  }
  exp(): Tensor {
    return ops.exp(this);
  }
  log(): Tensor {
    return ops.log(this);
  }
  sqrt(): Tensor {
    return ops.sqrt(this);
  }
  tanh(): Tensor {
    return ops.tanh(this);
  }
  sigmoid(): Tensor {
    return ops.sigmoid(this);
  }
  relu(): Tensor {
    return ops.relu(this);
  }
  matmul(other: Tensor): Tensor {
    return ops.matmul(this, other);
  }
  sum(axes?: number | number[], keepdim = false): Tensor {
    return ops.sum(this, axes, keepdim);
  }
  mean(axes?: number | number[], keepdim = false): Tensor {
    return ops.mean(this, axes, keepdim);
  }
  max(axes?: number | number[], keepdim = false): Tensor {
    return ops.max(this, axes, keepdim);
  }
  min(axes?: number | number[], keepdim = false): Tensor {
    return ops.min(this, axes, keepdim);
  }
  argmax(axis = -1, keepdim = false): Tensor {
    return ops.argmax(this, axis, keepdim);
  }
  softmax(axis = -1): Tensor {
    return ops.softmax(this, axis);
  }
  logSoftmax(axis = -1): Tensor {
    return ops.logSoftmax(this, axis);
  }
  reshape(shape: readonly number[]): Tensor {
    return ops.reshape(this, shape);
  }
  transpose(axis0 = -2, axis1 = -1): Tensor {
    return ops.transpose(this, axis0, axis1);
  }
  permute(order: readonly number[]): Tensor {
    return ops.permute(this, order);
  }
  expand(shape: readonly number[]): Tensor {
    return ops.expand(this, shape);
  }
  slice(axis: number, start: number, end?: number, step = 1): Tensor {
    return ops.slice(this, axis, start, end, step);
  }
  contiguous(): Tensor {
    return ops.contiguous(this);
  }
  cast(dtype: DType): Tensor {
    return ops.cast(this, dtype);
  }
  /** A copy that owns its storage (differentiable). */
  clone(): Tensor {
    return ops.contiguous(this, true);
  }
  /** The same elements, cut off from the autograd graph (a view, no copy). */
  detach(): Tensor {
    return this.view(this.shape, this.strides, this.offset);
  }
  /** Reverse-mode differentiation from this tensor; see `backward()`. */
  backward(seed?: Tensor): void {
    backward(this, seed);
  }
  /** Marks this tensor to survive enclosing `scope()` exits. */
  keep(): this {
    this.kept = true;
    return this;
  }

  toString(): string {
    return `Tensor(${shapeToString(this.shape)}, ${this.dtype}${this.requiresGrad ? ', requiresGrad' : ''})`;
  }
}

// ---- creation ------------------------------------------------------------------------------

export interface TensorOptions {
  dtype?: DType;
  requiresGrad?: boolean;
  device?: Device;
}

/** Allocates an uninitialized contiguous tensor. */
export function empty(shape: Shape, options: TensorOptions = {}): Tensor {
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0)
      throw new Error(
        `invalid shape ${shapeToString(shape)}: dimensions must be non-negative integers`,
      );
  }
  const device = options.device ?? getDevice();
  const dtype = options.dtype ?? 'f32';
  const bytes = Math.max(sizeOf(shape), 1) * BYTES_PER_ELEMENT;
  const storage = device.backend.alloc(bytes, dtype);
  return new Tensor(device, storage, shape, dtype, undefined, 0, options.requiresGrad ?? false);
}

type Nested = number | boolean | readonly Nested[];

function flattenNested(data: Nested): { values: number[]; shape: number[] } {
  const shape: number[] = [];
  let probe: Nested = data;
  while (Array.isArray(probe)) {
    shape.push(probe.length);
    probe = probe[0] as Nested;
  }
  const values: number[] = [];
  const walk = (x: Nested, dim: number): void => {
    if (Array.isArray(x)) {
      if (x.length !== shape[dim]) {
        throw new Error(
          `ragged nested array: expected ${shape[dim]} entries at depth ${dim}, got ${x.length}`,
        );
      }
      for (const y of x) walk(y as Nested, dim + 1);
    } else {
      if (dim !== shape.length)
        throw new Error('ragged nested array: a number appears where a list was expected');
      values.push(Number(x));
    }
  };
  walk(data, 0);
  return { values, shape };
}

/**
 * Creates a tensor from a number, nested arrays or a typed array (with `shape`).
 * `tensor([[1, 2], [3, 4]])`, `tensor(new Float32Array(6), { shape: [2, 3] })`.
 */
export function tensor(
  data: Nested | TypedArray,
  options: TensorOptions & { shape?: Shape } = {},
): Tensor {
  let values: ArrayLike<number>;
  let shape: readonly number[];
  let dtype = options.dtype;
  if (ArrayBuffer.isView(data)) {
    values = data as TypedArray;
    shape = options.shape ?? [values.length];
    dtype ??= dtypeOf(data as TypedArray);
  } else {
    const flat = flattenNested(data as Nested);
    values = flat.values;
    shape = options.shape ?? flat.shape;
  }
  dtype ??= 'f32';
  if (sizeOf(shape) !== values.length) {
    throw new Error(`tensor(): ${values.length} values do not fill shape ${shapeToString(shape)}`);
  }
  const t = empty(shape, { ...options, dtype });
  if (values.length > 0) t.device.backend.upload(t.storage, toTyped(t, values));
  return t;
}

/** Replaces a contiguous tensor's elements in place (no autograd). */
export function writeTensor(t: Tensor, data: ArrayLike<number>): void {
  if (!t.isContiguous || data.length !== t.size) {
    throw new Error(
      `writeTensor: need a contiguous tensor and ${t.size} values, got ${data.length}`,
    );
  }
  t.device.backend.upload(t.storage, toTyped(t, data), t.offset * BYTES_PER_ELEMENT);
}

/** Values in the storage's element type (float64 on the f64 reference backend, so nothing is rounded). */
function toTyped(t: Tensor, values: ArrayLike<number>): TypedArray {
  const backend = t.device.backend;
  const f64 = backend.kind === 'cpu' && backend.precision === 'f64';
  const out = typedArrayFor(t.dtype, values.length, f64);
  out.set(values);
  return out;
}
