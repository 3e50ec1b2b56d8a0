import { record } from '../../autograd/grad-mode.js';
import type { GpuDispatch, WebGPUBackend } from '../../backend/webgpu.js';
import { f32Bits } from '../../dtype.js';
import { shapeToString } from '../../shape.js';
import { empty, type Tensor } from '../../tensor.js';
import { contiguous, reshape, slice } from '../../views.js';
import { cpuData, onBackend, requireFloat, sameDevice } from '../common.js';
import { sum } from '../reduce/reduce.js';
import {
  type ChainVariant,
  HMM_MAX_STATES,
  HMM_SHARED_STATES,
  HMM_SHARED_TRANS_BYTES,
  HMM_WORKGROUP,
  hmmBackwardWGSL,
  hmmEmissionCountsWGSL,
  hmmForwardWGSL,
  hmmMarginalsWGSL,
  hmmPrepareWGSL,
  hmmViterbiWGSL,
} from './hmm.wgsl.js';
import {
  type ChainLayout,
  hmmBackwardReference,
  hmmEmissionCountsReference,
  hmmForwardReference,
  hmmMarginalsReference,
  hmmViterbiReference,
} from './reference.js';

/**
 * Batched chain ops for hidden Markov models and linear-chain CRFs: every sequence of a batch
 * in one dispatch per pass, in log space, with per-sequence lengths. The kernels factor each
 * log-space step so it costs S exponentials instead of S^2 (see hmm.wgsl.ts).
 *
 *   logEmissions (N, T, S)  score of state j at step t of sequence n (padding ignored)
 *   lengths      (N) i32    real steps per sequence, clamped to [1, T]
 *   logStart     (S)        log pi, or a CRF's start_transitions
 *   logTransitions (S, S)   [i, j] scores state i followed by state j
 *   logEnd       (S)        optional end scores (a CRF's end_transitions; an HMM has none)
 *
 * Scores need not be normalized, so the same kernels compute an HMM's log P(O) and a CRF's
 * log Z. -Infinity is log 0 and is allowed anywhere; impossible results come out -Infinity.
 */

interface Chain {
  e: Tensor;
  lengths: Tensor;
  start: Tensor | null;
  trans: Tensor;
  end: Tensor | null;
  layout: ChainLayout;
  lanes: number;
  /** Tensors this call created (contiguous copies) to free after use. */
  owned: Tensor[];
}

function nextPow2(x: number): number {
  let p = 1;
  while (p < x) p *= 2;
  return p;
}

/**
 * Invocations per sequence in the recursions. Each lane scans the whole source vector once
 * per step (its max), so fewer lanes per sequence means less repeated work: on lavapipe
 * (workgroups on CPU threads) 4 lanes per sequence beat nextPow2(S) by about 1.5-2x at 16-64
 * states. The count doubles while the batch would fill fewer than 16 workgroups (keeping
 * threads busy on small batches), and is at least S / 16 so that the 64 / lanes packed
 * sequences fit the 1,024-float shared vectors; at most nextPow2(S) and 64.
 */
export function hmmLanes(S: number, N: number): number {
  const most = Math.min(HMM_WORKGROUP, nextPow2(S));
  let lanes = Math.min(most, Math.max(4, nextPow2(Math.ceil(S / 16))));
  while (lanes < most && Math.ceil(N / (HMM_WORKGROUP / lanes)) < 16) lanes *= 2;
  return lanes;
}

