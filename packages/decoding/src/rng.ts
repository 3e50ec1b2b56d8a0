/**
 * Seeded pseudo-random numbers for reproducible sampling.
 *
 * Generator: xoshiro128** (Blackman & Vigna, "Scrambled linear pseudorandom number generators",
 * 2018), 128 bits of state, period 2^128 − 1. The state is filled from the 32-bit seed with
 * SplitMix32 (a 32-bit variant of Steele, Lea & Flood's SplitMix, 2014) so that nearby seeds give
 * unrelated streams and the state is never all zeros.
 */

export interface Rng {
  /** Next raw output, an unsigned 32-bit integer. */
  nextUint32(): number;
  /** Uniform double in [0, 1) with 53 random bits (two 32-bit outputs). */
  nextFloat(): number;
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** xoshiro128** from an explicit 4-word state (exported for known-answer tests). */
export function xoshiro128ss(state: readonly [number, number, number, number]): Rng {
  let s0 = state[0] >>> 0;
  let s1 = state[1] >>> 0;
  let s2 = state[2] >>> 0;
  let s3 = state[3] >>> 0;
  if ((s0 | s1 | s2 | s3) === 0) {
    throw new Error('xoshiro128** state must not be all zeros; seed it with createRng(seed)');
  }
  const nextUint32 = (): number => {
    const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
    const t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = rotl(s3, 11);
    return result;
  };
  return {
    nextUint32,
    nextFloat() {
      const high = nextUint32() >>> 5; // 27 bits
      const low = nextUint32() >>> 6; // 26 bits
      return (high * 67108864 + low) / 9007199254740992; // (high·2^26 + low) / 2^53
    },
  };
}

/** SplitMix32 output stream, used only to expand a seed into generator state. */
function splitMix32(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x = (x + 0x9e3779b9) >>> 0;
    let z = x;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/** A reproducible generator: the same integer seed always yields the same stream. */
export function createRng(seed: number): Rng {
  if (!Number.isInteger(seed)) {
    throw new Error(
      `seed must be an integer, got ${seed}; round it or hash your string seed first`,
    );
  }
  const next = splitMix32(seed);
  const state: [number, number, number, number] = [next(), next(), next(), next()];
  if ((state[0] | state[1] | state[2] | state[3]) === 0) state[0] = 1;
  return xoshiro128ss(state);
}
