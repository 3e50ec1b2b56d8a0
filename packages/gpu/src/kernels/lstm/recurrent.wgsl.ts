import { WGSL_TANH, WGSL_WORKGROUP_INDEX } from '../common.js';

/**
 * Fused recurrent steps for LSTM and GRU: one dispatch per time step runs the recurrent
 * matmul, the gate nonlinearities and the state update (forward), or the gate derivatives and
 * the matmul that carries the hidden-state gradient one step back (backward).
 *
 * Layout ("unit-major", so one vec4 holds every gate of one hidden unit):
 *   xp     (T, B, Hp, 4)  input projections, slot order LSTM (i, f, g, o), GRU (r, z, n, ·);
 *                         any strides over T and B (a batch-first projection is read in place)
 *   wT     (Hp, Hp, 4)    forward weights: wT[k, j] = the 4 gate weights of unit j from h[k]
 *   w      (Hp·4, Hp)     backward weights: the same matrix, rows (unit, slot), row-major
 *   bias   (Hp, 4)        LSTM: the input bias added to xp (b_ih + b_hh);
 *          (2, Hp, 4)     GRU: the hidden biases, slots (r, z, ·, n), then the input bias
 *   out    packed: y (T, B, Hp) | h ping (B, Hp) | h pong (B, Hp) | c (B, Hp)
 * GRU's hidden matmul puts W_hn in slot 3 (slot 2 is zero), so n = tanh(x_n + r ⊙ (W_hn h +
 * b_hn)) keeps W_hn h apart from the input part, as PyTorch and cuDNN do.
 * Hp (hidden size rounded up to 4) keeps every row vec4-aligned; padded units stay exactly 0.
 *
 * Each invocation owns ROWS batch rows × 4 hidden units: per 4 k it loads ROWS vec4s of h and
 * 16 vec4s of weights for 64·ROWS FMAs (on CPU-emulated adapters loads, not FMAs, are the
 * cost). Variable lengths: row b runs steps s < len[b]; the reverse direction reads time
 * len[b] − 1 − s. Padded steps carry the state unchanged and leave y at 0 (PyTorch's packed
 * sequences).
 */
export type RecurrentCell = 'lstm' | 'gru';

export const RECURRENT_WORKGROUP = 64;
export const RECURRENT_ROWS = 4;

/** Uniform words shared by every recurrent kernel. */
export interface RecurrentParams {
  t: number;
  b: number;
  /** Hp / 4 */
  h4: number;
  s: number;
  reverse: boolean;
  hasLengths: boolean;
  /** Backward only: the extra pass that writes dh0 instead of a step's gate gradients. */
  final: boolean;
  /** vec4 offsets into `out`: the step's source and destination h regions, and c. */
  offCur: number;
  offNext: number;
  offC: number;
  offXp: number;
  offW: number;
  /** xp's strides over time and batch, in vec4s. */
  xsT: number;
  xsB: number;
}

export function recurrentParamWords(p: RecurrentParams): number[] {
  return [
    p.t,
    p.b,
    p.h4,
    p.s,
    p.reverse ? 1 : 0,
    p.hasLengths ? 1 : 0,
    p.final ? 1 : 0,
    p.offCur,
    p.offNext,
    p.offC,
    p.offXp,
    p.offW,
    p.xsT,
    p.xsB,
  ];
}

/**
 * Uniforms and helpers every recurrent kernel (this file's and recurrent-subgroup.wgsl.ts's)
 * starts with; `lens` must be bound.
 */
export const RECURRENT_HEADER = /* wgsl */ `
struct Params { t: u32, b: u32, h4: u32, s: u32, reverse: u32, hasLen: u32, isFinal: u32,
  offCur: u32, offNext: u32, offC: u32, offXp: u32, offW: u32, xsT: u32, xsB: u32 }
@group(1) @binding(0) var<uniform> p: Params;
${WGSL_WORKGROUP_INDEX}${WGSL_TANH}
fn sigmoid_(x: f32) -> f32 { return 1.0 / (1.0 + exp(-x)); }
fn seqLen(b: u32) -> u32 { return select(p.t, u32(lens[b]), p.hasLen == 1u); }
// Time index of step s for a row of length len (s < len).
fn timeAt(s: u32, len: u32) -> u32 { return select(s, len - 1u - s, p.reverse == 1u); }`;

