/**
 * IEEE 754 binary16 (f16) and bfloat16 (bf16) conversions to and from f32 bit patterns.
 * Shared scratch views reinterpret a float's bits without allocating per element.
 */

const f32Scratch = new Float32Array(1);
const u32Scratch = new Uint32Array(f32Scratch.buffer);

/** f16 bits → f32 value (exact: every f16 is an f32). */
export function f16BitsToF32(h: number): number {
  const sign = (h & 0x8000) << 16;
  const exponent = (h >> 10) & 0x1f;
  const mantissa = h & 0x3ff;
  if (exponent === 0) {
    // Zero or subnormal: mantissa · 2^-24, exact in f32.
    const magnitude = mantissa * 2 ** -24;
    return sign ? -magnitude : magnitude;
  }
  if (exponent === 0x1f) {
    u32Scratch[0] = sign | 0x7f800000 | (mantissa << 13); // inf or NaN (payload kept)
  } else {
    u32Scratch[0] = sign | ((exponent + 112) << 23) | (mantissa << 13); // rebias 15 → 127
  }
  return f32Scratch[0];
}

/** f32 value → f16 bits, rounding to nearest even; overflow goes to ±inf, tiny values to ±0. */
export function f32ToF16Bits(value: number): number {
  f32Scratch[0] = value;
  const bits = u32Scratch[0];
  const sign = (bits >>> 16) & 0x8000;
  const exponent = (bits >>> 23) & 0xff;
  const mantissa = bits & 0x7fffff;
  if (exponent === 0xff) {
    return mantissa ? sign | 0x7e00 | (mantissa >>> 13) : sign | 0x7c00; // NaN stays NaN
  }
  const e = exponent - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign; // below half the smallest subnormal: rounds to zero
    const m = mantissa | 0x800000;
    const shift = 14 - e;
    let half = m >>> shift;
    const rest = m & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    if (rest > halfway || (rest === halfway && half & 1)) half++;
    return sign | half;
  }
  let half = (e << 10) | (mantissa >>> 13);
  const rest = mantissa & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && half & 1)) half++; // a carry may reach inf: correct
  return sign | half;
}

/** bf16 bits → f32 value (bf16 is the top half of an f32). */
export function bf16BitsToF32(h: number): number {
  u32Scratch[0] = h << 16;
  return f32Scratch[0];
}

/** f32 value → bf16 bits, rounding to nearest even (NaN stays NaN). */
export function f32ToBf16Bits(value: number): number {
  f32Scratch[0] = value;
  const bits = u32Scratch[0];
  if ((bits & 0x7f800000) === 0x7f800000 && bits & 0x7fffff) return ((bits >>> 16) | 0x40) & 0xffff;
  const roundingBias = 0x7fff + ((bits >>> 16) & 1);
  return ((bits + roundingBias) >>> 16) & 0xffff;
}
