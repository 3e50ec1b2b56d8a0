/**
 * Compact n-gram counts: one open-addressing hash table per n-gram length.
 *
 * An n-gram w1..wn is a node at level n whose key is (id of the node w1..wn−1 at level n−1,
 * id of wn): a trie whose edges live in hash tables, as in KenLM's probing structure. Per
 * node we keep three 32-bit integers (parent, word, count) in dense typed arrays plus one
 * 32-bit slot at ≤ 0.7 load, about 18 bytes per n-gram before estimator statistics; no
 * strings and no per-n-gram objects. Counting runs one pass per level over a flat token
 * array, so each pass inserts one key per position.
 *
 * Level 0 holds one node, the empty context (the root), so the unigram distribution is just
 * "children of the root" and every estimator walks contexts uniformly.
 */

const EMPTY_SLOT = -1;
const MAX_LOAD = 0.7;

/** All n-grams of one length. Node ids are dense, 0..size−1, in first-seen order. */
export class NgramLevel {
  /** Node id of the (n−1)-gram prefix at the previous level (0, the root, for unigrams). */
  parent: Int32Array;
  /** Vocabulary id of the last word. */
  word: Int32Array;
  /** How often the n-gram was counted. */
  count: Uint32Array;
  size = 0;
  private slots: Int32Array;
  private mask: number;

  constructor(initialCapacity = 16) {
    const capacity = Math.max(16, initialCapacity);
    this.parent = new Int32Array(capacity);
    this.word = new Int32Array(capacity);
    this.count = new Uint32Array(capacity);
    const slotCount = nextPowerOfTwo(Math.ceil(capacity / MAX_LOAD));
    this.slots = new Int32Array(slotCount).fill(EMPTY_SLOT);
    this.mask = slotCount - 1;
  }

  /** Node id of (parent, word), or −1 if that n-gram was never counted. */
  find(parent: number, word: number): number {
    const slots = this.slots;
    let slot = hashPair(parent, word) & this.mask;
    for (;;) {
      const node = slots[slot];
      if (node === EMPTY_SLOT) return -1;
      if (this.word[node] === word && this.parent[node] === parent) return node;
      slot = (slot + 1) & this.mask;
    }
  }

  /** Adds one occurrence of (parent, word) and returns its node id. */
  increment(parent: number, word: number): number {
    let slot = hashPair(parent, word) & this.mask;
    for (;;) {
      const node = this.slots[slot];
      if (node === EMPTY_SLOT) break;
      if (this.word[node] === word && this.parent[node] === parent) {
        this.count[node]++;
        return node;
      }
      slot = (slot + 1) & this.mask;
    }
    const node = this.size++;
    if (node >= this.parent.length) this.growNodes();
    this.parent[node] = parent;
    this.word[node] = word;
    this.count[node] = 1;
    this.slots[slot] = node;
    if (this.size > this.slots.length * MAX_LOAD) this.rehash(this.slots.length * 2);
    return node;
  }

  /** Releases the spare capacity left by doubling, once counting is over. */
  trim(): void {
    this.parent = this.parent.slice(0, this.size);
    this.word = this.word.slice(0, this.size);
    this.count = this.count.slice(0, this.size);
    this.rehash(nextPowerOfTwo(Math.ceil(Math.max(1, this.size) / MAX_LOAD)));
  }

  get byteLength(): number {
    return (
      this.parent.byteLength + this.word.byteLength + this.count.byteLength + this.slots.byteLength
    );
  }

  private growNodes(): void {
    const capacity = this.parent.length * 2;
    this.parent = grow(this.parent, new Int32Array(capacity));
    this.word = grow(this.word, new Int32Array(capacity));
    this.count = grow(this.count, new Uint32Array(capacity));
  }

