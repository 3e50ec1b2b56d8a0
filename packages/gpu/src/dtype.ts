/** Element types a tensor can hold. `f32` for values; `i32`/`u32` for indices and masks. */
export type DType = 'f32' | 'i32' | 'u32';

export type TypedArray = Float32Array | Float64Array | Int32Array | Uint32Array;

/** Bytes per element as stored on the device (always 4 for the dtypes above). */
export const BYTES_PER_ELEMENT = 4;

export function wgslType(dtype: DType): 'f32' | 'i32' | 'u32' {
  return dtype;
}

export function typedArrayFor(dtype: DType, length: number, f64 = false): TypedArray {
  switch (dtype) {
    case 'f32':
      return f64 ? new Float64Array(length) : new Float32Array(length);
    case 'i32':
      return new Int32Array(length);
    case 'u32':
      return new Uint32Array(length);
  }
}

export function dtypeOf(data: TypedArray): DType {
  if (data instanceof Int32Array) return 'i32';
  if (data instanceof Uint32Array) return 'u32';
  return 'f32';
}

/** Reinterprets a float as the u32 bit pattern a uniform word carries. */
const f32View = new Float32Array(1);
const u32View = new Uint32Array(f32View.buffer);
export function f32Bits(x: number): number {
  f32View[0] = x;
  return u32View[0];
}
