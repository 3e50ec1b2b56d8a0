/**
 * ARPA back-off language model files, as written and read by SRILM and KenLM.
 *
 * Semantics (SRILM `ngram-format(5)`, KenLM): every probability is log10; an n-gram line is
 * `log10 P(w | h)  h w  [log10 bow(h w)]`; a query P(w | h) uses the longest listed
 * (h_k w), h_k a suffix of h, and multiplies in the backoff weights of the longer suffixes
 * of h that are listed (a missing weight is log10 1 = 0). Out-of-vocabulary words are
 * scored as `<unk>` when the file lists it, otherwise they have probability 0.
 */
import { LanguageModel } from './language-model.js';
import type { NgramModel } from './model.js';
import { DEFAULT_SYMBOLS, type Padding, type PaddingSymbols } from './padding.js';
import { Vocabulary } from './vocabulary.js';

/** What KenLM and SRILM write for log10(0), e.g. for `<s>`, which is never predicted. */
export const ARPA_LOG_ZERO = -99;

export interface WriteArpaOptions {
  /** Label written for the unknown word. Default `<unk>` (SRILM/KenLM), whatever the model uses. */
  unkLabel?: string;
}

/** Thrown for a malformed ARPA file; `line` is 1-based. */
export class ArpaFormatError extends Error {
  constructor(
    readonly line: number,
    problem: string,
  ) {
    super(`ARPA line ${line}: ${problem}`);
    this.name = 'ArpaFormatError';
  }
}

/**
 * Writes a count-based model in backoff form as ARPA text: each counted n-gram with its
 * full (interpolated or discounted) probability, each context with its backoff weight.
 * Every vocabulary word is listed as a unigram so no word falls off the model.
 */
export function formatArpa(model: NgramModel, options: WriteArpaOptions = {}): string {
  const estimator = model.estimator;
  if (!estimator.backoffWeight || !estimator.normalized) {
    throw new TypeError(
      `${estimator.name} is not a backoff-form model, so it has no ARPA form; fit with katz, witten-bell, absolute-discounting, kneser-ney or modified-kneser-ney`,
    );
  }
  const backoffWeight = estimator.backoffWeight.bind(estimator);
  const { counts, vocabulary, order } = model;
  const unkLabel = options.unkLabel ?? '<unk>';
  const wordOf = (id: number) => (id === vocabulary.unkId ? unkLabel : vocabulary.wordOf(id));
  const sections: string[][] = [];

  // Unigrams: every vocabulary word, counted or not.
  const unigrams: string[] = [];
  for (let id = 0; id < vocabulary.size; id++) {
    const node = counts.levels[1].find(0, id);
    const probability = model.probabilityOfIds(id, []);
    const bow = order > 1 && node >= 0 ? backoffWeight(1, node) : 1;
    unigrams.push(arpaLine(probability, wordOf(id), order > 1 ? bow : undefined));
  }
  sections.push(unigrams);

  // Higher orders: reconstruct each n-gram's ids by walking its parents.
  let idsOf: Int32Array[] = [];
  for (let node = 0; node < counts.levels[1].size; node++) {
    idsOf.push(Int32Array.of(counts.levels[1].word[node]));
  }
  for (let n = 2; n <= order; n++) {
    const level = counts.levels[n];
    const lines: string[] = [];
    const next: Int32Array[] = [];
    for (let node = 0; node < level.size; node++) {
      const context = idsOf[level.parent[node]];
      const ids = new Int32Array(n);
      ids.set(context);
      ids[n - 1] = level.word[node];
      next.push(ids);
      const probability = model.probabilityOfIds(ids[n - 1], context);
      const words = Array.from(ids, wordOf).join(' ');
      lines.push(arpaLine(probability, words, n < order ? backoffWeight(n, node) : undefined));
    }
    sections.push(lines);
    idsOf = next;
  }

  const out = ['', '\\data\\'];
  sections.forEach((lines, index) => {
    out.push(`ngram ${index + 1}=${lines.length}`);
  });
  sections.forEach((lines, index) => {
    out.push('', `\\${index + 1}-grams:`);
    for (const line of lines) out.push(line);
  });
  out.push('', '\\end\\', '');
  return out.join('\n');
}

