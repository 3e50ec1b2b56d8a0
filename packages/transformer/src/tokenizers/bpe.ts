import type { BpeTokenizerJSON, Tokenizer } from './types.js';
import { decodeWtf8, encodeWtf8 } from './wtf8.js';

/**
 * GPT-2's pre-tokenization pattern (Radford et al. 2019, openai/gpt-2 encoder.py): contractions,
 * runs of letters, runs of digits and runs of other symbols, each with at most one leading
 * space, and whitespace runs. Merges never cross these chunk boundaries.
 */
const GPT2_PATTERN = /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu;

export type Pretokenizer = BpeTokenizerJSON['pretokenizer'];

/** Splits text into the chunks BPE works within. The chunks always concatenate to `text`. */
export function pretokenize(text: string, mode: Pretokenizer = 'gpt2'): string[] {
  if (mode === 'none') return text.length > 0 ? [text] : [];
  const chunks: string[] = [];
  let end = 0;
  for (const match of text.matchAll(GPT2_PATTERN)) {
    // The pattern covers every code point; keep any gap anyway so no input is ever dropped.
    if (match.index > end) chunks.push(text.slice(end, match.index));
    chunks.push(match[0]);
    end = match.index + match[0].length;
  }
  if (end < text.length) chunks.push(text.slice(end));
  return chunks;
}

export interface BpeTrainOptions {
  /** Final vocabulary size: 256 byte tokens plus (vocabSize − 256) merges. */
  vocabSize: number;
  pretokenizer?: Pretokenizer;
  /** Pairs seen fewer times than this are never merged (default 2); training may stop early. */
  minFrequency?: number;
  /** Called every 100 merges and at the end. */
  onProgress?: (merges: number, target: number) => void;
}

const PAIR_BASE = 1 << 20; // pair key = left · 2^20 + right: exact in a double for ids < 2^20

/** A binary max-heap of [count, pairKey], ordered by count, then by smaller key. */
class PairHeap {
  private readonly counts: number[] = [];
  private readonly keys: number[] = [];

  get size(): number {
    return this.counts.length;
  }

  private before(i: number, j: number): boolean {
    const ci = this.counts[i];
    const cj = this.counts[j];
    return ci > cj || (ci === cj && this.keys[i] < this.keys[j]);
  }

  private swap(i: number, j: number): void {
    [this.counts[i], this.counts[j]] = [this.counts[j], this.counts[i]];
    [this.keys[i], this.keys[j]] = [this.keys[j], this.keys[i]];
  }

  push(count: number, key: number): void {
    this.counts.push(count);
    this.keys.push(key);
    let i = this.counts.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.before(i, parent)) break;
      this.swap(i, parent);
      i = parent;
    }
  }

  pop(): [number, number] {
    const top: [number, number] = [this.counts[0], this.keys[0]];
    const lastCount = this.counts.pop()!;
    const lastKey = this.keys.pop()!;
    if (this.counts.length > 0) {
      this.counts[0] = lastCount;
      this.keys[0] = lastKey;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let best = i;
        if (l < this.counts.length && this.before(l, best)) best = l;
        if (r < this.counts.length && this.before(r, best)) best = r;
        if (best === i) break;
        this.swap(i, best);
        i = best;
      }
    }
    return top;
  }
}

/**
 * Byte-level byte-pair encoding (Sennrich et al. 2016; GPT-2's byte-level variant). Ids 0–255
 * are the bytes; id 256 + i is merge i. Text becomes bytes as UTF-8 — WTF-8 for lone
 * surrogates, so `decode(encode(s)) === s` for every JavaScript string — split into chunks by
 * the GPT-2 pattern, and each chunk is merged by rank.
 *
 * Training counts each distinct chunk once with its frequency, keeps pair counts and a
 * pair → chunks index, and after each merge updates only the chunks that contain the merged
 * pair. The most frequent pair wins; ties go to the pair with the smaller (left, right) ids, so
 * training is deterministic.
 */