function chain(
  op: string,
  logEmissions: Tensor,
  lengths: Tensor,
  logStart: Tensor | null,
  logTransitions: Tensor,
  logEnd: Tensor | null | undefined,
): Chain {
  const inputs = [logEmissions, lengths, logTransitions, logStart, logEnd].filter(
    (t): t is Tensor => !!t,
  );
  sameDevice(op, inputs);
  requireFloat(op, logEmissions);
  if (logEmissions.rank !== 3)
    throw new Error(
      `${op}: expected logEmissions of shape (N, T, S), got ${shapeToString(logEmissions.shape)}`,
    );
  const [N, T, S] = logEmissions.shape;
  if (S > HMM_MAX_STATES)
    throw new Error(
      `${op}: ${S} states exceed the kernel's limit of ${HMM_MAX_STATES}; reduce the state count or split the model`,
    );
  if (lengths.dtype !== 'i32' || lengths.rank !== 1 || lengths.shape[0] !== N)
    throw new Error(
      `${op}: expected lengths as an i32 tensor of shape (${N}), got ${lengths.dtype} ${shapeToString(lengths.shape)}`,
    );
  const check = (t: Tensor | null | undefined, name: string, shape: number[]) => {
    if (!t) return;
    requireFloat(op, t);
    if (t.rank !== shape.length || t.shape.some((d, k) => d !== shape[k]))
      throw new Error(
        `${op}: expected ${name} of shape ${shapeToString(shape)}, got ${shapeToString(t.shape)}`,
      );
  };
  check(logStart, 'logStart', [S]);
  check(logTransitions, 'logTransitions', [S, S]);
  check(logEnd, 'logEnd', [S]);
  const owned: Tensor[] = [];
  const dense = (t: Tensor) => {
    const c = contiguous(t);
    if (c !== t) owned.push(c);
    return c;
  };
  const e = dense(logEmissions);
  const len = dense(lengths);
  const start = logStart ? dense(logStart) : null;
  const trans = dense(logTransitions);
  const end = logEnd ? dense(logEnd) : null;
  return {
    e,
    lengths: len,
    start,
    trans,
    end,
    owned,
    lanes: hmmLanes(S, N),
    layout: {
      n: N,
      t: T,
      s: S,
      offE: e.offset,
      offStart: start?.offset ?? 0,
      offTrans: trans.offset,
      offEnd: end?.offset ?? 0,
      offLen: len.offset,
      hasEnd: !!end,
    },
  };
}

function params(c: Chain, overrides: Partial<ChainLayout> = {}, aux = 0): number[] {
  const l = { ...c.layout, ...overrides };
  return [
    l.n,
    l.t,
    l.s,
    c.lanes,
    l.offE,
    l.offStart,
    l.offTrans,
    l.offEnd,
    l.offLen,
    l.hasEnd ? 1 : 0,
    f32Bits(Number.NEGATIVE_INFINITY),
    aux,
  ];
}

/** Workgroups of the recursions: 64 / lanes sequences each. */
function recursionGroups(c: Chain): number {
  return Math.ceil(c.layout.n / (HMM_WORKGROUP / c.lanes));
}

/** The transition matrix lives in workgroup memory when it is small and the device allows. */
function variantOf(c: Chain, backend: WebGPUBackend): ChainVariant {
  const limit = backend.device.limits.maxComputeWorkgroupStorageSize;
  return { sharedTrans: c.layout.s <= HMM_SHARED_STATES && limit >= HMM_SHARED_TRANS_BYTES };
}

const variantKey = (v: ChainVariant) => (v.sharedTrans ? 'shared' : 'storage');

/**
 * The storage variant's scaled matrix [top (S), exp(M - top) (S x S)], M = A or A^T
 * (`transpose`, the backward pass): one small dispatch before the recursion.
 */
function prepared(c: Chain, transpose: boolean): { prep: Tensor; dispatch: GpuDispatch } {
  const S = c.layout.s;
  const prep = empty([S + S * S], { device: c.e.device });
  return {
    prep,
    dispatch: {
      key: 'hmm:prepare',
      code: hmmPrepareWGSL,
      buffers: [c.trans.storage, prep.storage],
      params: params(c, {}, transpose ? 1 : 0),
      workgroups: S,
    },
  };
}

function arrays(c: Chain) {
  return {
    e: cpuData(c.e),
    start: c.start ? cpuData(c.start) : [],
    trans: cpuData(c.trans),
    end: c.end ? cpuData(c.end) : null,
    lengths: cpuData(c.lengths),
  };
}

function chainBuffers(c: Chain, backend: WebGPUBackend) {
  return [
    c.e.storage,
    c.start?.storage ?? backend.unusedBinding,
    c.trans.storage,
    c.end?.storage ?? backend.unusedBinding,
    c.lengths.storage,
  ];
}

function release(c: Chain): void {
  for (const t of c.owned) t.dispose();
}

