/**
 * Entity-level evaluation of sequence labeling, compatible with `seqeval`
 * (github.com/chakki-works/seqeval):
 *
 * - default mode (`seqeval.metrics.sequence_labeling`), which reproduces the CoNLL `conlleval`
 *   script: chunks are read leniently (an I- after O starts a chunk, a type change ends one);
 * - strict mode (`seqeval.metrics.v1` with `mode='strict'` and a `scheme`), where a chunk counts
 *   only if it is well formed in the given scheme: IOB1, IOB2 (BIO), IOE1, IOE2, IOBES, BILOU.
 *
 * Precision, recall and F are micro, macro or weighted averages over entity types (sorted by
 * name), or per type; divisions by zero give `zeroDivision` (default 0, seqeval's "warn").
 */
import { assertSameLength } from './errors.js';

export type TaggingScheme = 'IOB1' | 'IOB2' | 'IOE1' | 'IOE2' | 'IOBES' | 'BILOU';
export type Average = 'micro' | 'macro' | 'weighted';

export interface SeqevalOptions {
  /** 'default' (conlleval-compatible, seqeval's default) or 'strict' (needs `scheme`). */
  mode?: 'default' | 'strict';
  /** Tagging scheme for strict mode. */
  scheme?: TaggingScheme;
  /** Tags are written TYPE-B instead of B-TYPE. */
  suffix?: boolean;
  /** Value of 0/0 precision or recall; default 0 (seqeval's 'warn' also yields 0). */
  zeroDivision?: number;
  /** F-beta; default 1. */
  beta?: number;
}

/** An entity: type, first token index, and index one past its last token (within its sentence in strict mode). */
export interface Entity {
  type: string;
  start: number;
  end: number;
  sentence: number;
}

// ---------------------------------------------------------------------------------------------
// Default (conlleval-compatible) chunking: seqeval's get_entities / end_of_chunk / start_of_chunk.

function splitTag(chunk: string, suffix: boolean): { tag: string; type: string } {
  if (suffix) {
    const tag = chunk.slice(-1);
    const rest = chunk.slice(0, -1);
    const cut = rest.lastIndexOf('-');
    return { tag, type: (cut === -1 ? rest : rest.slice(0, cut)) || '_' };
  }
  const tag = chunk.slice(0, 1);
  const rest = chunk.slice(1);
  const cut = rest.indexOf('-');
  return { tag, type: (cut === -1 ? rest : rest.slice(cut + 1)) || '_' };
}

function endOfChunk(prevTag: string, tag: string, prevType: string, type: string): boolean {
  if (prevTag === 'E' || prevTag === 'S') return true;
  if ((prevTag === 'B' || prevTag === 'I') && (tag === 'B' || tag === 'S' || tag === 'O'))
    return true;
  return prevTag !== 'O' && prevTag !== '.' && prevType !== type;
}

function startOfChunk(prevTag: string, tag: string, prevType: string, type: string): boolean {
  if (tag === 'B' || tag === 'S') return true;
  if ((prevTag === 'E' || prevTag === 'S' || prevTag === 'O') && (tag === 'E' || tag === 'I'))
    return true;
  return tag !== 'O' && tag !== '.' && prevType !== type;
}

/**
 * Chunks of a tag sequence the way conlleval and seqeval's default mode read them. Sentences are
 * concatenated with an 'O' after each, so indices run over the whole corpus (as in seqeval).
 * `end` is exclusive.
 */
export function getEntities(
  sequences: readonly (readonly string[])[] | readonly string[],
  suffix = false,
): Entity[] {
  const flat: string[] = [];
  if (sequences.length > 0 && Array.isArray(sequences[0])) {
    for (const sentence of sequences as readonly (readonly string[])[]) flat.push(...sentence, 'O');
  } else {
    flat.push(...(sequences as readonly string[]));
  }
  flat.push('O');
  const entities: Entity[] = [];
  let prevTag = 'O';
  let prevType = '';
  let begin = 0;
  flat.forEach((chunk, i) => {
    const { tag, type } = splitTag(chunk, suffix);
    if (endOfChunk(prevTag, tag, prevType, type)) {
      entities.push({ type: prevType, start: begin, end: i, sentence: 0 });
    }
    if (startOfChunk(prevTag, tag, prevType, type)) begin = i;
    prevTag = tag;
    prevType = type;
  });
  return entities;
}

// ---------------------------------------------------------------------------------------------
// Strict chunking: seqeval's scheme.py token patterns.

type Prefix = 'I' | 'O' | 'B' | 'E' | 'S';
type TagCondition = 'same' | 'diff' | 'any';
type Pattern = [Prefix | 'ANY', Prefix | 'ANY', TagCondition];

interface SchemeDefinition {
  allowed: Prefix[];
  start: Pattern[];
  inside: Pattern[];
  end: Pattern[];
}

