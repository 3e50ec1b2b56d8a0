import {
  GRU_GATES_WGSL,
  inputPart,
  LSTM_GATES_WGSL,
  RECURRENT_BACKWARD_BINDINGS,
  RECURRENT_HEADER,
  type RecurrentCell,
  recurrentAccumulatorInit,
  recurrentBackwardStep,
  recurrentForwardBindings,
  recurrentNextSetup,
  recurrentRowSetup,
} from './recurrent.wgsl.js';

/**
 * The fused recurrent steps for adapters with subgroups, shaped like the subgroup matmul
 * (matmul/subgroup.wgsl.ts): one workgroup is one subgroup of 8 lanes, every storage load is
 * contiguous across lanes, and the hidden state (or gate gradient) is loaded once per 8 (or
 * 32) k and handed to all lanes with `subgroupBroadcast`. Same layouts, parameters, math and
 * results as recurrent.wgsl.ts; only the work split differs.
 *
 * Backward: lane l owns the 4 units of vec4 block base + l; per 32 k (8 units × 4 slots) it
 * makes SG_ROWS + 32 loads for 128·SG_ROWS FMAs.
 */
export const SG_LANES = 8;
export const SG_ROWS = 8;
/**
 * Backward rows per workgroup (its lanes own a vec4 of units each). Rows were tuned on
 * lavapipe at B = 32, H = 256: 8 forward and 16 backward beat 4 by about 1.7×.
 */
export const SG_BACK_ROWS = 16;

/**
 * The weights can be read from a storage texture holding the same vec4s instead of a storage
 * buffer: a third of the load cost on lavapipe, where these kernels are bound by loads. The
 * forward can also read h_{t−1} from a texture (B rows of Hp/4 texels) and write h_t to
 * another. Texture bindings follow the kernel's buffers.
 */
const W_TEXTURE_BINDING = /* wgsl */ `
@group(0) @binding(9) var wTex: texture_storage_2d<rgba32float, read>;`;
const H_TEXTURE_BINDINGS = /* wgsl */ `
@group(0) @binding(10) var hIn: texture_storage_2d<rgba32float, read>;
@group(0) @binding(11) var hOut: texture_storage_2d<rgba32float, write>;`;
const W_TEXTURE_BINDING_BACKWARD = /* wgsl */ `
@group(0) @binding(11) var wTex: texture_storage_2d<rgba32float, read>;`;

const rows = [...Array(SG_ROWS).keys()];
const lanes = [...Array(SG_LANES).keys()];

export interface SubgroupForwardOptions {
  /** Read W_hhᵀ (Hp rows of Hp texels) from a texture. */
  textures: boolean;
  /**
   * With `textures`: also read h_{t−1} from the texture `hIn` and write h_t to `hOut` (the
   * launcher swaps them each step), besides `out`'s h regions.
   */
  hTexture: boolean;
  /** Store gates, cells and h_{t−1} for the backward and inspection (off for inference). */
  save: boolean;
}

/**
 * The state update of row r for lane unit j (LSTM: c in `out`'s c region), given a{r}_0 and
 * hPrev; stores the output y and, with `save`, what the backward reads. Leaves `h`.
 */
function unitUpdate(lstm: boolean, r: number, save: boolean): string {
  const at = `(xt${r} * p.b + b${r}) * hp + j`;
  const saved = (stores: string) => (save ? `\n      ${stores} hin[at] = hPrev;` : '');
  return lstm
    ? `
      let at = ${at};
      let a = a${r}_0;
      ${LSTM_GATES_WGSL}
      let c = f * out[p.offC * 4u + b${r} * hp + j] + i * g;
      let h = o * tanh_(c);
      out[p.offC * 4u + b${r} * hp + j] = c;
      out[at] = h;${saved('cells[at] = c; gates[at] = vec4<f32>(i, f, g, o);')}`
    : `
      let at = ${at};
      let a = a${r}_0;
      let x = ${inputPart(false, r, 'j')};
      ${GRU_GATES_WGSL}
      let h = (1.0 - z) * n + z * hPrev;
      out[at] = h;${saved('gates[at] = vec4<f32>(r, z, n, a.w);')}`;
}