/** Forward pass on a prepared chain: log alpha (N, T, S) and log Z (N). */
function forwardOf(c: Chain): { logAlpha: Tensor; logZ: Tensor } {
  const { n: N, t: T, s: S } = c.layout;
  const device = c.e.device;
  const logAlpha = empty([N, T, S], { device });
  const logZ = empty([N], { device });
  if (N * T * S > 0) {
    onBackend(
      logZ,
      () => hmmForwardReference(c.layout, arrays(c), cpuData(logAlpha), cpuData(logZ)),
      (backend) => {
        const v = variantOf(c, backend);
        const pre = v.sharedTrans ? null : prepared(c, false);
        if (pre) backend.dispatch(pre.dispatch);
        backend.dispatch({
          key: `hmm:forward:${variantKey(v)}`,
          code: () => hmmForwardWGSL(v),
          buffers: [
            ...chainBuffers(c, backend),
            logAlpha.storage,
            logZ.storage,
            ...(pre ? [pre.prep.storage] : []),
          ],
          writes: [5, 6],
          params: params(c),
          workgroups: recursionGroups(c),
        });
        pre?.prep.dispose(); // the pool reuses it only for later commands
        return undefined;
      },
    );
  }
  return { logAlpha, logZ };
}

function backwardOf(c: Chain): Tensor {
  const { n: N, t: T, s: S } = c.layout;
  const logBeta = empty([N, T, S], { device: c.e.device });
  if (N * T * S > 0) {
    onBackend(
      logBeta,
      () => hmmBackwardReference(c.layout, arrays(c), cpuData(logBeta)),
      (backend) => {
        const v = variantOf(c, backend);
        const pre = v.sharedTrans ? null : prepared(c, true);
        if (pre) backend.dispatch(pre.dispatch);
        backend.dispatch({
          key: `hmm:backward:${variantKey(v)}`,
          code: () => hmmBackwardWGSL(v),
          buffers: [
            ...chainBuffers(c, backend),
            logBeta.storage,
            ...(pre ? [pre.prep.storage] : []),
          ],
          writes: [5],
          params: params(c),
          workgroups: recursionGroups(c),
        });
        pre?.prep.dispose();
        return undefined;
      },
    );
  }
  return logBeta;
}

/** gamma (N, T, S), per-sequence xi sums (N, S, S) and gamma at each last step (N, S). */
function marginalsOf(
  c: Chain,
  logAlpha: Tensor,
  logBeta: Tensor,
  logZ: Tensor,
  weight: Tensor | null,
): { gamma: Tensor; xi: Tensor; last: Tensor } {
  const { n: N, t: T, s: S } = c.layout;
  const device = c.e.device;
  const gamma = empty([N, T, S], { device });
  const xi = empty([N, S, S], { device });
  const last = empty([N, S], { device });
  if (N * T * S > 0) {
    onBackend(
      gamma,
      () =>
        hmmMarginalsReference(
          c.layout,
          {
            e: cpuData(c.e),
            trans: cpuData(c.trans),
            alpha: cpuData(logAlpha),
            beta: cpuData(logBeta),
            logZ: cpuData(logZ),
            lengths: cpuData(c.lengths),
            weight: weight ? cpuData(weight) : null,
            offWeight: weight?.offset ?? 0,
          },
          cpuData(gamma),
          cpuData(xi),
          cpuData(last),
        ),
      (backend) => {
        const uv = empty([N * T * (2 * S + 1)], { device });
        backend.dispatch({
          key: 'hmm:marginals',
          code: hmmMarginalsWGSL,
          buffers: [
            c.e.storage,
            c.trans.storage,
            logAlpha.storage,
            logBeta.storage,
            logZ.storage,
            c.lengths.storage,
            weight?.storage ?? backend.unusedBinding,
            gamma.storage,
            xi.storage,
            last.storage,
            uv.storage,
          ],
          writes: [7, 8, 9, 10],
          // hasEnd carries "has weights" here and aux the weights' offset.
          params: params(c, { hasEnd: !!weight }, weight?.offset ?? 0),
          workgroups: N,
        });
        uv.dispose(); // scratch: U and V factors of xi
        return undefined;
      },
    );
  }
  return { gamma, xi, last };
}

export interface HmmForwardResult {
  /** log alpha_t(j) = log P(o_0..o_t, q_t = j), -Infinity on padding. (N, T, S) */
  logAlpha: Tensor;
  /** log P(O) per sequence (log Z for CRF scores), -Infinity when impossible. (N) */
  logLikelihood: Tensor;
}

/**
 * Batched log-space forward algorithm (Rabiner 1989 eqs. 19-21): one dispatch for the whole
 * batch, each workgroup looping over time for its sequences.
 */