/**
 * The forward kernels' bindings; `elem` is how `out`, `cells` and `hin` are read (vec4 blocks
 * here, single floats in the subgroup kernel).
 */
export function recurrentForwardBindings(elem: 'vec4<f32>' | 'f32'): string {
  return /* wgsl */ `
@group(0) @binding(1) var<storage, read> xp: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> wT: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> lens: array<i32>;
@group(0) @binding(4) var<storage, read> bias: array<vec4<f32>>;
@group(0) @binding(5) var<storage, read_write> out: array<${elem}>;
@group(0) @binding(6) var<storage, read_write> gates: array<vec4<f32>>;
@group(0) @binding(7) var<storage, read_write> cells: array<${elem}>;
@group(0) @binding(8) var<storage, read_write> hin: array<${elem}>;`;
}

/** The backward kernels' bindings (the same in both work splits). */
export const RECURRENT_BACKWARD_BINDINGS = /* wgsl */ `
@group(0) @binding(1) var<storage, read> dout: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> w: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> lens: array<i32>;
@group(0) @binding(4) var<storage, read> gates: array<vec4<f32>>;
@group(0) @binding(5) var<storage, read> cells: array<vec4<f32>>;
@group(0) @binding(6) var<storage, read> c0: array<vec4<f32>>;
@group(0) @binding(7) var<storage, read> hin: array<vec4<f32>>;
@group(0) @binding(8) var<storage, read_write> dxp: array<vec4<f32>>;
@group(0) @binding(9) var<storage, read_write> carry: array<vec4<f32>>;
@group(0) @binding(10) var<storage, read_write> dh0: array<vec4<f32>>;`;

/** LSTM gate activations i, f, g, o from the pre-activation vec4 `a`. */
export const LSTM_GATES_WGSL =
  'let i = sigmoid_(a.x); let f = sigmoid_(a.y); let g = tanh_(a.z); let o = sigmoid_(a.w);';

/** GRU gates r, z, n from the input part `x` and hidden part `a` (W_hn·h + b_hn in slot 3). */
export const GRU_GATES_WGSL =
  'let r = sigmoid_(x.x + a.x); let z = sigmoid_(x.y + a.y); let n = tanh_(x.z + r * a.w);';

const rows = [...Array(RECURRENT_ROWS).keys()];
const units = [0, 1, 2, 3];

/**
 * Per-row setup shared by both directions and both work splits: `count` rows per group;
 * clamped row, length, time index of step `step`.
 */
export function recurrentRowSetup(step: string, count = RECURRENT_ROWS): string {
  return [...Array(count).keys()]
    .map(
      (r) => `
  let row${r} = rb * ${count}u + ${r}u;
  let b${r} = min(row${r}, p.b - 1u);
  let len${r} = seqLen(b${r});
  let ok${r} = row${r} < p.b && ${step} < len${r};
  let xt${r} = select(0u, timeAt(${step}, len${r}), ok${r});`,
    )
    .join('');
}

/**
 * Row r's input projection plus its input bias for unit `column` (a vec4 index within a row).
 * The input bias opens `bias` for LSTM and follows the hidden bias for GRU.
 */
export function inputPart(lstm: boolean, r: number, column: string): string {
  const biasAt = lstm ? column : `p.h4 * 4u + ${column}`;
  return `(xp[p.offXp + xt${r} * p.xsT + b${r} * p.xsB + ${column}] + bias[${biasAt}])`;
}

/**
 * Forward: the accumulators a{r}_{u} of row r and unit slot u start from the step's input
 * projection and bias (LSTM) or the hidden bias (GRU; its input part joins after the matmul);
 * `column` is unit u's index within a row.
 */
export function recurrentAccumulatorInit(
  lstm: boolean,
  rowIds: number[],
  unitIds: number[],
  column: (u: number) => string,
): string {
  return rowIds
    .map((r) =>
      unitIds
        .map(
          (u) =>
            `  var a${r}_${u} = ${lstm ? inputPart(true, r, column(u)) : `bias[${column(u)}]`};`,
        )
        .join('\n'),
    )
    .join('\n');
}