  private rehash(slotCount: number): void {
    this.slots = new Int32Array(slotCount).fill(EMPTY_SLOT);
    this.mask = slotCount - 1;
    for (let node = 0; node < this.size; node++) {
      let slot = hashPair(this.parent[node], this.word[node]) & this.mask;
      while (this.slots[slot] !== EMPTY_SLOT) slot = (slot + 1) & this.mask;
      this.slots[slot] = node;
    }
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
  /** childTypes[n][h] = N1+(h •), the number of distinct words seen after h. */
  readonly childTypes: Uint32Array[];

  private constructor(order: number, vocabularySize: number, levels: NgramLevel[]) {
    this.order = order;
    this.vocabularySize = vocabularySize;
    this.levels = levels;
    this.childTotal = [];
    this.childTypes = [];
    for (let n = 0; n < order; n++) {
      const total = new Uint32Array(levels[n].size);
      const types = new Uint32Array(levels[n].size);
      const children = levels[n + 1];
      for (let node = 0; node < children.size; node++) {
        total[children.parent[node]] += children.count[node];
        types[children.parent[node]]++;
      }
      this.childTotal.push(total);
      this.childTypes.push(types);
    }
  }

  /**
   * Counts every n-gram of length 1..order inside each sentence (NLTK's everygrams:
   * n-grams never cross sentence boundaries).
   */
  static count(sentences: Iterable<ArrayLike<number>>, order: number, vocabularySize: number) {
    if (!Number.isInteger(order) || order < 1) {
      throw new RangeError(`order must be an integer ≥ 1, got ${order}`);
    }
    // Counts and totals are 32-bit: at most 2^32 − 1 tokens, far beyond what fits in memory.
    // Flatten once so each level is a tight loop over typed arrays.
    const lengths: number[] = [];
    let totalLength = 0;
    const buffered: ArrayLike<number>[] = [];
    for (const sentence of sentences) {
      buffered.push(sentence);
      lengths.push(sentence.length);
      totalLength += sentence.length;
    }
    const tokens = new Int32Array(totalLength);
    let offset = 0;
    for (const sentence of buffered) {
      for (let i = 0; i < sentence.length; i++) {
        const id = sentence[i];
        if (!(id >= 0 && id < vocabularySize)) {
          throw new RangeError(
            `token id ${id} is outside the vocabulary (0..${vocabularySize - 1}); map words with Vocabulary.lookup first`,
          );
        }
        tokens[offset + i] = id;
      }
      offset += sentence.length;
    }
    const root = new NgramLevel(1);
    root.increment(-1, -1);
    const levels = [root];
    // nodeAt[i] = node id of the n-gram of the current length starting at position i.
    const nodeAt = new Int32Array(totalLength);
    for (let n = 1; n <= order; n++) {
      const level = new NgramLevel(n === 1 ? vocabularySize : Math.min(totalLength, 1 << 16));
      let start = 0;
      for (const length of lengths) {
        for (let i = start; i + n <= start + length; i++) {
          nodeAt[i] = level.increment(n === 1 ? 0 : nodeAt[i], tokens[i + n - 1]);
        }
        start += length;
      }
      level.trim();
      levels.push(level);
    }
    return new NgramCounts(order, vocabularySize, levels);
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

  /**
   * Context nodes for every suffix of a context: out[j] is the node of its last j ids at
   * level j, or −1 once a suffix is unseen (longer ones then are unseen too). Uses at most
   * the last order−1 ids. Returns the number of suffix lengths filled (1 + usable length).
   */
  contextChain(context: ArrayLike<number>, out: Int32Array): number {
    const usable = Math.min(context.length, this.order - 1);
    out[0] = 0;
    for (let j = 1; j <= usable; j++) {
      out[j] = this.find(context, context.length - j, j);
    }
    return usable + 1;
  }

  /**
   * For each level n ≥ 1, the node at level n−1 of every node's suffix (w2..wn). Everygram
   * counting guarantees the suffix was counted, so no entry is −1.
   */
  suffixLinks(): Int32Array[] {
    const links: Int32Array[] = [new Int32Array(1).fill(-1)];
    for (let n = 1; n <= this.order; n++) {
      const level = this.levels[n];
      const lower = this.levels[n - 1];
      const link = new Int32Array(level.size);
      for (let node = 0; node < level.size; node++) {
        link[node] = n === 1 ? 0 : lower.find(links[n - 1][level.parent[node]], level.word[node]);
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
    for (const types of this.childTypes) bytes += types.byteLength;
    return bytes;
  }
}

function hashPair(parent: number, word: number): number {
  // murmur3 finalizer over a combination of both keys: cheap and well spread.
  let h = (parent ^ Math.imul(word, 0x9e3779b1)) | 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return h ^ (h >>> 16);
}

function nextPowerOfTwo(value: number): number {
  let power = 1;
  while (power < value) power *= 2;
  return power;
}

function grow<T extends Int32Array | Uint32Array>(source: T, target: T): T {
  target.set(source);
  return target;
}
