/**
 * Compact n-gram counts: a sorted trie stored level by level in typed arrays.
 *
 * An n-gram w1..wn is a node at level n whose parent is the node w1..wn−1 at level n−1. Each
 * level keeps its nodes sorted by (parent, word), so the children of a context are one
 * contiguous range, found by binary search on the word (the sorted-array layout of KenLM's
 * "trie" data structure, without its bit packing). Per n-gram that is the word (int32), the
 * count (uint32) and, for n-grams that are also contexts, one range start and one total:
 * 16 bytes below the highest order and 8 at it, with no hash slots, no parent column, no
 * strings and no per-n-gram objects. N1+(h •), the number of distinct words after h that
 * Witten-Bell and Kneser-Ney need, is the length of h's range.
 *
 * Counting sorts token positions by (parent, word) with two stable counting-sort passes per
 * level (least significant key first), so node ids come out already sorted and each level is
 * a few linear passes over flat typed arrays.
 *
 * Level 0 holds one node, the empty context (the root), so the unigram distribution is just
 * "children of the root" and every estimator walks contexts uniformly.
 */

/** Below this many candidates a linear scan beats halving further. */
const LINEAR_SCAN = 8;

/**
 * All n-grams of one length, sorted by (parent, word). Node ids are dense, 0..size−1, and
 * (since every level is sorted the same way) follow the lexicographic order of the n-grams.
 */
export class NgramLevel {
  /** Vocabulary id of the last word (−1 for the root). */
  readonly word: Int32Array;
  /** How often the n-gram was counted. */
  readonly count: Uint32Array;
  /**
   * The children of context node h (at the previous level) are the nodes
   * firstChild[h] .. firstChild[h + 1] − 1 here; length = previous level's size + 1.
   */
  readonly firstChild: Uint32Array;
  readonly size: number;
  private parentColumn: Int32Array | undefined;
  /** For a level with a single parent: node id by word id (−1 if unseen). */
  private readonly nodeOfWord: Int32Array | undefined;

  constructor(word: Int32Array, count: Uint32Array, firstChild: Uint32Array) {
    if (word.length !== count.length || firstChild[firstChild.length - 1] !== word.length) {
      throw new RangeError(
        `an n-gram level needs as many words as counts (${word.length} vs ${count.length}) and firstChild ending at that size (${firstChild[firstChild.length - 1]})`,
      );
    }
    this.word = word;
    this.count = count;
    this.firstChild = firstChild;
    this.size = word.length;
    if (firstChild.length === 2 && word.length > 0 && word[0] >= 0) {
      // Unigrams (one parent, the root): every query starts here, so index them by word.
      this.nodeOfWord = new Int32Array(word[word.length - 1] + 1).fill(-1);
      for (let node = 0; node < word.length; node++) this.nodeOfWord[word[node]] = node;
    }
  }

  /** The level of the root alone: the empty n-gram, counted once. */
  static root(): NgramLevel {
    const level = new NgramLevel(Int32Array.of(-1), Uint32Array.of(1), Uint32Array.of(0, 1));
    level.parentColumn = Int32Array.of(-1);
    return level;
  }

  /** Node id of (parent, word), or −1 if that n-gram was never counted. */
  find(parent: number, word: number): number {
    const direct = this.nodeOfWord;
    if (direct) return parent === 0 && word >= 0 && word < direct.length ? direct[word] : -1;
    const words = this.word;
    let lo = this.firstChild[parent];
    const end = this.firstChild[parent + 1];
    // Halve while the first word ≥ `word` stays in [lo, hi]; the scan then runs up to `end`.
    let hi = end;
    while (hi - lo > LINEAR_SCAN) {
      const mid = (lo + hi) >>> 1;
      if (words[mid] < word) lo = mid + 1;
      else hi = mid;
    }
    for (; lo < end; lo++) {
      const candidate = words[lo];
      if (candidate === word) return lo;
      if (candidate > word) return -1;
    }
    return -1;
  }

  /** Number of distinct words counted after context node `parent`: N1+(h •). */
  childCount(parent: number): number {
    return this.firstChild[parent + 1] - this.firstChild[parent];
  }

  /**
   * Node id of each node's parent at the previous level (0, the root, for unigrams). Not
   * stored: built from {@link firstChild} on first use and kept (4 more bytes per n-gram).
   * Prefer iterating the ranges of {@link firstChild}.
   */
  get parent(): Int32Array {
    if (!this.parentColumn) {
      const parent = new Int32Array(this.size);
      const starts = this.firstChild;
      for (let context = 0; context + 1 < starts.length; context++) {
        parent.fill(context, starts[context], starts[context + 1]);
      }
      this.parentColumn = parent;
    }
    return this.parentColumn;
  }

