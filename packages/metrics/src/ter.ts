/**
 * TER, translation edit rate (Snover et al., 2006), with sacreBLEU 2.x semantics
 * (`sacrebleu/metrics/ter.py`, `lib_ter.py`, `tokenizers/tokenizer_ter.py`), which re-implements
 * Tercom: greedy block shifts chosen by Tercom's ranking, then a beam-restricted Levenshtein
 * distance. The number of edits is the minimum over references; the length is the average
 * reference length.
 */
import { assertReferenceStreams, referenceCountLabel, segmentReferences } from './errors.js';
import { splitWhitespace } from './text.js';
import { SIGNATURE_VERSION } from './version.js';

export interface TerOptions {
  /** Apply Tercom's western (and optionally Asian) tokenization; default false. */
  normalized?: boolean;
  /** Remove punctuation; default false. */
  noPunct?: boolean;
  /** Split CJK characters and Asian punctuation (with `normalized` / `noPunct`); default false. */
  asianSupport?: boolean;
  /** Keep case; default false (TER lowercases). */
  caseSensitive?: boolean;
}

export interface TerScore {
  /** TER on a 0–100 scale (edits per 100 reference words). */
  score: number;
  numEdits: number;
  referenceLength: number;
  signature: string;
  formatted: string;
}

// Tercom limits, as in sacreBLEU.
const MAX_SHIFT_SIZE = 10;
const MAX_SHIFT_DIST = 50;
const BEAM_WIDTH = 25;
const MAX_SHIFT_CANDIDATES = 1000;

const ASIAN_PUNCT = /([\u3001\u3002\u3008-\u3011\u3014-\u301f\uff61-\uff65\u30fb])/g;
const FULL_WIDTH_PUNCT = /([\uff0e\uff0c\uff1f\uff1a\uff1b\uff01\uff02\uff08\uff09])/g;

