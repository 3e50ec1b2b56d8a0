import { add, scope, type Tensor, zerosLike } from '@scratchseq/gpu';

/**
 * The vanishing-gradient lab's instruments. For a recurrence h_t = f(h_{t−1}, x_t), the
 * gradient reaching an early state is a product of Jacobians ∂h_k/∂h_{k−1} = diag(f′)·W_hh,
 * so its norm shrinks (or grows) roughly like ρ(W_hh)^(T−t) times the derivative factors
 * (Bengio, Simard & Frasconi 1994; Pascanu, Mikolov & Bengio 2013).
 */

/**
 * Passed to the model under study: the model calls `tap(t, h_t)` on each step's hidden state
 * and continues with what it returns (h_t plus a zero probe). Models in this package and in
 * `@scratchseq/lstm` accept it as the `tap` forward option.
 */
export type HiddenTap = (t: number, h: Tensor) => Tensor;

export interface GradientNormsThroughTime {
  /** ‖∂L/∂h_t‖₂ (over the whole (B, H) state) for t = 0 .. T−1; NaN where no state was tapped. */
  norms: Float64Array;
  /** The loss value. */
  loss: number;
}

/**
 * ‖∂L/∂h_t‖ for every step t of one forward pass. `run(tap)` computes a scalar loss while
 * passing each step's hidden state through `tap`. The tap adds a zero "probe" leaf to h_t,
 * and ∂L/∂probe_t = ∂L/∂h_t is the total derivative through all later steps, which is the
 * quantity the vanishing-gradient argument is about (not just the direct output term).
 * Parameters' `.grad` are left untouched.
 */
export async function gradientNormsThroughTime(
  run: (tap: HiddenTap) => Tensor,
): Promise<GradientNormsThroughTime> {
  const probes = new Map<number, Tensor>();
  const { loss, squares } = scope(() => {
    const tap: HiddenTap = (t, h) => {
      if (probes.has(t)) throw new Error(`gradientNormsThroughTime: step ${t} was tapped twice`);
      const probe = zerosLike(h, { requiresGrad: true });
      probes.set(t, probe);
      return add(h, probe);
    };
    const l = run(tap);
    if (l.size !== 1) {
      throw new Error(
        `gradientNormsThroughTime: run(tap) must return a scalar loss, got shape (${l.shape.join(', ')})`,
      );
    }
    if (probes.size === 0) {
      throw new Error(
        'gradientNormsThroughTime: run(tap) never called tap(t, h); pass it to the model as its tap option',
      );
    }
    // Only the probes' gradients are wanted: other leaves (parameters) are switched off for
    // this backward pass, so their .grad is untouched and no time is spent on it.
    const leaves = collectLeaves(l, new Set(probes.values()));
    for (const leaf of leaves) leaf.requiresGrad = false;
    try {
      l.backward();
    } finally {
      for (const leaf of leaves) leaf.requiresGrad = true;
    }
    const sq = [...probes.entries()].map(([t, p]) => [t, p.grad!.mul(p.grad!).sum()] as const);
    return { loss: l.detach(), squares: sq };
  });
  const T = Math.max(...probes.keys()) + 1;
  const norms = new Float64Array(T).fill(Number.NaN);
  for (const [t, s] of squares) {
    norms[t] = Math.sqrt(await s.item());
    s.dispose();
  }
  for (const p of probes.values()) p.dispose();
  const value = await loss.item();
  loss.dispose();
  return { norms, loss: value };
}

/** Leaves below `root` that require grad, other than `skip`. */
function collectLeaves(root: Tensor, skip: Set<Tensor>): Tensor[] {
  const stack = [root];
  const seen = new Set<Tensor>();
  const out: Tensor[] = [];
  while (stack.length > 0) {
    const t = stack.pop()!;
    if (seen.has(t)) continue;
    seen.add(t);
    if (!t.gradFn) {
      if (t.requiresGrad && !skip.has(t)) out.push(t);
      continue;
    }
    for (const i of t.gradFn.inputs) if (i.requiresGrad) stack.push(i);
  }
  return out;
}

/**
 * Spectral radius ρ(A) = max |λ_i| of a square matrix (row-major), by Gelfand's formula
 * ρ = lim ‖A^k‖^(1/k) with k = 2^m through repeated squaring, each square rescaled to norm 1
 * so nothing overflows (float64 on the host). Works for non-symmetric matrices with complex
 * eigenvalues, where plain power iteration oscillates.
 */
export function spectralRadius(matrix: ArrayLike<number>, n?: number): number {
  const size = n ?? Math.round(Math.sqrt(matrix.length));
  if (size * size !== matrix.length) {
    throw new Error(`spectralRadius: ${matrix.length} values are not a square matrix; pass n`);
  }
  let a: Float64Array = Float64Array.from(matrix);
  let logScale = 0; // A^(2^m) = exp(logScale) · a, ‖a‖ = 1
  const norm0 = frobenius(a);
  if (norm0 === 0) return 0;
  scaleInPlace(a, 1 / norm0);
  logScale = Math.log(norm0);
  let estimate = norm0;
  for (let m = 1; m <= 60; m++) {
    const sq = matmulSquare(a, size);
    const nrm = frobenius(sq);
    if (nrm === 0) return 0; // nilpotent
    scaleInPlace(sq, 1 / nrm);
    a = sq;
    logScale = 2 * logScale + Math.log(nrm);
    const next = Math.exp(logScale / 2 ** m);
    if (m > 8 && Math.abs(next - estimate) <= 1e-13 * Math.max(1, next)) return next;
    estimate = next;
  }
  return estimate;
}

/** ρ of a square (n, n) tensor (read back to the host). */
export async function spectralRadiusOf(w: Tensor): Promise<number> {
  if (w.rank !== 2 || w.shape[0] !== w.shape[1]) {
    throw new Error(
      `spectralRadiusOf: expected a square (n, n) matrix, got (${w.shape.join(', ')})`,
    );
  }
  return spectralRadius(await w.toArray(), w.shape[0]);
}

function frobenius(a: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * a[i];
  return Math.sqrt(s);
}

function scaleInPlace(a: Float64Array, c: number): void {
  for (let i = 0; i < a.length; i++) a[i] *= c;
}

function matmulSquare(a: Float64Array, n: number): Float64Array {
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < n; k++) {
      const aik = a[i * n + k];
      if (aik === 0) continue;
      for (let j = 0; j < n; j++) out[i * n + j] += aik * a[k * n + j];
    }
  }
  return out;
}