/**
 * Backward: what each row needs of step s + 1 (valid flag, gate base, and for GRU the update
 * gate z of block j0's 4 units); `guard` further limits the z load (the subgroup kernel's
 * out-of-range lanes).
 */
export function recurrentNextSetup(lstm: boolean, rowIds: number[], guard = ''): string {
  return rowIds
    .map(
      (r) => `
  let next${r} = row${r} < p.b && sNext < len${r};
  let xn${r} = select(0u, timeAt(sNext, len${r}), next${r});
  let gn${r} = (xn${r} * p.b + b${r}) * hp;
  var d${r} = vec4<f32>(0.0);${
    lstm
      ? ''
      : `
  var zNext${r} = vec4<f32>(0.0);
  if (next${r}${guard}) { zNext${r} = vec4<f32>(gates[gn${r} + j0].y, gates[gn${r} + j0 + 1u].y, gates[gn${r} + j0 + 2u].y, gates[gn${r} + j0 + 3u].y); }`
  }`,
    )
    .join('');
}

/**
 * Backward of one step for row r on vec4 block jb (4 units): dh from the matmul result d{r},
 * the gate gradients into dxp, and the carry (LSTM dc, GRU dh) for the step before. `open`
 * opens the block: `{`, or an `if (…) {` guard.
 */
export function recurrentBackwardStep(lstm: boolean, r: number, open: string): string {
  const perUnit = units
    .map((u) =>
      lstm
        ? `
    { let gt = gates[gbase + ${u}u];
      let i = gt.x; let f = gt.y; let g = gt.z; let o = gt.w;
      let tc = tanh_(c[${u}]);
      let dhu = dh[${u}];
      let dcu = dcCarry[${u}] + dhu * o * (1.0 - tc * tc);
      dxp[gbase + ${u}u] = vec4<f32>(dcu * g * i * (1.0 - i), dcu * cPrev[${u}] * f * (1.0 - f),
                                     dcu * i * (1.0 - g * g), dhu * tc * o * (1.0 - o));
      dcNew[${u}] = dcu * f; }`
        : `
    { let gt = gates[gbase + ${u}u];
      let r = gt.x; let z = gt.y; let n = gt.z; let hn = gt.w;
      let dhu = dh[${u}];
      let dan = dhu * (1.0 - z) * (1.0 - n * n);
      let dar = dan * hn * r * (1.0 - r);
      let daz = dhu * (hPrev[${u}] - n) * z * (1.0 - z);
      dxp[gbase + ${u}u] = vec4<f32>(dar, daz, dan, dan * r); }`,
    )
    .join('');
  return `
  ${open}
    var dh = select(dout[p.offCur + b${r} * p.h4 + jb], d${r}${lstm ? '' : ` + carry[b${r} * p.h4 + jb] * zNext${r}`}, next${r});
    if (p.isFinal == 1u) {
      if (row${r} < p.b) { dh0[b${r} * p.h4 + jb] = dh; }
    } else if (ok${r}) {
      let v4 = (xt${r} * p.b + b${r}) * p.h4 + jb;
      let gbase = (xt${r} * p.b + b${r}) * hp + j0;
      dh += dout[v4];
      ${
        lstm
          ? `let c = cells[v4];
      let prevT = select(xt${r} - 1u, xt${r} + 1u, p.reverse == 1u);
      let cPrev = select(cells[select(0u, (prevT * p.b + b${r}) * p.h4 + jb, p.s > 0u)], c0[b${r} * p.h4 + jb], p.s == 0u);
      let dcCarry = carry[b${r} * p.h4 + jb];
      var dcNew = vec4<f32>(0.0);`
          : `let hPrev = hin[v4];`
      }
      ${perUnit}
      carry[b${r} * p.h4 + jb] = ${lstm ? 'dcNew' : 'dh'};
    }
  }`;
}

/**
 * Opening of this file's two kernels: bindings, header, entry point, and the invocation's
 * block jb (4 units) and row group rb.
 */
function mainOpening(bindings: string): string {
  return `${bindings}
${RECURRENT_HEADER}
@compute @workgroup_size(${RECURRENT_WORKGROUP})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let gid = wgIndex(wid, nwg) * ${RECURRENT_WORKGROUP}u + lid;
  let jb = gid % p.h4;
  let rb = gid / p.h4;
  if (rb * ${RECURRENT_ROWS}u >= p.b) { return; }
  let hp = p.h4 * 4u;
  let j0 = jb * 4u;`;
}

