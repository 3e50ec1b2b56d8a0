import { WGSL_WORKGROUP_INDEX } from '../common.js';
import type { RecurrentCell } from './recurrent.wgsl.js';

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

const HEADER = /* wgsl */ `
struct Params { t: u32, b: u32, h4: u32, s: u32, reverse: u32, hasLen: u32, isFinal: u32,
  offCur: u32, offNext: u32, offC: u32, offXp: u32, offW: u32 }
@group(0) @binding(0) var<uniform> p: Params;
${WGSL_WORKGROUP_INDEX}
fn sigmoid_(x: f32) -> f32 { return 1.0 / (1.0 + exp(-x)); }
fn tanh_(x: f32) -> f32 { let e = exp(-2.0 * abs(x)); return sign(x) * (1.0 - e) / (1.0 + e); }
fn seqLen(b: u32) -> u32 { return select(p.t, u32(lens[b]), p.hasLen == 1u); }
fn timeAt(s: u32, len: u32) -> u32 { return select(s, len - 1u - s, p.reverse == 1u); }`;

const rows = [...Array(SG_ROWS).keys()];
const units = [...Array(SG_UNITS).keys()];

function rowSetup(step: string, count = SG_ROWS): string {
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

/** `out`, `hin`, `cells` are read as floats here (offsets in floats = 4 × the vec4 offsets). */
export function recurrentForwardSubgroupWGSL(cell: RecurrentCell): string {
  const lstm = cell === 'lstm';
  const init = rows
    .map((r) =>
      units
        .map((u) =>
          lstm
            ? `  var a${r}_${u} = xp[p.offXp + (xt${r} * p.b + b${r}) * hp + jc${u}];`
            : `  var a${r}_${u} = bias[jc${u}];`,
        )
        .join('\n'),
    )
    .join('\n');
  const inner = [...Array(SG_LANES).keys()]
    .map((q) => {
      const loads = units
        .map((u) => `      let w${u} = wT[p.offW + min(k0 + ${q}u, hp - 1u) * hp + jc${u}];`)
        .join('\n');
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
      let i = sigmoid_(a.x); let f = sigmoid_(a.y); let g = tanh_(a.z); let o = sigmoid_(a.w);
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
      let r = sigmoid_(x.x + a.x); let z = sigmoid_(x.y + a.y); let n = tanh_(x.z + r * a.w);
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
  return /* wgsl */ `enable subgroups;
@group(0) @binding(1) var<storage, read> xp: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> wT: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> lens: array<i32>;
@group(0) @binding(4) var<storage, read> bias: array<vec4<f32>>;
@group(0) @binding(5) var<storage, read_write> out: array<f32>;
@group(0) @binding(6) var<storage, read_write> gates: array<vec4<f32>>;
@group(0) @binding(7) var<storage, read_write> cells: array<f32>;
@group(0) @binding(8) var<storage, read_write> hin: array<f32>;
${HEADER}
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
${rowSetup('p.s')}
${init}
  for (var k0 = 0u; k0 < hp; k0 += ${SG_LANES}u) {
    let kl = k0 + lane;
${rows.map((r) => `    let hv${r} = select(0.0, out[p.offCur * 4u + b${r} * hp + min(kl, hp - 1u)], kl < hp);`).join('\n')}
${inner}
  }
${update}
}`;
}

export function recurrentBackwardSubgroupWGSL(cell: RecurrentCell): string {
  const lstm = cell === 'lstm';
  const backRows = [...Array(SG_BACK_ROWS).keys()];
  const mm = [...Array(SG_LANES).keys()]
    .map((q) => {
      const loads = [0, 1, 2, 3]
        .map(
          (c) => `      let w${c} = w[p.offW + min(ku0 * 4u + ${q * 4 + c}u, kLast) * p.h4 + jbc];`,
        )
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
  const step = backRows
    .map((r) => {
      const perUnit = [0, 1, 2, 3]
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
        dxp[gbase + ${u}u] = vec4<f32>(dan * hn * r * (1.0 - r), dhu * (hPrev[${u}] - n) * z * (1.0 - z), dan, dan * r); }`,
        )
        .join('');
      return `
  if (jb < p.h4) {
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
    })
    .join('');
  const nextSetup = backRows
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
  if (next${r} && jb < p.h4) { zNext${r} = vec4<f32>(gates[gn${r} + j0].y, gates[gn${r} + j0 + 1u].y, gates[gn${r} + j0 + 2u].y, gates[gn${r} + j0 + 3u].y); }`
  }`,
    )
    .join('');
  return /* wgsl */ `enable subgroups;
@group(0) @binding(1) var<storage, read> dout: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> w: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> lens: array<i32>;
@group(0) @binding(4) var<storage, read> gates: array<vec4<f32>>;
@group(0) @binding(5) var<storage, read> cells: array<vec4<f32>>;
@group(0) @binding(6) var<storage, read> c0: array<vec4<f32>>;
@group(0) @binding(7) var<storage, read> hin: array<vec4<f32>>;
@group(0) @binding(8) var<storage, read_write> dxp: array<vec4<f32>>;
@group(0) @binding(9) var<storage, read_write> carry: array<vec4<f32>>;
@group(0) @binding(10) var<storage, read_write> dh0: array<vec4<f32>>;
${HEADER}
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
${rowSetup('sCur', SG_BACK_ROWS)}
${nextSetup}
  // k runs over the 4·hp (unit, slot) rows of w in vec4 groups: lane l loads group ku0 + l.
  for (var ku0 = 0u; ku0 < hp; ku0 += ${SG_LANES}u) {
    let kl = ku0 + lane;
${backRows.map((r) => `    let g${r} = select(vec4<f32>(0.0), dxp[gn${r} + min(kl, hp - 1u)], kl < hp);`).join('\n')}
${mm}
  }
${step}
}`;
}