function arpaLine(probability: number, words: string, backoff?: number): string {
  const log = probability > 0 ? Math.log10(probability) : ARPA_LOG_ZERO;
  if (backoff === undefined) return `${log}\t${words}`;
  const logBackoff = backoff > 0 ? Math.log10(backoff) : ARPA_LOG_ZERO;
  return `${log}\t${words}\t${logBackoff}`;
}

export interface ReadArpaOptions {
  /** How sentences are padded when evaluating with the model. Default `'single-end'`. */
  padding?: Padding;
  symbols?: PaddingSymbols;
  /** Label of the unknown word in the file. Default `<unk>`. */
  unkLabel?: string;
}

/** A model read from an ARPA file, scored with standard backoff semantics. */
export class ArpaModel extends LanguageModel {
  readonly name: string;
  readonly normalized = true;
  readonly order: number;
  readonly vocabulary: Vocabulary;
  readonly padding: Padding;
  readonly symbols: PaddingSymbols;
  /** tables[n − 1] maps the ids of an n-gram (joined by ',') to its entry index. */
  private readonly tables: Map<string, number>[];
  /** log10 probabilities and log10 backoff weights, by level, by entry index. */
  private readonly log10Probabilities: Float64Array[];
  private readonly log10Backoffs: Float64Array[];
  private readonly hasUnk: boolean;

  /** @internal Use {@link parseArpa} or {@link readArpaFile}. */
  constructor(
    words: string[],
    entries: { ids: number[]; logProbability: number; logBackoff: number }[][],
    options: ReadArpaOptions,
  ) {
    super();
    const unkLabel = options.unkLabel ?? '<unk>';
    this.vocabulary = Vocabulary.fromWords(words, unkLabel);
    this.hasUnk = words.includes(unkLabel);
    this.order = entries.length;
    this.padding = options.padding ?? 'single-end';
    this.symbols = options.symbols ?? DEFAULT_SYMBOLS;
    this.name = `ARPA ${this.order}-gram`;
    this.tables = [];
    this.log10Probabilities = [];
    this.log10Backoffs = [];
    for (const levelEntries of entries) {
      const table = new Map<string, number>();
      const probabilities = new Float64Array(levelEntries.length);
      const backoffs = new Float64Array(levelEntries.length);
      levelEntries.forEach((entry, index) => {
        table.set(entry.ids.join(','), index);
        probabilities[index] = entry.logProbability;
        backoffs[index] = entry.logBackoff;
      });
      this.tables.push(table);
      this.log10Probabilities.push(probabilities);
      this.log10Backoffs.push(backoffs);
    }
  }

  /** log10 P(word | context) with backoff; −Infinity for an OOV word when there is no `<unk>`. */
  log10ProbabilityOfIds(word: number, context: ArrayLike<number>): number {
    if (word === this.vocabulary.unkId && !this.hasUnk) return Number.NEGATIVE_INFINITY;
    const usable = Math.min(context.length, this.order - 1);
    let backoff = 0;
    for (let length = usable; length >= 0; length--) {
      const start = context.length - length;
      let key = '';
      for (let i = start; i < context.length; i++) key += `${context[i]},`;
      const found = this.tables[length].get(key + word);
      if (found !== undefined) return backoff + this.log10Probabilities[length][found];
      if (length > 0) {
        const contextEntry = this.tables[length - 1].get(key.slice(0, -1));
        if (contextEntry !== undefined) backoff += this.log10Backoffs[length - 1][contextEntry];
      }
    }
    return Number.NEGATIVE_INFINITY;
  }

  probabilityOfIds(word: number, context: ArrayLike<number>): number {
    return 10 ** this.log10ProbabilityOfIds(word, context);
  }
}

