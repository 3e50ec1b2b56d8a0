/**
 * Small seeded pseudo-random number generator shared by generation and the names split.
 *
 * mulberry32 (Tommy Ettinger, public domain): a 32-bit state, period 2^32, good enough for
 * shuffling and sampling, and trivially portable so other packages (and other languages)
 * reproduce the exact same stream from the same seed.
 */
export type RandomSource = () => number;

/** Returns a function yielding uniform floats in [0, 1) from a 32-bit seed. */
export function mulberry32(seed: number): RandomSource {
  let state = seed | 0;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * In-place Fisher–Yates shuffle (Durstenfeld's variant): for i from n−1 down to 1, swap
 * item i with item j = floor(random() · (i + 1)).
 */
export function shuffleInPlace<A extends { length: number; [index: number]: unknown }>(
  items: A,
  random: RandomSource,
): A {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const held = items[i];
    items[i] = items[j];
    items[j] = held;
  }
  return items;
}