/**
 * `save`: also store what the backward and inspection read (gates, cells, h_{t−1}); inference
 * leaves it off and stores only outputs and state.
 */
export function recurrentForwardWGSL(cell: RecurrentCell, save = true): string {
  const lstm = cell === 'lstm';
  const init = recurrentAccumulatorInit(lstm, rows, units, (u) => `j0 + ${u}u`);
  const kk = [0, 1, 2, 3];
  const body = kk
    .map((q) => {
      const loads = units
        .map((u) => `    let w${q}_${u} = wT[p.offW + (k4 * 4u + ${q}u) * hp + j0 + ${u}u];`)
        .join('\n');
      const fmas = rows
        .map((r) =>
          units.map((u) => `    a${r}_${u} += h${r}.${'xyzw'[q]} * w${q}_${u};`).join('\n'),
        )
        .join('\n');
      return `${loads}\n${fmas}`;
    })
    .join('\n');
  const update = rows
    .map((r) => {
      const per = units
        .map((u) => {
          if (lstm) {
            return `
    { let a = a${r}_${u};
      ${LSTM_GATES_WGSL}
      let c = f * cPrev[${u}] + i * g;
      cNew[${u}] = c; hNew[${u}] = o * tanh_(c);${
        save
          ? `
      gates[gbase + ${u}u] = vec4<f32>(i, f, g, o);`
          : ''
      } }`;
          }
          return `
    { let a = a${r}_${u};
      let x = ${inputPart(false, r, `j0 + ${u}u`)};
      ${GRU_GATES_WGSL}
      hNew[${u}] = (1.0 - z) * n + z * hPrev[${u}];${
        save
          ? `
      gates[gbase + ${u}u] = vec4<f32>(r, z, n, a.w);`
          : ''
      } }`;
        })
        .join('');
      return `
  if (ok${r}) {
    let gbase = (xt${r} * p.b + b${r}) * hp + j0;
    let v4 = (xt${r} * p.b + b${r}) * p.h4 + jb;
    let hPrev = out[p.offCur + b${r} * p.h4 + jb];
    var hNew = vec4<f32>(0.0);
    ${lstm ? `let cPrev = out[p.offC + b${r} * p.h4 + jb];\n    var cNew = vec4<f32>(0.0);` : ''}
    ${per}
    ${lstm ? `out[p.offC + b${r} * p.h4 + jb] = cNew;${save ? '\n    cells[v4] = cNew;' : ''}` : ''}
    out[v4] = hNew;
    out[p.offNext + b${r} * p.h4 + jb] = hNew;${save ? '\n    hin[v4] = hPrev;' : ''}
  } else if (row${r} < p.b) {
    out[p.offNext + b${r} * p.h4 + jb] = out[p.offCur + b${r} * p.h4 + jb];
  }`;
    })
    .join('');
  return /* wgsl */ `${mainOpening(recurrentForwardBindings('vec4<f32>'))}
${recurrentRowSetup('p.s')}
${init}
  for (var k4 = 0u; k4 < p.h4; k4++) {
${rows.map((r) => `    let h${r} = out[p.offCur + b${r} * p.h4 + k4];`).join('\n')}
${body}
  }
${update}
}`;
}

/**
 * Backward of one step s (descending), or with `final` the pass that writes dh0.
 *   dh_s = dy_s + (s+1 valid ? dG_{s+1} · W (+ GRU: dh_{s+1} ⊙ z_{s+1}) : dh_N)
 * LSTM (c_s = f c_{s−1} + i g, h_s = o tanh c_s), with the cell gradient carried in place:
 *   dc = dc_carry + dh o (1 − tanh² c);  d(i,f,g,o) pre-activation =
 *   (dc g i(1−i), dc c_{s−1} f(1−f), dc i (1−g²), dh tanh(c) o(1−o));  dc_carry ← dc f
 * GRU (h = (1 − z) n + z h_{s−1}): dn = dh (1 − z), dz = dh (h_{s−1} − n),
 *   da_n = dn (1 − n²), da_r = da_n ĥ_n r(1−r), da_z = dz z(1−z), written as
 *   (da_r, da_z, da_n, da_n r): slots 0–2 are the input-path gradient, slots (0, 1, 3) the
 *   hidden-path one (W_hn sits in slot 3).
 */
