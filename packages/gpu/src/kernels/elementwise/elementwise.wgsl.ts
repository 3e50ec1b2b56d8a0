import type { DType } from '../../dtype.js';
import { perElementMain, WGSL_ERF, WGSL_WORKGROUP_INDEX } from '../common.js';

export const ELEMENTWISE_WORKGROUP = 256;
/** Dimensions an elementwise kernel indexes after coalescing. */
export const ELEMENTWISE_MAX_RANK = 8;

/**
 * One elementwise kernel: `out[io] = expr(a[ia], b[ib], c[ic])`. The `strided` variant maps
 * the linear index to every operand (output included) through shapes and strides carried in
 * the uniform, which covers broadcasting, views and writing into a view; the contiguous
 * variant indexes all operands by `offset + i`. Shapes never enter the source, so one
 * pipeline serves every shape.
 */
export function elementwiseWGSL(
  expr: string,
  inputs: DType[],
  out: DType,
  strided: boolean,
): string {
  const names = ['a', 'b', 'c'];
  const aliases = ['A', 'B', 'C'];
  const bindings = inputs
    .map((dt, i) => `@group(0) @binding(${i + 1}) var<storage, read> in${i}: array<${dt}>;`)
    .join('\n');
  const aliasDecls = inputs.map((dt, i) => `alias ${aliases[i]} = ${dt};`).join('\n');
  const operands = [...inputs.map((_, k) => `${k}`), 'Out'];
  const loads = inputs
    .map((_, i) => `  let ${names[i]} = in${i}[${strided ? `idx${i}` : `p.off${i} + i`}];`)
    .join('\n');
  const indexing = strided
    ? `
  var rem = i;
${operands.map((k) => `  var idx${k} = p.off${k};`).join('\n')}
  for (var d = i32(p.rank) - 1; d >= 0; d--) {
    let ud = u32(d);
    let extent = p.shape[ud / 4u][ud % 4u];
    let coord = rem % extent;
    rem = rem / extent;
${operands.map((k) => `    idx${k} += coord * p.stride${k}[ud / 4u][ud % 4u];`).join('\n')}
  }`
    : '';
  return /* wgsl */ `
struct Params {
  n: u32, rank: u32, off0: u32, off1: u32,
  off2: u32, offOut: u32, alpha: f32, beta: f32,
  shape: array<vec4<u32>, 2>,
  stride0: array<vec4<u32>, 2>,
  stride1: array<vec4<u32>, 2>,
  stride2: array<vec4<u32>, 2>,
  strideOut: array<vec4<u32>, 2>,
}
@group(1) @binding(0) var<uniform> p: Params;
${bindings}
@group(0) @binding(${inputs.length + 1}) var<storage, read_write> result: array<${out}>;
${aliasDecls}
${WGSL_WORKGROUP_INDEX}
${WGSL_ERF}

${perElementMain(ELEMENTWISE_WORKGROUP)}
  let alpha = p.alpha;
  let beta = p.beta;${indexing}
${loads}
  result[${strided ? 'idxOut' : 'p.offOut + i'}] = ${out}(${expr});
}`;
}

/** How the 4-wide kernel reads an input: 4 consecutive elements, or one element for all 4. */
export type Vec4Operand = 'vec' | 'scalar';

/**
 * The 4-wide variant: the iteration space is (outer, inner) with inner a multiple of 4 and a
 * dense output; each invocation loads whole `vec4`s (fewer, wider memory transactions, which
 * is what a bandwidth-bound kernel needs) and applies the scalar expression to each lane, so
 * every table entry works unchanged. An input is `vec` (stride 1 along inner; offset and
 * outer stride in vec4 units) or `scalar` (stride 0 along inner: one element per row, e.g. a
 * bias of shape (N, 1), or one for all, e.g. a scalar operand). `p.n` counts vec4s.
 */
export function elementwiseVec4WGSL(
  expr: string,
  inputs: DType[],
  modes: Vec4Operand[],
  out: DType,
): string {
  const names = ['a', 'b', 'c'];
  const aliases = ['A', 'B', 'C'];
  const bindings = inputs
    .map((dt, i) => {
      const type = modes[i] === 'vec' ? `vec4<${dt}>` : dt;
      return `@group(0) @binding(${i + 1}) var<storage, read> in${i}: array<${type}>;`;
    })
    .join('\n');
  const aliasDecls = inputs.map((dt, i) => `alias ${aliases[i]} = ${dt};`).join('\n');
  const args = [...inputs.map((_, i) => `${names[i]}: ${aliases[i]}`), 'alpha: f32', 'beta: f32'];
  const loads = inputs
    .map((dt, i) =>
      modes[i] === 'vec'
        ? `  let ${names[i]}4 = in${i}[p.off${i} + row * p.outer${i} + col];`
        : `  let ${names[i]}4 = vec4<${dt}>(in${i}[p.off${i} + row * p.outer${i}]);`,
    )
    .join('\n');
  const lane = (c: string) =>
    `op(${[...inputs.map((_, i) => `${names[i]}4.${c}`), 'p.alpha', 'p.beta'].join(', ')})`;
  return /* wgsl */ `
struct Params {
  n: u32, inner: u32, off0: u32, off1: u32,
  off2: u32, offOut: u32, alpha: f32, beta: f32,
  outer0: u32, outer1: u32, outer2: u32, _pad: u32,
}
@group(1) @binding(0) var<uniform> p: Params;
${bindings}
@group(0) @binding(${inputs.length + 1}) var<storage, read_write> result: array<vec4<${out}>>;
${aliasDecls}
${WGSL_WORKGROUP_INDEX}
${WGSL_ERF}

fn op(${args.join(', ')}) -> ${out} {
  return ${out}(${expr});
}

${perElementMain(ELEMENTWISE_WORKGROUP)}
  let row = i / p.inner;
  let col = i - row * p.inner;
${loads}
  result[p.offOut + i] = vec4<${out}>(${['x', 'y', 'z', 'w'].map(lane).join(', ')});
}`;
}