  get byteLength(): number {
    return (
      this.word.byteLength +
      this.count.byteLength +
      this.firstChild.byteLength +
      (this.nodeOfWord?.byteLength ?? 0) +
      (this.parentColumn?.byteLength ?? 0)
    );
  }
}

/**
 * Counts of every n-gram of length 1..order in a corpus of (already padded, already
 * id-mapped) sentences, with per-context totals that every estimator needs.
 */
export class NgramCounts {
  readonly order: number;
  readonly vocabularySize: number;
  /** levels[n] holds the n-grams of length n; levels[0] holds only the root. */
  readonly levels: NgramLevel[];
  /** childTotal[n][h] = Σ_w c(h w), for contexts h at levels 0..order−1 (< 2^32 tokens). */
  readonly childTotal: Uint32Array[];
  private childTypesColumns: Uint32Array[] | undefined;

  private constructor(
    order: number,
    vocabularySize: number,
    levels: NgramLevel[],
    childTotal: Uint32Array[],
  ) {
    this.order = order;
    this.vocabularySize = vocabularySize;
    this.levels = levels;
    this.childTotal = childTotal;
  }

  /**
   * Counts every n-gram of length 1..order inside each sentence (NLTK's everygrams:
   * n-grams never cross sentence boundaries).
   */
  static count(sentences: Iterable<ArrayLike<number>>, order: number, vocabularySize: number) {
    if (!Number.isInteger(order) || order < 1) {
      throw new RangeError(`order must be an integer ≥ 1, got ${order}`);
    }
    const { tokens, sentenceStart } = flatten(sentences, vocabularySize);
    const length = tokens.length;
    // nodeAt[i]: node of the n-gram of the current length starting at position i, or −1 when
    // it would cross the end of its sentence. Before level 1 every position hangs off the root.
    const nodeAt = new Int32Array(length);
    const byWord = new Int32Array(length);
    const byKey = new Int32Array(length);
    const levels = [NgramLevel.root()];
    const childTotal: Uint32Array[] = [];
    let active = length;
    for (let n = 1; n <= order; n++) {
      const parents = levels[n - 1].size;
      const offset = n - 1; // the n-gram at i ends with tokens[i + n − 1]

      // Stable counting sort of the active positions by last word, then by parent node. The
      // occurrences per parent are exactly the parent's total c(h •).
      const wordStart = new Uint32Array(vocabularySize + 1);
      const total = new Uint32Array(parents);
      for (let i = 0; i < length; i++) {
        const parent = nodeAt[i];
        if (parent < 0) continue;
        wordStart[tokens[i + offset] + 1]++;
        total[parent]++;
      }
      childTotal.push(total);
      prefixSum(wordStart);
      // With a single parent (unigrams) the order by word is already the order by key.
      const sorted = parents === 1 ? byKey : byWord;
      for (let i = 0; i < length; i++) {
        if (nodeAt[i] >= 0) sorted[wordStart[tokens[i + offset]]++] = i;
      }
      if (parents > 1) {
        const parentStart = new Uint32Array(parents + 1);
        parentStart.set(total, 1);
        prefixSum(parentStart);
        for (let k = 0; k < active; k++) {
          const i = byWord[k];
          byKey[parentStart[nodeAt[i]]++] = i;
        }
      }

      // Equal (parent, word) keys are now adjacent: each run is one node, in sorted order.
      // byWord is free again and holds the words until the level's size is known.
      const words = byWord;
      const counts = new Uint32Array(active);
      const firstChild = new Uint32Array(parents + 1);
      // The (n+1)-gram at i exists only if position i + n is still inside the same sentence.
      const last = n === order;
      let previousParent = -1;
      let previousWord = -1;
      let node = -1;
      let nextActive = 0;
      for (let k = 0; k < active; k++) {
        const i = byKey[k];
        const parent = nodeAt[i];
        const word = tokens[i + offset];
        if (parent !== previousParent || word !== previousWord) {
          node++;
          words[node] = word;
          firstChild[parent + 1]++;
          previousParent = parent;
          previousWord = word;
        }
        counts[node]++;
        if (last || sentenceStart[i + n] === 1) {
          nodeAt[i] = -1;
        } else {
          nodeAt[i] = node;
          nextActive++;
        }
      }
      prefixSum(firstChild);
      const size = node + 1;
      levels.push(new NgramLevel(words.slice(0, size), counts.slice(0, size), firstChild));
      active = nextActive;
    }
    return new NgramCounts(order, vocabularySize, levels, childTotal);
  }

  /** Node id of the n-gram ids[start..start+length), or −1 if never seen (length 0: root). */
  find(ids: ArrayLike<number>, start: number, length: number): number {
    let node = 0;
    for (let n = 1; n <= length && node >= 0; n++) {
      node = this.levels[n].find(node, ids[start + n - 1]);
    }
    return node;
  }

