import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  BpeTokenizer,
  CharTokenizer,
  decodeWtf8,
  encodeWtf8,
  pretokenize,
  tokenizerFromJSON,
} from '../src/tokenizers/index.js';

/** Deterministic test randomness (mulberry32). */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Random strings mixing ASCII, accents, combining marks, CJK, emoji, odd whitespace and lone surrogates. */
function randomString(next: () => number, length: number, loneSurrogates = true): string {
  const pools: [number, number][] = [
    [0x20, 0x7e], // ASCII
    [0xc0, 0x17f], // Latin-1 / Latin Extended-A
    [0x300, 0x36f], // combining marks
    [0x4e00, 0x4e80], // CJK
    [0x1f600, 0x1f64f], // emoji (astral)
    [0x10000, 0x1007f], // Linear B (astral letters)
    [0x660, 0x669], // Arabic-Indic digits
  ];
  const whitespace = [' ', '  ', '\t', '\n', '\r\n', '\u00a0', '\u3000', '\u2028'];
  let s = '';
  for (let i = 0; i < length; i++) {
    const r = next();
    if (r < 0.15) s += whitespace[Math.floor(next() * whitespace.length)];
    else if (loneSurrogates && r < 0.2) {
      s += String.fromCharCode((next() < 0.5 ? 0xd800 : 0xdc00) + Math.floor(next() * 0x400));
    } else {
      const [lo, hi] = pools[Math.floor(next() * pools.length)];
      s += String.fromCodePoint(lo + Math.floor(next() * (hi - lo + 1)));
    }
  }
  return s;
}

// Shipped English prose (the GPT quickstart's 48 kB corpus), so the test needs no ../shared.
const prose = readFileSync(
  new URL('../../../examples/gpt-quickstart/data/corpus.txt', import.meta.url),
  'utf8',
);

describe('CharTokenizer', () => {
  it('builds a sorted code-point vocabulary and round-trips', () => {
    const tok = CharTokenizer.fromText('hello, wörld 😀');
    expect(tok.chars).toEqual([' ', ',', 'd', 'e', 'h', 'l', 'o', 'r', 'w', 'ö', '😀']);
    expect(tok.encode('hölle😀')).toEqual([4, 9, 5, 5, 3, 10]);
    expect(tok.decode(tok.encode('hello wörld😀'))).toBe('hello wörld😀');
  });

  it('names an unknown character and the fix', () => {
    const tok = CharTokenizer.fromText('abc');
    expect(() => tok.encode('abz')).toThrow(
      /character "z" \(U\+007A\) at index 2 is not in the vocabulary of 3 characters; build the tokenizer from text that contains it/,
    );
    expect(() => tok.decode([3])).toThrow(/token id 3 is outside the vocabulary \[0, 3\)/);
  });

  it('round-trips random Unicode, including lone surrogates, and through JSON', () => {
    const next = rng(1);
    for (let trial = 0; trial < 50; trial++) {
      const s = randomString(next, 1 + Math.floor(next() * 60));
      const tok = tokenizerFromJSON(JSON.parse(JSON.stringify(CharTokenizer.fromText(s).toJSON())));
      expect(tok.decode(tok.encode(s))).toBe(s);
    }
  });
});

describe('WTF-8', () => {
  it('matches TextEncoder on well-formed strings', () => {
    const next = rng(2);
    for (let trial = 0; trial < 100; trial++) {
      const s = randomString(next, 40, false);
      expect(Uint8Array.from(encodeWtf8(s))).toEqual(new TextEncoder().encode(s));
    }
  });

  it('matches TextDecoder on random bytes that encode no surrogate', () => {
    const next = rng(3);
    const decoder = new TextDecoder();
    for (let trial = 0; trial < 2000; trial++) {
      const bytes = Array.from({ length: 1 + Math.floor(next() * 12) }, () =>
        next() < 0.5 ? Math.floor(next() * 256) : 0x80 + Math.floor(next() * 64),
      );
      // ED A0..BF starts a surrogate, which WTF-8 decodes and UTF-8 rejects.
      if (bytes.some((b, i) => b === 0xed && bytes[i + 1] >= 0xa0 && bytes[i + 1] <= 0xbf))
        continue;
      expect(decodeWtf8(bytes)).toBe(decoder.decode(Uint8Array.from(bytes)));
    }
  });

  it('carries lone surrogates as 3-byte sequences', () => {
    expect(encodeWtf8('a\ud800')).toEqual([0x61, 0xed, 0xa0, 0x80]);
    expect(decodeWtf8([0x61, 0xed, 0xa0, 0x80])).toBe('a\ud800');
    expect(decodeWtf8(encodeWtf8('\udc00\ud83d'))).toBe('\udc00\ud83d');
  });
});

