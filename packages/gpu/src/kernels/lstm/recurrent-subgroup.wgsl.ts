import {
  GRU_GATES_WGSL,
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
 * Forward: lane l owns units base + 8u + l (u < SG_UNITS) of SG_ROWS batch rows; per 8 k it
 * makes SG_ROWS + 8·SG_UNITS loads for 32·SG_ROWS·SG_UNITS FMAs.
 * Backward: lane l owns the 4 units of vec4 block base + l; per 32 k (8 units × 4 slots) it
 * makes SG_ROWS + 32 loads for 128·SG_ROWS FMAs.
 */
export const SG_LANES = 8;
export const SG_ROWS = 8;
export const SG_UNITS = 1;
/**
 * Backward rows per workgroup (its lanes own a vec4 of units each). Rows were tuned on
 * lavapipe at B = 32, H = 256: 8 forward and 16 backward beat 4 by about 1.7×.
 */
export const SG_BACK_ROWS = 16;

/**
 * With `wTexture`, the weights are read from a storage texture holding the same vec4s (row k,
 * column unit or unit block) instead of the storage buffer: a third of the load cost on
 * lavapipe, where these kernels are bound by loads. Bound after the kernel's buffers.
 */
const W_TEXTURE_BINDING = /* wgsl */ `
@group(0) @binding(9) var wTex: texture_storage_2d<rgba32float, read>;`;
const W_TEXTURE_BINDING_BACKWARD = /* wgsl */ `
@group(0) @binding(11) var wTex: texture_storage_2d<rgba32float, read>;`;

const rows = [...Array(SG_ROWS).keys()];
const units = [...Array(SG_UNITS).keys()];

/** `out`, `hin`, `cells` are read as floats here (offsets in floats = 4 × the vec4 offsets). */
export function recurrentForwardSubgroupWGSL(cell: RecurrentCell, wTexture = false): string {
  const lstm = cell === 'lstm';
  const init = recurrentAccumulatorInit(lstm, rows, units, (u) => `jc${u}`);
  const lanes = [...Array(SG_LANES).keys()];
  const wLoad = (q: number, u: number) =>
    wTexture
      ? `textureLoad(wTex, vec2<u32>(jc${u}, min(k0 + ${q}u, hp - 1u)))`
      : `wT[p.offW + min(k0 + ${q}u, hp - 1u) * hp + jc${u}]`;
  // Texture loads are calls that clobber vector registers on lavapipe: all of them first.
  const loadsFirst = wTexture
    ? lanes
        .map((q) => units.map((u) => `    let w${q}_${u} = ${wLoad(q, u)};`).join('\n'))
        .join('\n')
    : '';
  const inner = lanes
    .map((q) => {
      const loads = wTexture
        ? units.map((u) => `      let w${u} = w${q}_${u};`).join('\n')
        : units.map((u) => `      let w${u} = ${wLoad(q, u)};`).join('\n');
      const fmas = rows
        .map(
          (r) =>
            `      let s${r} = subgroupBroadcast(hv${r}, ${q}u);\n` +
            units.map((u) => `      a${r}_${u} += s${r} * w${u};`).join('\n'),
        )
        .join('\n');
      return `    {\n${loads}\n${fmas}\n    }`;
    })
    .join('\n');
  const kLoop = loadsFirst ? `${loadsFirst}\n${inner}` : inner;
  const update = rows
    .map((r) => {
      const per = units
        .map((u) => {
          const j = `j${u}`;
          const common = `
    if (${j} < hp) {
      let at = (xt${r} * p.b + b${r}) * hp + ${j};
      let hPrev = out[cur${r} + ${j}];
      let a = a${r}_${u};`;
          if (lstm) {
            return `${common}
      ${LSTM_GATES_WGSL}
      let c = f * out[p.offC * 4u + b${r} * hp + ${j}] + i * g;
      let h = o * tanh_(c);
      out[p.offC * 4u + b${r} * hp + ${j}] = c;
      cells[at] = c;
      gates[at] = vec4<f32>(i, f, g, o);
      out[at] = h; out[nxt${r} + ${j}] = h; hin[at] = hPrev;
    }`;
          }
          return `${common}
      let x = xp[p.offXp + at];
      ${GRU_GATES_WGSL}
      let h = (1.0 - z) * n + z * hPrev;
      gates[at] = vec4<f32>(r, z, n, a.w);
      out[at] = h; out[nxt${r} + ${j}] = h; hin[at] = hPrev;
    }`;
        })
        .join('');
      const carry = units
        .map((u) => `    if (j${u} < hp) { out[nxt${r} + j${u}] = out[cur${r} + j${u}]; }`)
        .join('\n');
      return `
  {
  let cur${r} = p.offCur * 4u + b${r} * hp;
  let nxt${r} = p.offNext * 4u + b${r} * hp;
  if (ok${r}) {${per}
  } else if (row${r} < p.b) {
${carry}
  }
  }`;
    })
    .join('');
  return /* wgsl */ `enable subgroups;${recurrentForwardBindings('f32')}${wTexture ? W_TEXTURE_BINDING : ''}
${RECURRENT_HEADER}
@compute @workgroup_size(${SG_LANES})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(subgroup_invocation_id) lane: u32) {
  let hp = p.h4 * 4u;
  let blocks = (hp + ${SG_LANES * SG_UNITS - 1}u) / ${SG_LANES * SG_UNITS}u;
  let w = wgIndex(wid, nwg);
  let ub = w % blocks;
  let rb = w / blocks;
  if (rb * ${SG_ROWS}u >= p.b) { return; }
${units.map((u) => `  let j${u} = ub * ${SG_LANES * SG_UNITS}u + ${u * SG_LANES}u + lane;\n  let jc${u} = min(j${u}, hp - 1u);`).join('\n')}
${recurrentRowSetup('p.s', SG_ROWS)}
${init}
  for (var k0 = 0u; k0 < hp; k0 += ${SG_LANES}u) {
    let kl = k0 + lane;
${rows.map((r) => `    let hv${r} = select(0.0, out[p.offCur * 4u + b${r} * hp + min(kl, hp - 1u)], kl < hp);`).join('\n')}
${kLoop}
  }
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