/** Parses ARPA text; malformed input throws {@link ArpaFormatError} with the line number. */
export function parseArpa(text: string, options: ReadArpaOptions = {}): ArpaModel {
  const lines = text.split(/\r?\n/);
  let index = 0;
  const fail = (problem: string, at = index): never => {
    throw new ArpaFormatError(at + 1, problem);
  };
  // SRILM and KenLM may write comments or blank lines before \data\.
  while (index < lines.length && lines[index].trim() !== '\\data\\') index++;
  if (index === lines.length) fail('no "\\data\\" header found; is this an ARPA file?', 0);
  index++;

  const declared: number[] = [];
  for (; index < lines.length; index++) {
    const line = lines[index].trim();
    if (line === '') {
      if (declared.length > 0) break;
      continue;
    }
    const match = /^ngram\s+(\d+)\s*=\s*(\d+)$/.exec(line);
    if (!match) fail(`expected "ngram N=count" in the \\data\\ section, got "${line}"`);
    const order = Number(match![1]);
    if (order !== declared.length + 1) {
      fail(`expected the count of ${declared.length + 1}-grams, got "ngram ${order}="`);
    }
    declared.push(Number(match![2]));
  }
  if (declared.length === 0) fail('the \\data\\ section declares no n-gram counts');

  const order = declared.length;
  const words: string[] = [];
  const idOf = new Map<string, number>();
  const entries: { ids: number[]; logProbability: number; logBackoff: number }[][] = [];
  for (let n = 1; n <= order; n++) {
    while (index < lines.length && lines[index].trim() === '') index++;
    if (index === lines.length) fail(`file ends before the \\${n}-grams: section`);
    if (lines[index].trim() !== `\\${n}-grams:`) {
      fail(`expected "\\${n}-grams:", got "${lines[index].trim()}"`);
    }
    index++;
    const levelEntries: { ids: number[]; logProbability: number; logBackoff: number }[] = [];
    const seen = new Set<string>();
    for (; index < lines.length; index++) {
      const line = lines[index].trim();
      if (line === '' || line.startsWith('\\')) break;
      const fields = line.split(/\s+/);
      if (fields.length !== n + 1 && fields.length !== n + 2) {
        fail(
          `a ${n}-gram line needs a log10 probability, ${n} words and an optional backoff weight; got ${fields.length} fields`,
        );
      }
      const logProbability = parseLogNumber(fields[0], 'log10 probability', fail);
      if (logProbability > 0) fail(`log10 probability ${fields[0]} is positive (probability > 1)`);
      let logBackoff = 0;
      if (fields.length === n + 2) {
        if (n === order) fail(`the highest order (${order}-grams) cannot have backoff weights`);
        logBackoff = parseLogNumber(fields[n + 1], 'log10 backoff weight', fail);
      }
      const ids: number[] = [];
      for (let k = 1; k <= n; k++) {
        const word = fields[k];
        let id = idOf.get(word);
        if (id === undefined) {
          if (n > 1) fail(`"${word}" is not listed among the unigrams`);
          id = words.length;
          words.push(word);
          idOf.set(word, id);
        }
        ids.push(id);
      }
      const key = ids.join(',');
      if (seen.has(key)) fail(`duplicate ${n}-gram "${fields.slice(1, n + 1).join(' ')}"`);
      seen.add(key);
      levelEntries.push({ ids, logProbability, logBackoff });
    }
    if (levelEntries.length !== declared[n - 1]) {
      fail(
        `the \\data\\ section declares ${declared[n - 1]} ${n}-grams but the section lists ${levelEntries.length}`,
      );
    }
    entries.push(levelEntries);
  }
  while (index < lines.length && lines[index].trim() === '') index++;
  if (index === lines.length || lines[index].trim() !== '\\end\\') {
    fail(
      index === lines.length
        ? 'file ends without "\\end\\" (truncated?)'
        : `expected "\\end\\", got "${lines[index].trim()}"`,
    );
  }
  return new ArpaModel(words, entries, options);
}

function parseLogNumber(field: string, what: string, fail: (problem: string) => never): number {
  // Some SRILM builds write -inf for a zero probability.
  if (field === '-inf' || field === '-Infinity') return Number.NEGATIVE_INFINITY;
  const value = Number(field);
  if (field === '' || Number.isNaN(value)) fail(`${what} "${field}" is not a number`);
  return value;
}

/** Reads an ARPA file, gunzipping it when it starts with the gzip magic bytes. Node only. */
export async function readArpaFile(path: string, options: ReadArpaOptions = {}) {
  const { readFile } = await import('node:fs/promises');
  const { gunzipSync } = await import('node:zlib');
  let bytes: Uint8Array = await readFile(path);
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) bytes = gunzipSync(bytes);
  return parseArpa(new TextDecoder().decode(bytes), options);
}

/** Writes a model as an ARPA file, gzip-compressed when the path ends in `.gz`. Node only. */
export async function writeArpaFile(
  path: string,
  model: NgramModel,
  options: WriteArpaOptions = {},
) {
  const { writeFile } = await import('node:fs/promises');
  const { gzipSync } = await import('node:zlib');
  const text = formatArpa(model, options);
  await writeFile(path, path.endsWith('.gz') ? gzipSync(text) : text);
}