export function recurrentBackwardWGSL(cell: RecurrentCell): string {
  const lstm = cell === 'lstm';
  const mm = rows
    .map((r) => [0, 1, 2, 3].map((q) => `      d${r} += g${r}.${'xyzw'[q]} * w${q};`).join('\n'))
    .join('\n');
  const step = rows.map((r) => recurrentBackwardStep(lstm, r, '{')).join('');
  return /* wgsl */ `${mainOpening(RECURRENT_BACKWARD_BINDINGS)}
  // In the final pass "step" −1: the next step is 0.
  let sCur = select(p.s, 0u, p.isFinal == 1u);
  let sNext = select(p.s + 1u, 0u, p.isFinal == 1u);
${recurrentRowSetup('sCur')}
${recurrentNextSetup(lstm, rows)}
  for (var ku = 0u; ku < hp; ku++) {
${rows.map((r) => `    let g${r} = dxp[gn${r} + ku];`).join('\n')}
    {
${[0, 1, 2, 3].map((q) => `      let w${q} = w[p.offW + (ku * 4u + ${q}u) * p.h4 + jb];`).join('\n')}
${mm}
    }
  }
${step}
}`;
}

// ---- CPU reference -------------------------------------------------------------------------

/** Shapes of one scan on the padded unit-major layout (see the top of this file). */
export interface RecurrentLayout {
  cell: RecurrentCell;
  t: number;
  b: number;
  /** Padded hidden size (multiple of 4). */
  hp: number;
  reverse: boolean;
  /** Per-row lengths, or null for all T. */
  lengths: ArrayLike<number> | null;
  offXp: number;
  offW: number;
  /** xp's strides over time and batch, in floats. */
  xsT: number;
  xsB: number;
}

type Out = { [i: number]: number };
const sig = (x: number) => 1 / (1 + Math.exp(-x));

function timeIndex(L: RecurrentLayout, s: number, len: number): number {
  return L.reverse ? len - 1 - s : s;
}

/** Region starts (in floats) of the packed output. */
export function packedRegions(t: number, b: number, hp: number) {
  const y = t * b * hp;
  return { ping: y, pong: y + b * hp, c: y + 2 * b * hp, total: y + 3 * b * hp };
}

/**
 * The scan, step by step in plain loops. `out` holds h0 in the ping region and c0 in the c
 * region on entry (as the launcher prepares it); `wT` is (Hp, Hp, 4); `bias` as the kernels
 * read it (LSTM (Hp, 4), GRU (2, Hp, 4)).
 */
export function recurrentForwardReference(
  L: RecurrentLayout,
  xp: ArrayLike<number>,
  wT: ArrayLike<number>,
  bias: ArrayLike<number>,
  out: Out,
  gates: Out,
  cells: Out,
  hin: Out,
): void {
  const { t: T, b: B, hp: H } = L;
  const R = packedRegions(T, B, H);
  for (let s = 0; s < T; s++) {
    const cur = s % 2 === 0 ? R.ping : R.pong;
    const next = s % 2 === 0 ? R.pong : R.ping;
    for (let b = 0; b < B; b++) {
      const len = L.lengths ? L.lengths[b] : T;
      if (s >= len) {
        for (let j = 0; j < H; j++) out[next + b * H + j] = out[cur + b * H + j];
        continue;
      }
      const xt = timeIndex(L, s, len);
      const row = xt * B + b;
      const xBase = L.offXp + xt * L.xsT + b * L.xsB;
      const x = (j: number, q: number) =>
        xp[xBase + j * 4 + q] + bias[(L.cell === 'lstm' ? 0 : H * 4) + j * 4 + q];
      for (let j = 0; j < H; j++) {
        const a = [0, 0, 0, 0];
        for (let q = 0; q < 4; q++) {
          a[q] = L.cell === 'lstm' ? x(j, q) : bias[j * 4 + q];
          for (let k = 0; k < H; k++)
            a[q] += out[cur + b * H + k] * wT[L.offW + (k * H + j) * 4 + q];
        }
        const hPrev = out[cur + b * H + j];
        let h: number;
        const g = (row * H + j) * 4;
        if (L.cell === 'lstm') {
          const [i, f, gg, o] = [sig(a[0]), sig(a[1]), Math.tanh(a[2]), sig(a[3])];
          const c = f * out[R.c + b * H + j] + i * gg;
          out[R.c + b * H + j] = c;
          cells[row * H + j] = c;
          h = o * Math.tanh(c);
          [gates[g], gates[g + 1], gates[g + 2], gates[g + 3]] = [i, f, gg, o];
        } else {
          const r = sig(x(j, 0) + a[0]);
          const z = sig(x(j, 1) + a[1]);
          const n = Math.tanh(x(j, 2) + r * a[3]);
          h = (1 - z) * n + z * hPrev;
          [gates[g], gates[g + 1], gates[g + 2], gates[g + 3]] = [r, z, n, a[3]];
        }
        hin[row * H + j] = hPrev;
        out[row * H + j] = h;
        out[next + b * H + j] = h;
      }
    }
  }
}