const IOBES_DEFINITION: SchemeDefinition = {
  allowed: ['I', 'O', 'B', 'E', 'S'],
  start: [
    ['ANY', 'B', 'any'],
    ['ANY', 'S', 'any'],
  ],
  inside: [
    ['B', 'I', 'same'],
    ['B', 'E', 'same'],
    ['I', 'I', 'same'],
    ['I', 'E', 'same'],
  ],
  end: [
    ['S', 'ANY', 'any'],
    ['E', 'ANY', 'any'],
  ],
};

const SCHEMES: Record<TaggingScheme, SchemeDefinition> = {
  IOB1: {
    allowed: ['I', 'O', 'B'],
    start: [
      ['O', 'I', 'any'],
      ['I', 'I', 'diff'],
      ['B', 'I', 'any'],
      ['I', 'B', 'same'],
      ['B', 'B', 'same'],
    ],
    inside: [
      ['B', 'I', 'same'],
      ['I', 'I', 'same'],
    ],
    end: [
      ['I', 'I', 'diff'],
      ['I', 'O', 'any'],
      ['I', 'B', 'any'],
      ['B', 'O', 'any'],
      ['B', 'I', 'diff'],
      ['B', 'B', 'same'],
    ],
  },
  IOE1: {
    allowed: ['I', 'O', 'E'],
    start: [
      ['O', 'I', 'any'],
      ['I', 'I', 'diff'],
      ['E', 'I', 'any'],
      ['E', 'E', 'same'],
    ],
    inside: [
      ['I', 'I', 'same'],
      ['I', 'E', 'same'],
    ],
    end: [
      ['I', 'I', 'diff'],
      ['I', 'O', 'any'],
      ['I', 'E', 'diff'],
      ['E', 'I', 'same'],
      ['E', 'E', 'same'],
    ],
  },
  IOB2: {
    allowed: ['I', 'O', 'B'],
    start: [['ANY', 'B', 'any']],
    inside: [
      ['B', 'I', 'same'],
      ['I', 'I', 'same'],
    ],
    end: [
      ['I', 'O', 'any'],
      ['I', 'I', 'diff'],
      ['I', 'B', 'any'],
      ['B', 'O', 'any'],
      ['B', 'I', 'diff'],
      ['B', 'B', 'any'],
    ],
  },
  IOE2: {
    allowed: ['I', 'O', 'E'],
    start: [
      ['O', 'I', 'any'],
      ['O', 'E', 'any'],
      ['E', 'I', 'any'],
      ['E', 'E', 'any'],
      ['I', 'I', 'diff'],
      ['I', 'E', 'diff'],
    ],
    inside: [
      ['I', 'E', 'same'],
      ['I', 'I', 'same'],
    ],
    end: [['E', 'ANY', 'any']],
  },
  IOBES: IOBES_DEFINITION,
  // BILOU is IOBES with L(ast) for E(nd) and U(nit) for S(ingle).
  BILOU: IOBES_DEFINITION,
};

interface StrictToken {
  prefix: Prefix;
  type: string;
  raw: string;
}

function parseStrictToken(raw: string, scheme: TaggingScheme, suffix: boolean): StrictToken {
  if (raw.length === 0) {
    throw new Error(`empty tag in strict mode; every token needs a tag such as 'O' or 'B-PER'.`);
  }
  let prefix = suffix ? raw.slice(-1) : raw.slice(0, 1);
  if (scheme === 'BILOU') {
    if (prefix === 'L') prefix = 'E';
    else if (prefix === 'U') prefix = 'S';
    else if (prefix === 'E' || prefix === 'S') prefix = '?';
  }
  const allowed = SCHEMES[scheme].allowed;
  if (!(allowed as string[]).includes(prefix)) {
    const shown = scheme === 'BILOU' ? 'B, I, L, O, U' : allowed.join(', ');
    throw new Error(
      `invalid tag ${JSON.stringify(raw)} for scheme ${scheme}: allowed prefixes are ${shown}; ` +
        `pick the scheme your tags use, or convert the tags.`,
    );
  }
  const body = suffix ? raw.slice(0, -1) : raw.slice(1);
  // seqeval strips the delimiter from both ends of the type.
  const type = body.replace(/^-+|-+$/g, '') || '_';
  return { prefix: prefix as Prefix, type, raw };
}

function matches(prev: StrictToken, current: StrictToken, patterns: Pattern[]): boolean {
  return patterns.some(([prevPrefix, currentPrefix, condition]) => {
    if (prevPrefix !== 'ANY' && prev.prefix !== prevPrefix) return false;
    if (currentPrefix !== 'ANY' && current.prefix !== currentPrefix) return false;
    if (condition === 'same') return prev.type === current.type;
    if (condition === 'diff') return prev.type !== current.type;
    return true;
  });
}