export function hmmForward(
  logEmissions: Tensor,
  lengths: Tensor,
  logStart: Tensor,
  logTransitions: Tensor,
  logEnd?: Tensor | null,
): HmmForwardResult {
  const c = chain('hmmForward', logEmissions, lengths, logStart, logTransitions, logEnd);
  const { logAlpha, logZ } = forwardOf(c);
  release(c);
  return { logAlpha, logLikelihood: logZ };
}

/**
 * Batched log-space backward algorithm (eqs. 24-25): log beta_t(i) = log P(o_{t+1}.. | q_t = i),
 * log beta at the last step = logEnd (0 without it); -Infinity on padding. (N, T, S)
 */
export function hmmBackward(
  logEmissions: Tensor,
  lengths: Tensor,
  logTransitions: Tensor,
  logEnd?: Tensor | null,
): Tensor {
  const c = chain('hmmBackward', logEmissions, lengths, null, logTransitions, logEnd);
  const logBeta = backwardOf(c);
  release(c);
  return logBeta;
}

export interface HmmPosteriorsResult {
  /** gamma_t(i) = P(q_t = i | O), 0 on padding and for impossible sequences. (N, T, S) */
  gamma: Tensor;
  /** Expected transition counts sum_n sum_t xi_t(i, j), the Baum-Welch E-step. (S, S) */
  transitionCounts: Tensor;
  /** log P(O) per sequence. (N) */
  logLikelihood: Tensor;
}

/**
 * The Baum-Welch E-step on the device: forward, backward, then state posteriors (eq. 27) and
 * summed transition posteriors (eq. 37). Start counts are gamma[:, 0, :].
 */
export function hmmPosteriors(
  logEmissions: Tensor,
  lengths: Tensor,
  logStart: Tensor,
  logTransitions: Tensor,
): HmmPosteriorsResult {
  const c = chain('hmmPosteriors', logEmissions, lengths, logStart, logTransitions, null);
  const { logAlpha, logZ } = forwardOf(c);
  const logBeta = backwardOf(c);
  const { gamma, xi, last } = marginalsOf(c, logAlpha, logBeta, logZ, null);
  const transitionCounts = sum(xi, 0);
  for (const t of [logAlpha, logBeta, xi, last]) t.dispose();
  release(c);
  return { gamma, transitionCounts, logLikelihood: logZ };
}

export interface HmmViterbiResult {
  /** Best state path, -1 on padding and for sequences with no possible path. (N, T) i32 */
  paths: Tensor;
  /** Its score: log P(O, Q*) for an HMM (plus logEnd when given); -Infinity if impossible. (N) */
  score: Tensor;
}

/**
 * Batched Viterbi decoding (eqs. 32-35) with back-pointers kept on the device and the path
 * read out in the same kernel. Ties go to the lowest state index; float32 scores closer than
 * rounding can pick a different (equally good) path than a float64 implementation.
 */
export function hmmViterbi(
  logEmissions: Tensor,
  lengths: Tensor,
  logStart: Tensor,
  logTransitions: Tensor,
  logEnd?: Tensor | null,
): HmmViterbiResult {
  const c = chain('hmmViterbi', logEmissions, lengths, logStart, logTransitions, logEnd);
  const { n: N, t: T, s: S } = c.layout;
  const device = c.e.device;
  const paths = empty([N, T], { device, dtype: 'i32' });
  const score = empty([N], { device });
  if (N * T * S > 0) {
    onBackend(
      score,
      () => hmmViterbiReference(c.layout, arrays(c), cpuData(paths), cpuData(score)),
      (backend) => {
        const back = empty([N, T, S], { device, dtype: 'i32' });
        const v = variantOf(c, backend);
        const dispatch = {
          key: `hmm:viterbi:${variantKey(v)}`,
          code: () => hmmViterbiWGSL(v),
          buffers: [...chainBuffers(c, backend), back.storage, paths.storage, score.storage],
          writes: [5, 6, 7],
          params: params(c),
          workgroups: recursionGroups(c),
        };
        backend.dispatch(dispatch);
        back.dispose(); // the pool reuses it only for later commands
        return undefined;
      },
    );
  }
  release(c);
  return { paths, score };
}

/**
 * Expected emission counts of a categorical HMM: counts[i, k] = sum over real steps with
 * symbol k of gamma_t(i). gamma (N, T, S), symbols (N, T) i32, lengths (N) i32 → (S, K).
 * Symbols outside [0, K) are skipped.
 */