/**
 * The obviously correct trainer: recount every pair of every chunk occurrence before each
 * merge, take the most frequent (ties: smallest left id, then right id).
 */
function naiveMerges(text: string, merges: number): [number, number][] {
  let words = pretokenize(text).map((chunk) => [...new TextEncoder().encode(chunk)]);
  const out: [number, number][] = [];
  for (let m = 0; m < merges; m++) {
    const counts = new Map<string, number>();
    for (const w of words)
      for (let i = 0; i + 1 < w.length; i++) {
        const k = `${w[i]},${w[i + 1]}`;
        counts.set(k, (counts.get(k) ?? 0) + 1);
      }
    let best: [number, number] | undefined;
    let bestCount = 0;
    for (const [k, c] of counts) {
      const [a, b] = k.split(',').map(Number);
      if (
        c > bestCount ||
        (c === bestCount && best && (a < best[0] || (a === best[0] && b < best[1])))
      ) {
        best = [a, b];
        bestCount = c;
      }
    }
    if (!best || bestCount < 2) break;
    out.push(best);
    const id = 256 + m;
    words = words.map((w) => {
      const merged: number[] = [];
      for (let i = 0; i < w.length; i++) {
        if (i + 1 < w.length && w[i] === best![0] && w[i + 1] === best![1]) {
          merged.push(id);
          i++;
        } else merged.push(w[i]);
      }
      return merged;
    });
  }
  return out;
}

describe('BpeTokenizer', () => {
  it('reproduces the textbook example aaabdaaabac → XdXac', () => {
    // Wikipedia, "Byte pair encoding": Z = aa, Y = ab, X = ZY.
    const tok = BpeTokenizer.train('aaabdaaabac', { vocabSize: 259, pretokenizer: 'none' });
    expect(tok.merges).toEqual([
      [97, 97],
      [97, 98],
      [256, 257],
    ]);
    expect(tok.encode('aaabdaaabac')).toEqual([258, 100, 258, 97, 99]);
  });

  it('learns the same merges as a from-scratch recount', () => {
    const text = prose.slice(0, 6000);
    const tok = BpeTokenizer.train(text, { vocabSize: 256 + 120 });
    expect(tok.merges.length).toBe(120);
    expect(tok.merges).toEqual(naiveMerges(text, 120));
  });

  it('splits like GPT-2', () => {
    expect(pretokenize("I'll say: hello  world's 123!\n\n")).toEqual([
      'I',
      "'ll",
      ' say',
      ':',
      ' hello',
      ' ',
      ' world',
      "'s",
      ' 123',
      '!',
      '\n\n',
    ]);
  });

  it('compresses its training text and encodes it consistently with training', () => {
    const text = prose.slice(0, 50_000);
    const tok = BpeTokenizer.train(text, { vocabSize: 512 });
    const ids = tok.encode(text);
    expect(tok.decode(ids)).toBe(text);
    expect(ids.length / text.length).toBeLessThan(0.5);
    expect(Math.max(...ids)).toBe(511);
  });

  it('round-trips any Unicode string, including lone surrogates, and through JSON', () => {
    const next = rng(4);
    const tok = BpeTokenizer.train(randomString(next, 3000) + prose.slice(0, 3000), {
      vocabSize: 400,
    });
    const loaded = tokenizerFromJSON(JSON.parse(JSON.stringify(tok.toJSON())));
    for (let trial = 0; trial < 200; trial++) {
      const s = randomString(next, Math.floor(next() * 50));
      const ids = tok.encode(s);
      expect(loaded.encode(s)).toEqual(ids);
      expect(tok.decode(ids)).toBe(s);
    }
  });

  it('decodes an arbitrary token sequence (a partial character) with U+FFFD, never throws', () => {
    const tok = new BpeTokenizer([]);
    expect(tok.decode([0xe2, 0x82])).toBe('\ufffd');
    expect(() => tok.decode([256])).toThrow(/token id 256 is outside the vocabulary \[0, 256\)/);
    expect(() => new BpeTokenizer([[0, 300]])).toThrow(/merge 0 is \[0, 300\]/);
  });
});
