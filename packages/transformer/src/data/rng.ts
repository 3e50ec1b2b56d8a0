/**
 * A small seeded generator whose whole state is four 32-bit words (xoshiro128**, Blackman &
 * Vigna 2018), so a training run can save it as JSON and continue the exact same stream.
 */
export class SeededRandom {
  private s: Uint32Array;

  constructor(seed = 0) {
    // splitmix32 spreads the seed over the state (never all zero).
    this.s = new Uint32Array(4);
    let x = seed >>> 0;
    for (let i = 0; i < 4; i++) {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      this.s[i] = (z ^ (z >>> 16)) >>> 0;
    }
    if (this.s.every((w) => w === 0)) this.s[0] = 1;
  }

  /** A uniform 32-bit unsigned integer. */
  nextUint32(): number {
    const s = this.s;
    const result = Math.imul(rotl(Math.imul(s[1], 5), 7), 9) >>> 0;
    const t = s[1] << 9;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  }

  /** A uniform integer in [0, n), without modulo bias (n ≤ 2^32). */
  nextInt(n: number): number {
    if (!(Number.isInteger(n) && n > 0 && n <= 2 ** 32)) {
      throw new Error(`SeededRandom.nextInt: n must be an integer in [1, 2^32], got ${n}`);
    }
    const limit = 2 ** 32 - (2 ** 32 % n);
    for (;;) {
      const r = this.nextUint32();
      if (r < limit) return r % n;
    }
  }

  state(): number[] {
    return [...this.s];
  }

  setState(state: readonly number[]): void {
    if (state.length !== 4 || state.every((w) => w === 0)) {
      throw new Error('SeededRandom.setState: expected four 32-bit words, not all zero');
    }
    this.s = Uint32Array.from(state);
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