/** Well-formed entities of one sentence under a scheme (seqeval's `Tokens.entities`). */
export function getStrictEntities(
  sentence: readonly string[],
  scheme: TaggingScheme,
  options: { suffix?: boolean; sentence?: number } = {},
): Entity[] {
  const suffix = options.suffix ?? false;
  const definition = SCHEMES[scheme];
  if (!definition) {
    throw new Error(
      `unknown tagging scheme ${JSON.stringify(scheme)}; use IOB1, IOB2, IOE1, IOE2, IOBES or BILOU.`,
    );
  }
  const outside = parseStrictToken('O', scheme, suffix);
  const tokens = sentence.map((raw) => parseStrictToken(raw, scheme, suffix));
  const extended = [...tokens, outside];
  const entities: Entity[] = [];
  const forward = (start: number, prev: StrictToken): number => {
    for (let i = start; i < extended.length; i++) {
      if (matches(prev, extended[i], definition.inside)) prev = extended[i];
      else return i;
    }
    return tokens.length - 1;
  };
  let i = 0;
  let prev = outside;
  while (i < extended.length) {
    const token = extended[i];
    if (matches(prev, token, definition.start)) {
      const end = forward(i + 1, token);
      if (matches(extended[end - 1], extended[end], definition.end)) {
        entities.push({ type: token.type, start: i, end, sentence: options.sentence ?? 0 });
      }
      i = end;
    } else {
      i++;
    }
    prev = extended[i - 1];
  }
  return entities;
}

// ---------------------------------------------------------------------------------------------
// Scores.

