import { mulberry32 } from '../src/index.js';

/**
 * A seeded synthetic corpus: sentences from a small random Markov chain over `alphabet`,
 * varied enough that every order up to 4 has n-grams seen 1, 2, 3 and 4 times.
 */
export function syntheticCorpus(sentenceCount: number, seed = 7, alphabet = 'abcdefgh') {
  const random = mulberry32(seed);
  const letters = [...alphabet];
  const sentences: string[][] = [];
  for (let s = 0; s < sentenceCount; s++) {
    const length = 2 + Math.floor(random() * 7);
    const sentence: string[] = [];
    let previous = 0;
    for (let i = 0; i < length; i++) {
      // Prefer a few successors of the previous letter so the counts are skewed, as in text.
      const step =
        random() < 0.6 ? 1 + Math.floor(random() * 2) : Math.floor(random() * letters.length);
      previous = (previous + step) % letters.length;
      sentence.push(letters[previous]);
    }
    sentences.push(sentence);
  }
  return sentences;
}