function normalizeGeneralAndWestern(sent: string): string {
  sent = sent.replace(/\n-/g, '');
  sent = sent.replace(/\n/g, ' ');
  sent = sent.replace(/&quot;/g, '"');
  sent = sent.replace(/&amp;/g, '&');
  sent = sent.replace(/&lt;/g, '<');
  sent = sent.replace(/&gt;/g, '>');
  sent = ` ${sent} `;
  sent = sent.replace(/([{-~[-` -&(-+:-@/])/g, ' $1 ');
  // possessives
  sent = sent.replace(/'s /g, " 's ");
  sent = sent.replace(/'s$/g, " 's");
  sent = sent.replace(/([^0-9])([.,])/g, '$1 $2 ');
  sent = sent.replace(/([.,])([^0-9])/g, ' $1 $2');
  sent = sent.replace(/([0-9])(-)/g, '$1 $2 ');
  return sent;
}

function normalizeAsian(sent: string): string {
  // CJK ideographs, strokes, radicals, compatibility forms and enclosed letters become one token each.
  sent = sent.replace(/([\u4e00-\u9fff\u3400-\u4dbf])/g, ' $1 ');
  sent = sent.replace(/([\u31c0-\u31ef\u2e80-\u2eff])/g, ' $1 ');
  sent = sent.replace(/([\u3300-\u33ff\uf900-\ufaff\ufe30-\ufe4f])/g, ' $1 ');
  sent = sent.replace(/([\u3200-\u3f22])/g, ' $1 ');
  // Kana runs, with the (start-anchored) patterns Tercom and sacreBLEU use.
  sent = sent.replace(/(^|^[\u3040-\u309f])([\u3040-\u309f]+)(?=$|^[\u3040-\u309f])/g, '$1 $2 ');
  sent = sent.replace(/(^|^[\u30a0-\u30ff])([\u30a0-\u30ff]+)(?=$|^[\u30a0-\u30ff])/g, '$1 $2 ');
  sent = sent.replace(/(^|^[\u31f0-\u31ff])([\u31f0-\u31ff]+)(?=$|^[\u31f0-\u31ff])/g, '$1 $2 ');
  sent = sent.replace(ASIAN_PUNCT, ' $1 ');
  sent = sent.replace(FULL_WIDTH_PUNCT, ' $1 ');
  return sent;
}

/** Tercom's tokenizer as configured by {@link TerOptions}. */
export function tercomTokenize(sentence: string, options: TerOptions = {}): string {
  if (!sentence) return '';
  let sent = options.caseSensitive ? sentence : sentence.toLowerCase();
  if (options.normalized) {
    sent = normalizeGeneralAndWestern(sent);
    if (options.asianSupport) sent = normalizeAsian(sent);
    sent = sent.replace(/\s+/g, ' ').replace(/^\s+/, '').replace(/\s+$/, '');
  }
  if (options.noPunct) {
    sent = sent.replace(/[.,?:;!"()]/g, '');
    if (options.asianSupport) sent = sent.replace(ASIAN_PUNCT, '').replace(FULL_WIDTH_PUNCT, '');
  }
  return sent;
}

type EditOp = ' ' | 's' | 'i' | 'd' | 'x';

/**
 * Levenshtein distance from the hypothesis to the reference inside a beam around the
 * length-ratio diagonal, with Tercom's preference order on ties (match/substitution, then
 * deletion, then insertion). Returns the distance and the edit trace.
 */
function beamEditDistance(
  hyp: readonly string[],
  ref: readonly string[],
): { distance: number; trace: string } {
  const nHyp = hyp.length;
  const nRef = ref.length;
  const cost: number[][] = [];
  const op: EditOp[][] = [];
  cost.push(Array.from({ length: nRef + 1 }, (_, j) => j));
  op.push(new Array<EditOp>(nRef + 1).fill('i'));
  for (let i = 1; i <= nHyp; i++) {
    cost.push(new Array<number>(nRef + 1).fill(Number.POSITIVE_INFINITY));
    op.push(new Array<EditOp>(nRef + 1).fill('x'));
  }
  const lengthRatio = nHyp > 0 ? nRef / nHyp : 1;
  // Very unequal lengths would leave rows with no overlap: widen the beam then.
  const beamWidth =
    BEAM_WIDTH < lengthRatio / 2 ? Math.ceil(lengthRatio / 2 + BEAM_WIDTH) : BEAM_WIDTH;
  for (let i = 1; i <= nHyp; i++) {
    const pseudoDiagonal = Math.floor(i * lengthRatio);
    const minJ = Math.max(0, pseudoDiagonal - beamWidth);
    const maxJ = i === nHyp ? nRef + 1 : Math.min(nRef + 1, pseudoDiagonal + beamWidth);
    for (let j = minJ; j < maxJ; j++) {
      if (j === 0) {
        cost[i][j] = cost[i - 1][j] + 1;
        op[i][j] = 'd';
        continue;
      }
      const same = hyp[i - 1] === ref[j - 1];
      const candidates: [number, EditOp][] = [
        [cost[i - 1][j - 1] + (same ? 0 : 1), same ? ' ' : 's'],
        [cost[i - 1][j] + 1, 'd'],
        [cost[i][j - 1] + 1, 'i'],
      ];
      for (const [candidateCost, candidateOp] of candidates) {
        if (cost[i][j] > candidateCost) {
          cost[i][j] = candidateCost;
          op[i][j] = candidateOp;
        }
      }
    }
  }
  let trace = '';
  let i = nHyp;
  let j = nRef;
  while (i > 0 || j > 0) {
    const step = op[i][j];
    trace = step + trace;
    if (step === ' ' || step === 's') {
      i--;
      j--;
    } else if (step === 'i') {
      j--;
    } else if (step === 'd') {
      i--;
    } else {
      throw new Error(`TER: internal error, unreachable cell (${i}, ${j}) in the edit beam.`);
    }
  }
  return { distance: cost[nHyp][nRef], trace };
}

/** Alignment of reference positions to hypothesis positions, read from a reference→hypothesis trace. */
function traceToAlignment(trace: string) {
  let posHyp = -1;
  let posRef = -1;
  const hypErr: number[] = [];
  const refErr: number[] = [];
  const align = new Map<number, number>();
  for (const step of trace) {
    if (step === ' ' || step === 's') {
      posHyp++;
      posRef++;
      align.set(posRef, posHyp);
      const err = step === 's' ? 1 : 0;
      hypErr.push(err);
      refErr.push(err);
    } else if (step === 'i') {
      posHyp++;
      hypErr.push(1);
    } else if (step === 'd') {
      posRef++;
      align.set(posRef, posHyp);
      refErr.push(1);
    }
  }
  return { align, hypErr, refErr };
}

function performShift(
  words: readonly string[],
  start: number,
  length: number,
  target: number,
): string[] {
  if (target < start) {
    return [
      ...words.slice(0, target),
      ...words.slice(start, start + length),
      ...words.slice(target, start),
      ...words.slice(start + length),
    ];
  }
  if (target > start + length) {
    return [
      ...words.slice(0, start),
      ...words.slice(start + length, target),
      ...words.slice(start, start + length),
      ...words.slice(target),
    ];
  }
  return [
    ...words.slice(0, start),
    ...words.slice(start + length, length + target),
    ...words.slice(start, start + length),
    ...words.slice(length + target),
  ];
}

function* shiftedPairs(hyp: readonly string[], ref: readonly string[]) {
  for (let startH = 0; startH < hyp.length; startH++) {
    for (let startR = 0; startR < ref.length; startR++) {
      if (Math.abs(startR - startH) > MAX_SHIFT_DIST) continue;
      let length = 0;
      while (hyp[startH + length] === ref[startR + length] && length < MAX_SHIFT_SIZE) {
        length++;
        yield [startH, startR, length] as const;
        if (hyp.length === startH + length || ref.length === startR + length) break;
      }
    }
  }
}

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

/** One round of Tercom's greedy shift search: the best shift, or gain 0 if none helps. */
function bestShift(hyp: string[], ref: string[], checked: number) {
  const { distance: before, trace: inverseTrace } = beamEditDistance(hyp, ref);
  // Pretend to rewrite the reference into the hypothesis: flip insertions and deletions.
  const trace = inverseTrace.replace(/[id]/g, (c) => (c === 'i' ? 'd' : 'i'));
  const { align, hypErr, refErr } = traceToAlignment(trace);
  let best: {
    gain: number;
    length: number;
    startH: number;
    target: number;
    words: string[];
  } | null = null;
  for (const [startH, startR, length] of shiftedPairs(hyp, ref)) {
    // Shift only words that are wrong, to a place where the reference is not yet matched.
    if (sum(hypErr.slice(startH, startH + length)) === 0) continue;
    if (sum(refErr.slice(startR, startR + length)) === 0) continue;
    const alignedStart = align.get(startR)!;
    if (startH <= alignedStart && alignedStart < startH + length) continue;
    let previousTarget = -1;
    for (let offset = -1; offset < length; offset++) {
      let target: number;
      if (startR + offset === -1) target = 0;
      else if (align.has(startR + offset)) target = align.get(startR + offset)! + 1;
      else break;
      if (target === previousTarget) continue;
      previousTarget = target;
      const words = performShift(hyp, startH, length, target);
      const gain = before - beamEditDistance(words, ref).distance;
      checked++;
      // Tercom's ranking: biggest gain, then longest, then earliest source, then earliest target.
      if (
        best === null ||
        gain > best.gain ||
        (gain === best.gain &&
          (length > best.length ||
            (length === best.length &&
              (startH < best.startH || (startH === best.startH && target < best.target)))))
      ) {
        best = { gain, length, startH, target, words };
      }
    }
    if (checked >= MAX_SHIFT_CANDIDATES) break;
  }
  return best === null
    ? { gain: 0, words: hyp, checked }
    : { gain: best.gain, words: best.words, checked };
}

/** Number of TER edits (shifts + word edits) to turn `hyp` into `ref`, and the reference length. */
export function translationEditRate(
  hyp: readonly string[],
  ref: readonly string[],
): { numEdits: number; referenceLength: number } {
  if (ref.length === 0) return { numEdits: hyp.length, referenceLength: 0 };
  let words = [...hyp];
  const reference = [...ref];
  let shifts = 0;
  let checked = 0;
  while (true) {
    const result = bestShift(words, reference, checked);
    checked = result.checked;
    if (checked >= MAX_SHIFT_CANDIDATES || result.gain <= 0) break;
    shifts++;
    words = result.words;
  }
  return {
    numEdits: shifts + beamEditDistance(words, reference).distance,
    referenceLength: ref.length,
  };
}

/** [best edits, average reference length] for one segment. */
export function terSegmentStatistics(
  hypothesis: string,
  references: readonly string[],
  options: TerOptions = {},
): [number, number] {
  const hypWords = splitWhitespace(tercomTokenize(hypothesis, options));
  let bestEdits = Number.POSITIVE_INFINITY;
  let lengthSum = 0;
  for (const reference of references) {
    const refWords = splitWhitespace(tercomTokenize(reference, options));
    const { numEdits, referenceLength } = translationEditRate(hypWords, refWords);
    lengthSum += referenceLength;
    if (numEdits < bestEdits) bestEdits = numEdits;
  }
  return [bestEdits, lengthSum / references.length];
}

/** TER (0–100) from summed [edits, reference length] statistics. */
export function terFromStatistics(numEdits: number, referenceLength: number): number {
  if (referenceLength > 0) return (100 * numEdits) / referenceLength;
  // Empty reference(s): any hypothesis word is an error, none is a perfect match.
  return numEdits > 0 ? 100 : 0;
}

export function terSignature(options: TerOptions, numberOfReferences: string): string {
  return [
    `nrefs:${numberOfReferences}`,
    `case:${options.caseSensitive ? 'mixed' : 'lc'}`,
    'tok:tercom',
    `norm:${options.normalized ? 'yes' : 'no'}`,
    `punct:${options.noPunct ? 'no' : 'yes'}`,
    `asian:${options.asianSupport ? 'yes' : 'no'}`,
    `version:${SIGNATURE_VERSION}`,
  ].join('|');
}

function makeScore(numEdits: number, referenceLength: number, signature: string): TerScore {
  const score = terFromStatistics(numEdits, referenceLength);
  return { score, numEdits, referenceLength, signature, formatted: `TER = ${score.toFixed(2)}` };
}

/**
 * Corpus TER, equal to sacreBLEU's `TER(...).corpus_score(hypotheses, references)`.
 * `references[k][i]` is the k-th reference of segment i (sacreBLEU's layout).
 */
export function corpusTer(
  hypotheses: readonly string[],
  references: readonly (readonly string[])[],
  options: TerOptions = {},
): TerScore {
  assertReferenceStreams('corpusTer', hypotheses, references);
  let edits = 0;
  let length = 0;
  const referenceCounts: number[] = [];
  hypotheses.forEach((hypothesis, i) => {
    const refs = segmentReferences('corpusTer', references, i);
    referenceCounts.push(refs.length);
    const [segmentEdits, segmentLength] = terSegmentStatistics(hypothesis, refs, options);
    edits += segmentEdits;
    length += segmentLength;
  });
  return makeScore(edits, length, terSignature(options, referenceCountLabel(referenceCounts)));
}

/** Sentence TER, equal to sacreBLEU's `sentence_ter(hypothesis, references)`. */
export function sentenceTer(
  hypothesis: string,
  references: readonly string[],
  options: TerOptions = {},
): TerScore {
  const refs = segmentReferences(
    'sentenceTer',
    references.map((reference) => [reference]),
    0,
  );
  const [edits, length] = terSegmentStatistics(hypothesis, refs, options);
  return makeScore(edits, length, terSignature(options, String(refs.length)));
}