export class BpeTokenizer implements Tokenizer {
  readonly merges: readonly (readonly [number, number])[];
  readonly pretokenizer: Pretokenizer;
  private readonly ranks = new Map<number, number>();
  /** Bytes of every token, for decoding. */
  private readonly tokenBytes: number[][] = [];
  private readonly cache = new Map<string, number[]>();

  constructor(merges: readonly (readonly [number, number])[], pretokenizer: Pretokenizer = 'gpt2') {
    if (pretokenizer !== 'gpt2' && pretokenizer !== 'none') {
      throw new Error(
        `BpeTokenizer: unknown pretokenizer ${JSON.stringify(pretokenizer)}; use 'gpt2' or 'none'`,
      );
    }
    this.pretokenizer = pretokenizer;
    for (let b = 0; b < 256; b++) this.tokenBytes.push([b]);
    for (const [i, pair] of merges.entries()) {
      const id = 256 + i;
      const [a, b] = pair;
      if (!(Number.isInteger(a) && Number.isInteger(b) && a >= 0 && b >= 0 && a < id && b < id)) {
        throw new Error(
          `BpeTokenizer: merge ${i} is [${a}, ${b}]; both ids must be existing tokens (< ${id})`,
        );
      }
      const key = a * PAIR_BASE + b;
      if (this.ranks.has(key))
        throw new Error(`BpeTokenizer: merge ${i} [${a}, ${b}] appears twice`);
      this.ranks.set(key, i);
      this.tokenBytes.push([...this.tokenBytes[a], ...this.tokenBytes[b]]);
    }
    this.merges = merges.map(([a, b]) => [a, b] as const);
  }

  get vocabSize(): number {
    return 256 + this.merges.length;
  }

  /** Learns merges from `text` until the vocabulary has `vocabSize` tokens. */
  static train(text: string, options: BpeTrainOptions): BpeTokenizer {
    const { vocabSize, pretokenizer = 'gpt2', minFrequency = 2, onProgress } = options;
    if (!(Number.isInteger(vocabSize) && vocabSize >= 256 && vocabSize < PAIR_BASE)) {
      throw new Error(
        `BpeTokenizer.train: vocabSize must be an integer in [256, ${PAIR_BASE}), got ${vocabSize}`,
      );
    }
    const target = vocabSize - 256;

    // Distinct chunks with their frequencies.
    const frequency = new Map<string, number>();
    for (const chunk of pretokenize(text, pretokenizer))
      frequency.set(chunk, (frequency.get(chunk) ?? 0) + 1);
    const words: number[][] = [];
    const counts: number[] = [];
    for (const [chunk, count] of frequency) {
      words.push(encodeWtf8(chunk));
      counts.push(count);
    }

    const pairCounts = new Map<number, number>();
    const where = new Map<number, Set<number>>();
    const heap = new PairHeap();
    const add = (key: number, delta: number, word: number) => {
      const c = (pairCounts.get(key) ?? 0) + delta;
      pairCounts.set(key, c);
      if (delta > 0) {
        let set = where.get(key);
        if (!set) where.set(key, (set = new Set()));
        set.add(word);
      }
    };
    for (const [w, word] of words.entries()) {
      for (let i = 0; i + 1 < word.length; i++)
        add(word[i] * PAIR_BASE + word[i + 1], counts[w], w);
    }
    for (const [key, c] of pairCounts) heap.push(c, key);

    const merges: [number, number][] = [];
    const touched = new Set<number>();
    while (merges.length < target && heap.size > 0) {
      const [count, key] = heap.pop();
      const current = pairCounts.get(key) ?? 0;
      if (count !== current) {
        // A stale entry: the count changed after it was pushed; requeue the current one.
        if (current > 0) heap.push(current, key);
        continue;
      }
      if (count < minFrequency) break;
      const a = Math.floor(key / PAIR_BASE);
      const b = key % PAIR_BASE;
      const id = 256 + merges.length;
      merges.push([a, b]);
      touched.clear();
      for (const w of where.get(key) ?? []) {
        const word = words[w];
        const c = counts[w];
        let found = false;
        for (let i = 0; i + 1 < word.length; i++)
          if (word[i] === a && word[i + 1] === b) found = true;
        if (!found) continue;
        // Replace the word's pairs: subtract the old ones, merge, add the new ones.
        for (let i = 0; i + 1 < word.length; i++) add(word[i] * PAIR_BASE + word[i + 1], -c, w);
        const merged: number[] = [];
        for (let i = 0; i < word.length; i++) {
          if (i + 1 < word.length && word[i] === a && word[i + 1] === b) {
            merged.push(id);
            i++;
          } else merged.push(word[i]);
        }
        words[w] = merged;
        for (let i = 0; i + 1 < merged.length; i++) {
          const k = merged[i] * PAIR_BASE + merged[i + 1];
          add(k, c, w);
          touched.add(k);
        }
      }
      pairCounts.delete(key);
      where.delete(key);
      // Pairs whose count grew need a fresh heap entry; shrunk ones are fixed lazily on pop.
      for (const k of touched) {
        const c = pairCounts.get(k) ?? 0;
        if (c > 0) heap.push(c, k);
      }
      if (onProgress && merges.length % 100 === 0) onProgress(merges.length, target);
    }
    onProgress?.(merges.length, target);
    return new BpeTokenizer(merges, pretokenizer);
  }

