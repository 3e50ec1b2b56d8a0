import type { DType, TypedArray } from '../dtype.js';
import { typedArrayFor } from '../dtype.js';
import type { MemoryStats, Storage } from './storage.js';

/**
 * The reference backend: storages are plain typed arrays and every kernel runs its
 * TypeScript reference implementation. With `precision: 'f64'` it keeps f32 tensors in
 * Float64Array, which makes it the oracle for finite-difference gradient checks.
 */
export class CpuBackend {
  readonly kind = 'cpu' as const;
  liveBytes = 0;

  constructor(readonly precision: 'f32' | 'f64' = 'f32') {}

  describe(): string {
    return `CPU reference backend (${this.precision})`;
  }

  alloc(bytes: number, dtype: DType): Storage {
    const data = typedArrayFor(dtype, Math.ceil(bytes / 4), this.precision === 'f64');
    this.liveBytes += bytes;
    return { byteLength: bytes, refs: 1, data };
  }

  release(storage: Storage): void {
    this.liveBytes -= storage.byteLength;
  }

  upload(storage: Storage, data: TypedArray, byteOffset = 0): void {
    storage.data!.set(data, byteOffset / 4);
  }

  async read(
    storage: Storage,
    byteOffset: number,
    count: number,
    dtype: DType,
  ): Promise<TypedArray> {
    // Reads keep float64 on the f64 backend so oracles see unrounded values.
    const out = typedArrayFor(dtype, count, this.precision === 'f64');
    const start = byteOffset / 4;
    out.set(storage.data!.subarray(start, start + count));
    return out;
  }

  copy(src: Storage, srcOffset: number, dst: Storage, dstOffset: number, bytes: number): void {
    const s = srcOffset / 4;
    dst.data!.set(src.data!.subarray(s, s + bytes / 4), dstOffset / 4);
  }

  flush(): void {}
  async sync(): Promise<void> {}
  emptyCache(): void {}
  destroy(): void {}

  memory(): Omit<MemoryStats, 'liveTensors'> {
    return { liveBytes: this.liveBytes, pooledBytes: 0 };
  }
}
