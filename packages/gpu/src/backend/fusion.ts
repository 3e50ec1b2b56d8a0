import { type DType, f32Bits } from '../dtype.js';
import { perElementMain, WGSL_WORKGROUP_INDEX } from '../kernels/common.js';
import type { Storage } from './storage.js';

/**
 * Lazy fusion of small elementwise ops.
 *
 * A dispatch costs tens of microseconds on a software adapter (and several on a discrete GPU)
 * however little it computes, so a chain of small elementwise ops is dominated by dispatch
 * cost. Instead of dispatching each one, the backend appends it to a pending group; the group
 * becomes one kernel that keeps intermediate values in registers and stores only the results
 * whose tensors are still alive when the group is flushed. Anything else that touches the
 * device — another kernel, a copy, an upload, a read, a submit — flushes the group first, so
 * commands still run in the order they were issued and no one ever observes an unwritten
 * tensor.
 *
 * Safety of buffer reuse inside a group: a leaf input's storage is retained until the flush,
 * so its buffer cannot be handed to a node's output; a node whose tensor is disposed before
 * the flush is never stored, so its buffer may be reused by a later node of the same group.
 */

/** How a node reads a leaf: element i, or element 0 for every i (a broadcast scalar). */
export type FusedMode = 'vec' | 'scalar';

export interface FusedInput {
  storage: Storage;
  /** Offset in elements. */
  offset: number;
  dtype: DType;
  mode: FusedMode;
}

export interface FusedNode {
  /** Names the primitive in pipeline keys: the same name must always carry the same `expr`. */
  op: string;
  /** WGSL over a, b, c, alpha, beta (and the aliases A, B, C for the inputs' types). */
  expr: string;
  inputs: FusedInput[];
  alpha: number;
  beta: number;
  out: { storage: Storage; offset: number; dtype: DType };
  /** Elements computed (every node of a group computes the same count). */
  n: number;
  /** WGSL helper functions `expr` may call (module scope; identical text is included once). */
  helpers?: string;
}

/** Elementwise ops on more elements than this run on their own (bandwidth-bound) kernels. */
export const FUSION_MAX_ELEMENTS = 1 << 16;
/** Ops per fused kernel: bounds shader size and compile time. */
export const FUSION_MAX_NODES = 64;
/** Uniform words a group may use (the backend's per-dispatch slot holds 64). */
const FUSION_MAX_WORDS = 64;

type Operand = { leaf: number } | { node: number };

/** A queued node with its operands resolved and its uniform needs counted once. */
interface Entry {
  node: FusedNode;
  operands: Operand[];
  alpha: boolean;
  beta: boolean;
}

/** A flushed group, ready to dispatch: everything the backend needs but the pipeline cache. */
export interface FusedKernel {
  key: string;
  code: () => string;
  buffers: Storage[];
  writes: number[];
  params: number[];
  n: number;
  /** Leaf storages retained by the group: release them once the dispatch is recorded. */
  retained: Storage[];
}

export class FusionGroup {
  private nodes: Entry[] = [];
  private leaves: FusedInput[] = [];
  /** Uniform words the queued nodes' alpha/beta take. */
  private scalarWords = 0;

  constructor(private readonly maxBindings: number) {}

  /**
   * Appends a node, or returns false when it cannot join this group (a different element
   * count, an input that is a pending result seen through a different view, or a limit
   * reached): the caller flushes and tries again on an empty group.
   */
  tryAdd(node: FusedNode): boolean {
    if (
      this.nodes.length > 0 &&
      (node.n !== this.nodes[0].node.n || this.nodes.length >= FUSION_MAX_NODES)
    )
      return false;
    const operands: Operand[] = [];
    const leaves = [...this.leaves];
    for (const input of node.inputs) {
      const producer = this.producerOf(input.storage);
      if (producer !== undefined) {
        const p = this.nodes[producer].node;
        if (input.mode !== 'vec' || input.offset !== p.out.offset || input.dtype !== p.out.dtype)
          return false;
        operands.push({ node: producer });
        continue;
      }
      let leaf = leaves.findIndex(
        (l) =>
          l.storage === input.storage &&
          l.offset === input.offset &&
          l.dtype === input.dtype &&
          l.mode === input.mode,
      );
      if (leaf < 0) leaf = leaves.push(input) - 1;
      operands.push({ leaf });
    }
    const alpha = /\balpha\b/.test(node.expr);
    const beta = /\bbeta\b/.test(node.expr);
    const scalarWords = this.scalarWords + (alpha ? 1 : 0) + (beta ? 1 : 0);
    const liveOutputs = this.nodes.filter((e) => e.node.out.storage.refs > 0).length + 1;
    if (this.nodes.length > 0) {
      if (leaves.length + liveOutputs > this.maxBindings) return false;
      if (1 + leaves.length + liveOutputs + scalarWords > FUSION_MAX_WORDS) return false;
    }
    // New leaves are retained until the flush.
    for (const leaf of leaves.slice(this.leaves.length)) leaf.storage.refs++;
    this.leaves = leaves;
    this.scalarWords = scalarWords;
    this.nodes.push({ node, operands, alpha, beta });
    return true;
  }