/**
 * Backward of the whole scan. `dout` is the packed output's gradient: dy, then dh_N in the
 * region where h_N lives (`hnRegion`), dc_N in the c region. Writes dxp (T, B, Hp, 4)
 * (zeros at padded steps), dh0 and dc0 (B, Hp); `w` is (Hp·4, Hp).
 */
export function recurrentBackwardReference(
  L: RecurrentLayout,
  dout: ArrayLike<number>,
  w: ArrayLike<number>,
  gates: ArrayLike<number>,
  cells: ArrayLike<number>,
  c0: ArrayLike<number>,
  hin: ArrayLike<number>,
  hnRegion: number,
  dxp: Out,
  dh0: Out,
  dc0: Out,
): void {
  const { t: T, b: B, hp: H } = L;
  const R = packedRegions(T, B, H);
  for (let b = 0; b < B; b++) {
    const len = L.lengths ? L.lengths[b] : T;
    const dh = new Float64Array(H);
    const dc = new Float64Array(H);
    for (let j = 0; j < H; j++) {
      dh[j] = dout[hnRegion + b * H + j];
      dc[j] = L.cell === 'lstm' ? dout[R.c + b * H + j] : 0;
    }
    for (let s = len - 1; s >= 0; s--) {
      const row = timeIndex(L, s, len) * B + b;
      for (let j = 0; j < H; j++) dh[j] += dout[row * H + j];
      const dhPrev = new Float64Array(H);
      for (let j = 0; j < H; j++) {
        const g = (row * H + j) * 4;
        const d = [0, 0, 0, 0];
        if (L.cell === 'lstm') {
          const [i, f, gg, o] = [gates[g], gates[g + 1], gates[g + 2], gates[g + 3]];
          const c = cells[row * H + j];
          const cPrev = s === 0 ? c0[b * H + j] : cells[(timeIndex(L, s - 1, len) * B + b) * H + j];
          const tc = Math.tanh(c);
          const dcj = dc[j] + dh[j] * o * (1 - tc * tc);
          d[0] = dcj * gg * i * (1 - i);
          d[1] = dcj * cPrev * f * (1 - f);
          d[2] = dcj * i * (1 - gg * gg);
          d[3] = dh[j] * tc * o * (1 - o);
          dc[j] = dcj * f;
        } else {
          const [r, z, n, hn] = [gates[g], gates[g + 1], gates[g + 2], gates[g + 3]];
          const dan = dh[j] * (1 - z) * (1 - n * n);
          d[0] = dan * hn * r * (1 - r);
          d[1] = dh[j] * (hin[row * H + j] - n) * z * (1 - z);
          d[2] = dan;
          d[3] = dan * r;
          dhPrev[j] += dh[j] * z;
        }
        for (let q = 0; q < 4; q++) dxp[g + q] = d[q];
      }
      // dh_{s−1} = dG_s · W: rows (unit, slot) of W against the four slot gradients.
      for (let k = 0; k < H * 4; k++) {
        const gk = dxp[row * H * 4 + k];
        for (let j = 0; j < H; j++) dhPrev[j] += gk * w[L.offW + k * H + j];
      }
      dh.set(dhPrev);
    }
    for (let j = 0; j < H; j++) {
      dh0[b * H + j] = dh[j];
      dc0[b * H + j] = dc[j];
    }
  }
}