/**
 * Forward step. Lane l owns unit j = 8·block + l of SG_ROWS batch rows.
 * Buffer form: per 8 k, SG_ROWS loads of h (one per lane, handed round by subgroupBroadcast)
 * and 8 of weights for 32·SG_ROWS FMAs; h_t goes to `out`'s next h region.
 * Texture form: per 32 k, SG_ROWS vec4 loads of h (4 k per lane) and 32 weight texels; h_t
 * goes to the other h buffer, and to `out`'s h region only at the last step, where the final
 * state is read.
 */
export function recurrentForwardSubgroupWGSL(
  cell: RecurrentCell,
  { textures, hTexture, save }: SubgroupForwardOptions,
): string {
  const lstm = cell === 'lstm';
  const init = recurrentAccumulatorInit(lstm, rows, [0], () => 'jc');
  const wLoad = (q: number) =>
    textures
      ? `textureLoad(wTex, vec2<u32>(jc, min(k0 + ${q}u, hp - 1u)))`
      : `wT[p.offW + min(k0 + ${q}u, hp - 1u) * hp + jc]`;
  // Texture loads are calls that clobber vector registers on lavapipe: all 8 first.
  const loadsFirst = textures ? lanes.map((q) => `    let w${q} = ${wLoad(q)};`).join('\n') : '';
  const inner = lanes.map((q) => {
    const fmas = rows
      .map((r) => `      a${r}_0 += subgroupBroadcast(hv${r}, ${q}u) * w${q};`)
      .join('\n');
    return `    {${textures ? '' : `\n      let w${q} = ${wLoad(q)};`}\n${fmas}\n    }`;
  });
  const HT = textures && hTexture;
  // h from a texture: per 32 k one texel (4 k) per lane and row, then 4 chunks of 8 k.
  const chunks = [0, 1, 2, 3].map((c) => {
    const loads = lanes.map((q) => `      let w${q} = ${wLoad(c * 8 + q)};`).join('\n');
    const fmas = lanes
      .map((q) => {
        const k = c * 8 + q;
        return rows
          .map(
            (r) =>
              `      a${r}_0 += subgroupBroadcast(hv${r}.${'xyzw'[k % 4]}, ${k >> 2}u) * w${q};`,
          )
          .join('\n');
      })
      .join('\n');
    return `    {\n${loads}\n${fmas}\n    }`;
  });
  const kLoop = HT
    ? `  for (var k0 = 0u; k0 < hp; k0 += 32u) {
    let kt = k0 / 4u + lane;
${rows.map((r) => `    let hv${r} = select(vec4<f32>(0.0), textureLoad(hIn, vec2<u32>(min(kt, p.h4 - 1u), b${r})), kt < p.h4);`).join('\n')}
${chunks.join('\n')}
  }`
    : `  for (var k0 = 0u; k0 < hp; k0 += ${SG_LANES}u) {
    let kl = k0 + lane;
${rows.map((r) => `    let hv${r} = select(0.0, out[p.offCur * 4u + b${r} * hp + min(kl, hp - 1u)], kl < hp);`).join('\n')}
${loadsFirst}
${inner.join('\n')}
  }`;
  const update = rows
    .map((r) => {
      // LSTM reads h_{t−1} only to save it or to carry it past a row's length.
      const hPrev = `let hPrev = out[p.offCur * 4u + b${r} * hp + jc];`;
      const needPrev = !lstm || save;
      return `
  {
    var hs = 0.0;
    if (ok${r} && j < hp) {${needPrev ? `\n      ${hPrev}` : ''}${unitUpdate(lstm, r, save)}
      hs = h;
    } else if (row${r} < p.b) {
      ${hPrev}
      hs = hPrev;
    }
    if (row${r} < p.b && j < hp) { out[p.offNext * 4u + b${r} * hp + j] = hs; }${
      HT
        ? `
    // The texel of units j..j+3 is written by lane j % 4 = 0 with its neighbours' values.
    let h1 = subgroupShuffleDown(hs, 1u);
    let h2 = subgroupShuffleDown(hs, 2u);
    let h3 = subgroupShuffleDown(hs, 3u);
    if (row${r} < p.b && lane % 4u == 0u && j < hp) {
      textureStore(hOut, vec2<u32>(j / 4u, b${r}), vec4<f32>(hs, h1, h2, h3));
    }`
        : ''
    }
  }`;
    })
    .join('');
  return /* wgsl */ `enable subgroups;${recurrentForwardBindings('f32')}${textures ? W_TEXTURE_BINDING : ''}${HT ? H_TEXTURE_BINDINGS : ''}
${RECURRENT_HEADER}
@compute @workgroup_size(${SG_LANES})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(subgroup_invocation_id) lane: u32) {
  let hp = p.h4 * 4u;
  let blocks = (hp + ${SG_LANES - 1}u) / ${SG_LANES}u;
  let wi = wgIndex(wid, nwg);
  let ub = wi % blocks;
  let rb = wi / blocks;
  if (rb * ${SG_ROWS}u >= p.b) { return; }
  let j = ub * ${SG_LANES}u + lane;
  let jc = min(j, hp - 1u);
${recurrentRowSetup('p.s', SG_ROWS)}
${init}
${kLoop}
${update}
}`;
}

