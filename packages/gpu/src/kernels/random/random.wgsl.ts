import { WGSL_WORKGROUP_INDEX } from '../common.js';
import { PHILOX_WGSL } from './philox.js';

export const RANDOM_WORKGROUP = 64;
export type RandomMode = 'uniform' | 'normal' | 'dropout';

/**
 * One invocation per Philox block of four elements; element e uses word e % 4 of block
 * `offset + e / 4`. Modes: uniform in [a, b); normal with mean a and std b; dropout keeps
 * x / (1 - a) where the uniform draw is ≥ a and writes 0 elsewhere (inverted dropout).
 */
export function randomWGSL(mode: RandomMode): string {
  const body: Record<RandomMode, string> = {
    uniform: 'out[e] = p.a + (p.b - p.a) * toUnit(bits[j]);',
    normal: 'out[e] = p.a + p.b * select(normals.y, normals.x, j % 2u == 0u) ;',
    dropout: 'out[e] = select(0.0, x_[p.offIn + e] * p.scale, toUnit(bits[j]) >= p.a);',
  };
  return /* wgsl */ `
struct Params { n: u32, offIn: u32, seedLo: u32, seedHi: u32, blockLo: u32, blockHi: u32, a: f32, b: f32, scale: f32 }
@group(1) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x_: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
${WGSL_WORKGROUP_INDEX}
${PHILOX_WGSL}

@compute @workgroup_size(${RANDOM_WORKGROUP})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let block = wgIndex(wid, nwg) * ${RANDOM_WORKGROUP}u + lid;
  if (block * 4u >= p.n) { return; }
  let lo = p.blockLo + block;
  let carry = select(0u, 1u, lo < block);
  let bits = philox(vec4<u32>(lo, p.blockHi + carry, 0u, 0u), vec2<u32>(p.seedLo, p.seedHi));
  let n01 = boxMuller(bits.x, bits.y);
  let n23 = boxMuller(bits.z, bits.w);
  for (var j = 0u; j < 4u; j++) {
    let e = block * 4u + j;
    if (e >= p.n) { break; }
    let normals = select(n23, n01, j < 2u);
    ${body[mode]}
  }
}`;
}