export interface TypeScore {
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

export interface SeqevalReport {
  /** Per entity type, sorted by type name. */
  perType: Record<string, TypeScore>;
  micro: TypeScore;
  macro: TypeScore;
  weighted: TypeScore;
  /** seqeval's text report. */
  text: string;
}

function checkSequences(
  yTrue: readonly (readonly string[])[],
  yPred: readonly (readonly string[])[],
): void {
  assertSameLength(
    'seqeval',
    { name: 'yTrue', length: yTrue.length },
    { name: 'yPred', length: yPred.length },
  );
  yTrue.forEach((sentence, i) => {
    if (sentence.length !== yPred[i].length) {
      throw new Error(
        `seqeval: sentence ${i} has ${sentence.length} true tags but ${yPred[i].length} predicted tags; ` +
          `predict exactly one tag per token.`,
      );
    }
  });
}

function entityKey(entity: Entity): string {
  return `${entity.sentence}\u0000${entity.start}\u0000${entity.end}`;
}

/** Per-type counts: predicted, true and true-positive entities, types sorted by name. */
export function entityCounts(
  yTrue: readonly (readonly string[])[],
  yPred: readonly (readonly string[])[],
  options: SeqevalOptions = {},
): { types: string[]; predicted: number[]; actual: number[]; correct: number[] } {
  checkSequences(yTrue, yPred);
  const extract = (sequences: readonly (readonly string[])[]): Entity[] => {
    if ((options.mode ?? 'default') === 'default') return getEntities(sequences, options.suffix);
    if (!options.scheme) {
      throw new Error(
        "seqeval strict mode needs a scheme: pass { mode: 'strict', scheme: 'IOB2' } (or IOB1, IOE1, IOE2, IOBES, BILOU).",
      );
    }
    return sequences.flatMap((sentence, index) =>
      getStrictEntities(sentence, options.scheme!, { suffix: options.suffix, sentence: index }),
    );
  };
  // Entities are sets per type, as in seqeval.
  const byType = (entities: Entity[]) => {
    const map = new Map<string, Set<string>>();
    for (const entity of entities) {
      if (!map.has(entity.type)) map.set(entity.type, new Set());
      map.get(entity.type)!.add(entityKey(entity));
    }
    return map;
  };
  const trueByType = byType(extract(yTrue));
  const predByType = byType(extract(yPred));
  const types = [...new Set([...trueByType.keys(), ...predByType.keys()])].sort();
  const predicted: number[] = [];
  const actual: number[] = [];
  const correct: number[] = [];
  for (const type of types) {
    const t = trueByType.get(type) ?? new Set<string>();
    const p = predByType.get(type) ?? new Set<string>();
    predicted.push(p.size);
    actual.push(t.size);
    let tp = 0;
    for (const key of p) if (t.has(key)) tp++;
    correct.push(tp);
  }
  return { types, predicted, actual, correct };
}

function divide(numerator: number, denominator: number, zeroDivision: number): number {
  return denominator === 0 ? zeroDivision : numerator / denominator;
}

function fBeta(precision: number, recall: number, beta: number): number {
  const beta2 = beta * beta;
  const denominator = beta2 * precision + recall;
  return denominator === 0 ? 0 : ((1 + beta2) * precision * recall) / denominator;
}

/** Precision, recall and F-beta per type, and the micro, macro and weighted averages. */
export function seqevalReport(
  yTrue: readonly (readonly string[])[],
  yPred: readonly (readonly string[])[],
  options: SeqevalOptions = {},
): SeqevalReport {
  const zd = options.zeroDivision ?? 0;
  const beta = options.beta ?? 1;
  const { types, predicted, actual, correct } = entityCounts(yTrue, yPred, options);
  const perType: Record<string, TypeScore> = {};
  const precisions: number[] = [];
  const recalls: number[] = [];
  const fs: number[] = [];
  types.forEach((type, i) => {
    const precision = divide(correct[i], predicted[i], zd);
    const recall = divide(correct[i], actual[i], zd);
    const f1 = fBeta(precision, recall, beta);
    precisions.push(precision);
    recalls.push(recall);
    fs.push(f1);
    perType[type] = { precision, recall, f1, support: actual[i] };
  });
  const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
  const totalSupport = sum(actual);
  const microP = divide(sum(correct), sum(predicted), zd);
  const microR = divide(sum(correct), totalSupport, zd);
  const micro = {
    precision: microP,
    recall: microR,
    f1: fBeta(microP, microR, beta),
    support: totalSupport,
  };
  const mean = (values: number[]) => (values.length === 0 ? zd : sum(values) / values.length);
  const macro = {
    precision: mean(precisions),
    recall: mean(recalls),
    f1: mean(fs),
    support: totalSupport,
  };
  let weighted: TypeScore;
  if (totalSupport === 0) {
    // seqeval/sklearn: no true entities at all.
    const value = zd === 1 ? 1 : 0;
    weighted =
      sum(predicted) === 0
        ? { precision: value, recall: value, f1: value, support: 0 }
        : { precision: 0, recall: value, f1: 0, support: 0 };
  } else {
    const w = (values: number[]) => sum(values.map((v, i) => v * actual[i])) / totalSupport;
    weighted = { precision: w(precisions), recall: w(recalls), f1: w(fs), support: totalSupport };
  }
  return {
    perType,
    micro,
    macro,
    weighted,
    text: formatReport(perType, { micro, macro, weighted }),
  };
}

function formatReport(
  perType: Record<string, TypeScore>,
  averages: Record<string, TypeScore>,
): string {
  const names = [...Object.keys(perType), 'weighted avg'];
  const width = Math.max(...names.map((n) => n.length), 'weighted avg'.length);
  const header = `${''.padStart(width)}  ${['precision', 'recall', 'f1-score', 'support'].map((h) => h.padStart(9)).join(' ')}`;
  const row = (name: string, s: TypeScore) =>
    `${name.padStart(width)}  ${[s.precision, s.recall, s.f1].map((v) => v.toFixed(2).padStart(9)).join(' ')} ${String(s.support).padStart(9)}`;
  const lines = [header, ''];
  for (const [name, score] of Object.entries(perType)) lines.push(row(name, score));
  lines.push('');
  for (const [name, score] of Object.entries(averages)) lines.push(row(`${name} avg`, score));
  return `${lines.join('\n')}\n`;
}

/** Entity-level F-beta with the given average (micro by default, as seqeval's f1_score). */
export function seqevalF1(
  yTrue: readonly (readonly string[])[],
  yPred: readonly (readonly string[])[],
  options: SeqevalOptions & { average?: Average } = {},
): number {
  return seqevalReport(yTrue, yPred, options)[options.average ?? 'micro'].f1;
}

export function seqevalPrecision(
  yTrue: readonly (readonly string[])[],
  yPred: readonly (readonly string[])[],
  options: SeqevalOptions & { average?: Average } = {},
): number {
  return seqevalReport(yTrue, yPred, options)[options.average ?? 'micro'].precision;
}

export function seqevalRecall(
  yTrue: readonly (readonly string[])[],
  yPred: readonly (readonly string[])[],
  options: SeqevalOptions & { average?: Average } = {},
): number {
  return seqevalReport(yTrue, yPred, options)[options.average ?? 'micro'].recall;
}

/** Token-level accuracy over all sentences (seqeval's accuracy_score). */
export function seqevalAccuracy(
  yTrue: readonly (readonly string[])[],
  yPred: readonly (readonly string[])[],
): number {
  checkSequences(yTrue, yPred);
  let total = 0;
  let correct = 0;
  yTrue.forEach((sentence, i) => {
    sentence.forEach((tag, j) => {
      total++;
      if (tag === yPred[i][j]) correct++;
    });
  });
  if (total === 0) throw new Error('seqevalAccuracy: no tokens; pass at least one tagged token.');
  return correct / total;
}