  static fromJSON(json: BpeTokenizerJSON): BpeTokenizer {
    if (json?.type !== 'bpe' || json.version !== 1 || !Array.isArray(json.merges)) {
      throw new Error(
        'BpeTokenizer.fromJSON: expected { type: "bpe", version: 1, pretokenizer, merges: [[a, b], ...] }',
      );
    }
    return new BpeTokenizer(json.merges, json.pretokenizer);
  }

  /** Token ids of one pre-tokenized chunk: its bytes, merged lowest rank first. */
  private encodeChunk(chunk: string): number[] {
    const cached = this.cache.get(chunk);
    if (cached) return cached;
    let ids = encodeWtf8(chunk);
    while (ids.length > 1) {
      let bestRank = Infinity;
      for (let i = 0; i + 1 < ids.length; i++) {
        const rank = this.ranks.get(ids[i] * PAIR_BASE + ids[i + 1]);
        if (rank !== undefined && rank < bestRank) bestRank = rank;
      }
      if (bestRank === Infinity) break;
      const [a, b] = this.merges[bestRank];
      const merged: number[] = [];
      for (let i = 0; i < ids.length; i++) {
        if (i + 1 < ids.length && ids[i] === a && ids[i + 1] === b) {
          merged.push(256 + bestRank);
          i++;
        } else merged.push(ids[i]);
      }
      ids = merged;
    }
    if (this.cache.size < 100_000) this.cache.set(chunk, ids);
    return ids;
  }

  encode(text: string): number[] {
    const out: number[] = [];
    for (const chunk of pretokenize(text, this.pretokenizer)) {
      for (const id of this.encodeChunk(chunk)) out.push(id);
    }
    return out;
  }

  /** The bytes a token stands for (UTF-8, possibly a partial character). */
  bytesOf(id: number): Uint8Array {
    const bytes = this.tokenBytes[id];
    if (!bytes)
      throw new Error(
        `BpeTokenizer: token id ${id} is outside the vocabulary [0, ${this.vocabSize})`,
      );
    return Uint8Array.from(bytes);
  }

  decode(ids: readonly number[]): string {
    const bytes: number[] = [];
    for (const id of ids) {
      const tokenBytes = this.tokenBytes[id];
      if (!tokenBytes || !Number.isInteger(id)) {
        throw new Error(
          `BpeTokenizer: token id ${id} is outside the vocabulary [0, ${this.vocabSize})`,
        );
      }
      for (const b of tokenBytes) bytes.push(b);
    }
    return decodeWtf8(bytes);
  }

  toJSON(): BpeTokenizerJSON {
    return {
      type: 'bpe',
      version: 1,
      pretokenizer: this.pretokenizer,
      merges: this.merges.map(([a, b]) => [a, b]),
    };
  }
}
