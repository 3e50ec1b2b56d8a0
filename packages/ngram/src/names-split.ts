import { mulberry32, shuffleInPlace } from './random.js';

export interface NamesSplitOptions {
  /** Seed of the mulberry32 generator that drives the shuffle. Default 42. */
  seed?: number;
  /** How many names are held out for testing. Default 1,000. */
  testSize?: number;
}

export interface NamesSplit {
  /** Training names, in shuffled order. */
  train: string[];
  /** Held-out names, in shuffled order. */
  test: string[];
}

/**
 * The project-wide train/test split of `names.txt`, so every model reports loss on the same
 * 1,000 held-out names.
 *
 * Exact recipe (reproduce it elsewhere to get the same split): split the file on newlines,
 * trim each line, drop empty lines; shuffle the list of line indices 0..n−1 with
 * {@link shuffleInPlace} driven by `mulberry32(seed)`; the first `testSize` shuffled indices
 * are the test set, the rest the training set.
 */
export function namesSplit(text: string, options: NamesSplitOptions = {}): NamesSplit {
  const seed = options.seed ?? 42;
  const testSize = options.testSize ?? 1000;
  const names = text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.length > 0);
  if (testSize < 0 || testSize > names.length) {
    throw new RangeError(
      `namesSplit: testSize ${testSize} is outside 0..${names.length} (the number of non-empty lines)`,
    );
  }
  const indices = names.map((_, index) => index);
  shuffleInPlace(indices, mulberry32(seed));
  return {
    test: indices.slice(0, testSize).map((index) => names[index]),
    train: indices.slice(testSize).map((index) => names[index]),
  };
}
