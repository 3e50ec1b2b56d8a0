/**
 * A matmul for adapters that run subgroup lanes as SIMD lanes of one CPU thread (lavapipe):
 * there every storage load costs ~18 ns whether it reads one float or a vec4, so the kernel is
 * built to do as many FMAs per load as it can.
 *
 * One workgroup is one subgroup of 8 lanes and owns an output tile of ROWS rows by 8·4·COLS
 * columns. Per step of 32 k:
 *  - each lane loads one vec4 of A per row, k0+4·lane … +3: the subgroup holds 32 k of every
 *    row in ROWS loads, and `subgroupBroadcast` (~0.5 ns) hands lane q's vec4 to all lanes;
 *  - each lane loads its COLS vec4s of B for each of the 32 k (contiguous across lanes).
 * So a step costs ROWS + 32·COLS loads for 2·32·ROWS·32·COLS flops. Operands must be
 * row-major with K and N multiples of 4 (the launcher copies or falls back otherwise).
 * Tails: rows and columns clamp their loads and guard their stores; k past K reads A as 0.
 */
export interface SubgroupVariant {
  rows: number;
  cols: number;
}

export const SUBGROUP_LANES = 8;

export function subgroupTile(v: SubgroupVariant): { rows: number; cols: number } {
  return { rows: v.rows, cols: SUBGROUP_LANES * 4 * v.cols };
}

export function matmulSubgroupWGSL(v: SubgroupVariant): string {
  const R = v.rows;
  const C = v.cols;
  const lines: string[] = [];
  const rowsR = [...Array(R).keys()];
  const colsC = [...Array(C).keys()];
  for (const i of rowsR) for (const j of colsC) lines.push(`  var acc${i}_${j} = vec4<f32>(0.0);`);
  const accDecl = lines.join('\n');
  const aLoads = rowsR
    .map((i) => `    let a${i} = select(vec4<f32>(0.0), A[aRow${i} + kq], inK);`)
    .join('\n');
  const steps: string[] = [];
  for (let q = 0; q < SUBGROUP_LANES; q++) {
    steps.push(`    {`);
    for (let c = 0; c < 4; c++) {
      steps.push(`      let kb${c} = min(k0 + ${q * 4 + c}u, kLast) * p.sBk4;`);
      for (const j of colsC) steps.push(`      let b${c}_${j} = B[bCol${j} + kb${c}];`);
    }
    for (const i of rowsR) {
      steps.push(`      let s${i} = subgroupBroadcast(a${i}, ${q}u);`);
      for (let c = 0; c < 4; c++) {
        for (const j of colsC) steps.push(`      acc${i}_${j} += s${i}.${'xyzw'[c]} * b${c}_${j};`);
      }
    }
    steps.push(`    }`);
  }
  const stores: string[] = [];
  for (const i of rowsR) {
    for (const j of colsC) {
      stores.push(
        `  if (row0 + ${i}u < p.m && col4_${j} < p.n4) { C[cBase + (row0 + ${i}u) * p.n4 + col4_${j}] = acc${i}_${j}; }`,
      );
    }
  }
  return /* wgsl */ `enable subgroups;
struct Params {
  m: u32, n4: u32, k: u32, batch: u32,
  offA4: u32, offB4: u32, tilesN: u32, tilesM: u32,
  sAb4: u32, sAm4: u32, sBb4: u32, sBk4: u32,
}
@group(1) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> A: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> B: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> C: array<vec4<f32>>;

@compute @workgroup_size(${SUBGROUP_LANES})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(subgroup_invocation_id) lane: u32) {
  let w = wid.x + wid.y * nwg.x;
  let tileN = w % p.tilesN;
  let rest = w / p.tilesN;
  let tileM = rest % p.tilesM;
  let b = rest / p.tilesM;
  if (b >= p.batch) { return; }
  let row0 = tileM * ${R}u;
  let aBase = p.offA4 + b * p.sAb4;
  let bBase = p.offB4 + b * p.sBb4;
${rowsR.map((i) => `  let aRow${i} = aBase + min(row0 + ${i}u, p.m - 1u) * p.sAm4;`).join('\n')}
${colsC.map((j) => `  let col4_${j} = tileN * ${SUBGROUP_LANES * C}u + ${j * SUBGROUP_LANES}u + lane;\n  let bCol${j} = bBase + min(col4_${j}, p.n4 - 1u);`).join('\n')}
${accDecl}
  let kLast = p.k - 1u;
  for (var k0 = 0u; k0 < p.k; k0 += ${SUBGROUP_LANES * 4}u) {
    let kq = k0 / 4u + lane;
    let inK = k0 + 4u * lane < p.k;
${aLoads}
${steps.join('\n')}
  }
  let cBase = b * p.m * p.n4;
${stores.join('\n')}
}`;
}