export function recurrentBackwardSubgroupWGSL(cell: RecurrentCell, wTexture = false): string {
  const lstm = cell === 'lstm';
  const backRows = [...Array(SG_BACK_ROWS).keys()];
  const wLoad = (k: number) =>
    wTexture
      ? `textureLoad(wTex, vec2<u32>(jbc, min(ku0 * 4u + ${k}u, kLast)))`
      : `w[p.offW + min(ku0 * 4u + ${k}u, kLast) * p.h4 + jbc]`;
  const loadsFirst = wTexture
    ? [...Array(SG_LANES * 4).keys()].map((k) => `    let wk${k} = ${wLoad(k)};`).join('\n')
    : '';
  const mm = [...Array(SG_LANES).keys()]
    .map((q) => {
      const loads = [0, 1, 2, 3]
        .map((c) => `      let w${c} = ${wTexture ? `wk${q * 4 + c}` : wLoad(q * 4 + c)};`)
        .join('\n');
      const fmas = backRows
        .map(
          (r) =>
            `      let s${r} = subgroupBroadcast(g${r}, ${q}u);\n` +
            [0, 1, 2, 3].map((c) => `      d${r} += s${r}.${'xyzw'[c]} * w${c};`).join('\n'),
        )
        .join('\n');
      return `    {\n${loads}\n${fmas}\n    }`;
    })
    .join('\n');
  const step = backRows.map((r) => recurrentBackwardStep(lstm, r, 'if (jb < p.h4) {')).join('');
  return /* wgsl */ `enable subgroups;${RECURRENT_BACKWARD_BINDINGS}${wTexture ? W_TEXTURE_BINDING_BACKWARD : ''}
${RECURRENT_HEADER}
@compute @workgroup_size(${SG_LANES})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(subgroup_invocation_id) lane: u32) {
  let hp = p.h4 * 4u;
  let blocks = (p.h4 + ${SG_LANES - 1}u) / ${SG_LANES}u;
  let wi = wgIndex(wid, nwg);
  let ub = wi % blocks;
  let rb = wi / blocks;
  if (rb * ${SG_BACK_ROWS}u >= p.b) { return; }
  let jb = ub * ${SG_LANES}u + lane;
  let jbc = min(jb, p.h4 - 1u);
  let j0 = jb * 4u;
  let kLast = hp * 4u - 1u;
  let sCur = select(p.s, 0u, p.isFinal == 1u);
  let sNext = select(p.s + 1u, 0u, p.isFinal == 1u);
${recurrentRowSetup('sCur', SG_BACK_ROWS)}
${recurrentNextSetup(lstm, backRows, ' && jb < p.h4')}
  // k runs over the 4·hp (unit, slot) rows of w in vec4 groups: lane l loads group ku0 + l.
  for (var ku0 = 0u; ku0 < hp; ku0 += ${SG_LANES}u) {
    let kl = ku0 + lane;
${backRows.map((r) => `    let g${r} = select(vec4<f32>(0.0), dxp[gn${r} + min(kl, hp - 1u)], kl < hp);`).join('\n')}
${loadsFirst}
${mm}
  }
${step}
}`;
}