  /** The group as one kernel (undefined when empty), leaving the group empty. */
  take(): FusedKernel | undefined {
    if (this.nodes.length === 0) return undefined;
    const nodes = this.nodes;
    const leaves = this.leaves;
    this.nodes = [];
    this.leaves = [];
    this.scalarWords = 0;
    const stored = nodes.flatMap((e, j) => (e.node.out.storage.refs > 0 ? [j] : []));
    // Uniform words: n, leaf offsets, output offsets, then the alpha/beta each node uses.
    const params: number[] = [nodes[0].node.n];
    for (const leaf of leaves) params.push(leaf.offset);
    for (const j of stored) params.push(nodes[j].node.out.offset);
    const scalarWord: { alpha?: number; beta?: number }[] = [];
    for (const { node, alpha, beta } of nodes) {
      const w: { alpha?: number; beta?: number } = {};
      if (alpha) {
        w.alpha = params.length;
        params.push(f32Bits(node.alpha));
      }
      if (beta) {
        w.beta = params.length;
        params.push(f32Bits(node.beta));
      }
      scalarWord.push(w);
    }
    const signature = [
      leaves.map((l) => `${l.dtype}${l.mode === 'vec' ? 'v' : 's'}`).join(','),
      nodes
        .map(
          ({ node, operands }) =>
            `${node.op}(${operands.map((o) => ('leaf' in o ? `l${o.leaf}` : `v${o.node}`)).join(',')})>${node.out.dtype}`,
        )
        .join(';'),
      stored.join(','),
    ].join('|');
    return {
      key: `fused:${signature}`,
      code: () => fusedWGSL(nodes, leaves, stored, scalarWord),
      buffers: [...leaves.map((l) => l.storage), ...stored.map((j) => nodes[j].node.out.storage)],
      writes: stored.map((_, k) => leaves.length + k),
      params,
      n: nodes[0].node.n,
      retained: leaves.map((l) => l.storage),
    };
  }

  private producerOf(storage: Storage): number | undefined {
    for (let j = this.nodes.length - 1; j >= 0; j--) {
      if (this.nodes[j].node.out.storage === storage) return j;
    }
    return undefined;
  }
}

export const FUSION_WORKGROUP = 64;

function fusedWGSL(
  nodes: Entry[],
  leaves: FusedInput[],
  stored: number[],
  scalarWord: { alpha?: number; beta?: number }[],
): string {
  const names = ['a', 'b', 'c'];
  const word = (k: number) => `p.w[${k >> 2}][${k & 3}]`;
  // One function per distinct primitive and input types; A, B, C in an expression name the
  // types of its inputs.
  const fns = new Map<string, string>();
  const fnName = (node: FusedNode, types: DType[]) => {
    const name = `op_${node.op}_${types.join('_')}_${node.out.dtype}`.replace(
      /[^A-Za-z0-9_]/g,
      '_',
    );
    if (!fns.has(name)) {
      const expr = node.expr.replace(/\b([ABC])\b/g, (_, t: string) => types['ABC'.indexOf(t)]);
      const args = [...types.map((t, i) => `${names[i]}: ${t}`), 'alpha: f32', 'beta: f32'];
      fns.set(
        name,
        `fn ${name}(${args.join(', ')}) -> ${node.out.dtype} { return ${node.out.dtype}(${expr}); }`,
      );
    }
    return name;
  };
  const typeOf = (o: Operand) =>
    'leaf' in o ? leaves[o.leaf].dtype : nodes[o.node].node.out.dtype;
  const body: string[] = [];
  for (const [k, leaf] of leaves.entries()) {
    const index = leaf.mode === 'vec' ? `${word(1 + k)} + i` : word(1 + k);
    body.push(`  let l${k} = L${k}[${index}];`);
  }
  for (const [j, { node, operands }] of nodes.entries()) {
    const types = operands.map(typeOf);
    const args = operands.map((o) => ('leaf' in o ? `l${o.leaf}` : `v${o.node}`));
    const w = scalarWord[j];
    args.push(w.alpha === undefined ? '0.0' : `bitcast<f32>(${word(w.alpha)})`);
    args.push(w.beta === undefined ? '0.0' : `bitcast<f32>(${word(w.beta)})`);
    body.push(`  let v${j} = ${fnName(node, types)}(${args.join(', ')});`);
  }
  for (const [k, j] of stored.entries()) {
    body.push(`  O${k}[${word(1 + leaves.length + k)} + i] = v${j};`);
  }
  const bindings = [
    ...leaves.map(
      (l, k) => `@group(0) @binding(${k + 1}) var<storage, read> L${k}: array<${l.dtype}>;`,
    ),
    ...stored.map(
      (j, k) =>
        `@group(0) @binding(${leaves.length + k + 1}) var<storage, read_write> O${k}: array<${nodes[j].node.out.dtype}>;`,
    ),
  ];
  return /* wgsl */ `
struct Params { w: array<vec4<u32>, ${FUSION_MAX_WORDS / 4}> }
@group(1) @binding(0) var<uniform> p: Params;
${bindings.join('\n')}
${[...new Set(nodes.map((e) => e.node.helpers ?? ''))].join('\n')}
${[...fns.values()].join('\n')}
${WGSL_WORKGROUP_INDEX}
${perElementMain(FUSION_WORKGROUP, 'p.w[0][0]')}
${body.join('\n')}
}`;
}
