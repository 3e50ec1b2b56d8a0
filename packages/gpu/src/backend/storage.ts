import type { TypedArray } from '../dtype.js';

/**
 * A block of device memory shared by a tensor and its views. Reference-counted: a view keeps
 * its base's storage alive, and the block returns to its backend's pool when the count reaches 0.
 */
export interface Storage {
  /** Capacity in bytes (may exceed what the tensor uses: pools round sizes up). */
  readonly byteLength: number;
  refs: number;
  /** CPU backend: the elements. */
  readonly data?: TypedArray;
  /** WebGPU backend: the buffer. */
  readonly buffer?: GPUBuffer;
}

/** Memory counters a caller can watch for leaks. */
export interface MemoryStats {
  /** Tensors created and not yet disposed (views included). */
  liveTensors: number;
  /** Bytes held by live storages. */
  liveBytes: number;
  /** Bytes parked in the pool for reuse. */
  pooledBytes: number;
}