export function hmmEmissionCounts(
  gamma: Tensor,
  symbols: Tensor,
  lengths: Tensor,
  numSymbols: number,
): Tensor {
  const op = 'hmmEmissionCounts';
  sameDevice(op, [gamma, symbols, lengths]);
  requireFloat(op, gamma);
  if (gamma.rank !== 3)
    throw new Error(`${op}: expected gamma of shape (N, T, S), got ${shapeToString(gamma.shape)}`);
  const [N, T, S] = gamma.shape;
  if (
    symbols.dtype !== 'i32' ||
    symbols.rank !== 2 ||
    symbols.shape[0] !== N ||
    symbols.shape[1] !== T
  )
    throw new Error(
      `${op}: expected symbols as an i32 tensor of shape (${N}, ${T}), got ${symbols.dtype} ${shapeToString(symbols.shape)}`,
    );
  if (lengths.dtype !== 'i32' || lengths.rank !== 1 || lengths.shape[0] !== N)
    throw new Error(
      `${op}: expected lengths as an i32 tensor of shape (${N}), got ${lengths.dtype} ${shapeToString(lengths.shape)}`,
    );
  if (!Number.isInteger(numSymbols) || numSymbols < 1)
    throw new Error(`${op}: numSymbols must be a positive integer, got ${numSymbols}`);
  const g = contiguous(gamma);
  const sym = contiguous(symbols);
  const len = contiguous(lengths);
  const counts = empty([S, numSymbols], { device: gamma.device });
  const l = {
    n: N,
    t: T,
    s: S,
    k: numSymbols,
    offGamma: g.offset,
    offSym: sym.offset,
    offLen: len.offset,
  };
  if (counts.size > 0) {
    onBackend(
      counts,
      () => hmmEmissionCountsReference(l, cpuData(g), cpuData(sym), cpuData(len), cpuData(counts)),
      () => ({
        key: 'hmm:emission-counts',
        code: hmmEmissionCountsWGSL,
        buffers: [g.storage, sym.storage, len.storage, counts.storage],
        // offE: symbols, offStart: gamma, aux: K (see hmmEmissionCountsWGSL).
        params: [N, T, S, 0, l.offSym, l.offGamma, 0, 0, l.offLen, 0, 0, numSymbols],
        workgroups: S,
      }),
    );
  }
  for (const [copy, original] of [
    [g, gamma],
    [sym, symbols],
    [len, lengths],
  ])
    if (copy !== original) copy.dispose();
  return counts;
}

/**
 * log Z of a linear-chain CRF per sequence (the forward algorithm over scores):
 * emissions (N, T, K), lengths (N) i32, start/end (K), transitions (K, K) → (N).
 * Differentiable in all four score tensors: the backward runs the backward recursion and
 * writes the marginals, d log Z / d emissions[n, t, k] = P(y_t = k), d / d transitions[i, j]
 * = sum_t P(y_t = i, y_{t+1} = j), d / d start = P(y_0), d / d end = P(y_{L-1}), each scaled
 * by the upstream gradient of its sequence.
 */
export function crfLogPartition(
  emissions: Tensor,
  lengths: Tensor,
  start: Tensor,
  end: Tensor,
  transitions: Tensor,
): Tensor {
  const c = chain('crfLogPartition', emissions, lengths, start, transitions, end);
  const { logAlpha, logZ } = forwardOf(c);
  record(logZ, 'crfLogPartition', [emissions, start, end, transitions], (g) => {
    const weight = contiguous(g);
    const logBeta = backwardOf(c);
    const { gamma, xi, last } = marginalsOf(c, logAlpha, logBeta, logZ, weight);
    const K = c.layout.s;
    let dStart: Tensor | null = null;
    if (start.requiresGrad) {
      const first = slice(gamma, 1, 0, 1); // (N, 1, K)
      dStart = reshape(sum(first, [0, 1]), [K]);
      first.dispose();
    }
    const dEnd = end.requiresGrad ? sum(last, 0) : null;
    const dTrans = transitions.requiresGrad ? sum(xi, 0) : null;
    for (const t of [logBeta, xi, last]) t.dispose();
    if (weight !== g) weight.dispose();
    const dEmissions = emissions.requiresGrad ? gamma : null;
    if (!dEmissions) gamma.dispose();
    return [dEmissions, dStart, dEnd, dTrans];
  });
  if (!logZ.requiresGrad) {
    logAlpha.dispose();
    release(c);
  }
  return logZ;
}