  /** Count of an n-gram given as ids (0 if unseen). */
  countOf(ids: ArrayLike<number>): number {
    if (ids.length === 0) return this.childTotal[0][0];
    if (ids.length > this.order) return 0;
    const node = this.find(ids, 0, ids.length);
    return node < 0 ? 0 : this.levels[ids.length].count[node];
  }

  /** N1+(h •): distinct words counted after context node `context` at `level` (its length). */
  childTypeCount(level: number, context: number): number {
    return this.levels[level + 1].childCount(context);
  }

  /**
   * childTypes[n][h] = N1+(h •) as arrays. Not stored (it is the length of h's range of
   * children): built on first use. Estimators call {@link childTypeCount} instead.
   */
  get childTypes(): Uint32Array[] {
    if (!this.childTypesColumns) {
      this.childTypesColumns = [];
      for (let n = 0; n < this.order; n++) {
        const starts = this.levels[n + 1].firstChild;
        const types = new Uint32Array(starts.length - 1);
        for (let context = 0; context < types.length; context++) {
          types[context] = starts[context + 1] - starts[context];
        }
        this.childTypesColumns.push(types);
      }
    }
    return this.childTypesColumns;
  }

  /**
   * Context nodes for every suffix of a context: out[j] is the node of its last j ids at
   * level j, or −1 once a suffix is unseen (longer ones then are unseen too). Uses at most
   * the last order−1 ids. Returns the number of suffix lengths filled (1 + usable length).
   */
  contextChain(context: ArrayLike<number>, out: Int32Array): number {
    const usable = Math.min(context.length, this.order - 1);
    out[0] = 0;
    let j = 1;
    for (; j <= usable; j++) {
      const node = this.find(context, context.length - j, j);
      out[j] = node;
      if (node < 0) break;
    }
    // Every counted n-gram's suffixes were counted, so an unseen suffix has no seen extension.
    for (j++; j <= usable; j++) out[j] = -1;
    return usable + 1;
  }

  /**
   * For each level n ≥ 1, the node at level n−1 of every node's suffix (w2..wn). Everygram
   * counting guarantees the suffix was counted, so no entry is −1. Both a context's children
   * and its suffix's children are sorted by word, so one merge walk per context finds them.
   */
  suffixLinks(): Int32Array[] {
    const links: Int32Array[] = [Int32Array.of(-1)];
    for (let n = 1; n <= this.order; n++) {
      const level = this.levels[n];
      const link = new Int32Array(level.size);
      if (n > 1) {
        const lower = this.levels[n - 1];
        const contextLinks = links[n - 1];
        const starts = level.firstChild;
        for (let context = 0; context + 1 < starts.length; context++) {
          let candidate = lower.firstChild[contextLinks[context]];
          for (let node = starts[context]; node < starts[context + 1]; node++) {
            while (lower.word[candidate] < level.word[node]) candidate++;
            link[node] = candidate;
          }
        }
      }
      links.push(link);
    }
    return links;
  }

  /** Number of distinct n-grams per length, index 1..order. */
  get distinctNgrams(): number[] {
    return this.levels.map((level, n) => (n === 0 ? 0 : level.size));
  }

  /** Bytes held by the count tables and per-context totals. */
  get byteLength(): number {
    let bytes = 0;
    for (const level of this.levels) bytes += level.byteLength;
    for (const total of this.childTotal) bytes += total.byteLength;
    for (const types of this.childTypesColumns ?? []) bytes += types.byteLength;
    return bytes;
  }
}

/** Copies sentences into one token array, checking ids, and marks where each sentence starts. */
function flatten(sentences: Iterable<ArrayLike<number>>, vocabularySize: number) {
  const buffered: ArrayLike<number>[] = [];
  let length = 0;
  for (const sentence of sentences) {
    buffered.push(sentence);
    length += sentence.length;
  }
  const tokens = new Int32Array(length);
  // One extra entry so "position i + n starts a sentence" needs no bounds check at the end.
  const sentenceStart = new Uint8Array(length + 1);
  let offset = 0;
  for (const sentence of buffered) {
    sentenceStart[offset] = 1;
    for (let i = 0; i < sentence.length; i++) {
      const id = sentence[i];
      if (!(Number.isInteger(id) && id >= 0 && id < vocabularySize)) {
        throw new RangeError(
          `token id ${id} is outside the vocabulary (0..${vocabularySize - 1}); map words with Vocabulary.lookup first`,
        );
      }
      tokens[offset + i] = id;
    }
    offset += sentence.length;
  }
  sentenceStart[length] = 1;
  return { tokens, sentenceStart };
}

/** In place: a[i] becomes a[0] + … + a[i]. */
function prefixSum(values: Uint32Array): void {
  for (let i = 1; i < values.length; i++) values[i] += values[i - 1];
}
