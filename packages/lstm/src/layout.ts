import {
  add,
  indexSelect,
  pad,
  permute,
  reshape,
  shapeToString,
  type Tensor,
  tensor,
} from '@scratchseq/gpu';

/**
 * PyTorch stores gate weights gate-major: rows [gate 0 units | gate 1 units | ...]. The fused
 * kernels of `@scratchseq/gpu` (lstmScan, gruScan) want them unit-major, four slots per hidden
 * unit, so that one vec4 holds all gates of a unit. These views convert on every forward
 * (differentiably: gradients flow back to the PyTorch-layout parameters); each is one small
 * copy of a weight matrix, nothing per time step.
 */

/** (G·H, F) gate-major → (F, 4H) unit-major, transposed for x·Wᵀ with no copy in matmul. GRU pads slot 3. */
export function inputWeightsUnitMajorT(w: Tensor, gates: 3 | 4, H: number): Tensor {
  const F = w.shape[1];
  let u = permute(reshape(w, [gates, H, F]), [2, 1, 0]); // (F, H, G)
  if (gates === 3)
    u = pad(u, [
      [0, 0],
      [0, 0],
      [0, 1],
    ]); // (F, H, 4): slots r, z, n, 0
  return reshape(u, [F, 4 * H]); // (F, 4H)
}

/** (G·H) gate-major bias → (4H) unit-major; GRU input bias slots (r, z, n, 0). */
export function biasUnitMajor(b: Tensor, gates: 3 | 4, H: number): Tensor {
  let u = permute(reshape(b, [gates, H]), [1, 0]); // (H, G)
  if (gates === 3)
    u = pad(u, [
      [0, 0],
      [0, 1],
    ]);
  return reshape(u, [4 * H]);
}

/** LSTM W_hh (4H, P) → unit-major rows (4H, P). */
export function lstmHiddenWeightsUnitMajor(w: Tensor, H: number): Tensor {
  const P = w.shape[1];
  return reshape(permute(reshape(w, [4, H, P]), [1, 0, 2]), [4 * H, P]);
}

/** GRU hidden weights/bias use slots (r, z, 0, n): W_hn apart, so r can scale it alone. */
const GRU_HIDDEN_SLOTS = [0, 1, 3, 2];

/** GRU W_hh (3H, H) → (4H, H) rows (unit, slot) with slots (r, z, 0, n). */
export function gruHiddenWeightsUnitMajor(w: Tensor, H: number): Tensor {
  const u = pad(permute(reshape(w, [3, H, H]), [1, 0, 2]), [
    [0, 0],
    [0, 1],
    [0, 0],
  ]); // (H, 4, H): r z n 0
  const idx = tensor(Int32Array.from(GRU_HIDDEN_SLOTS), { device: w.device });
  return reshape(indexSelect(u, 1, idx), [4 * H, H]);
}

/** GRU b_hh (3H) → (4H) with slots (r, z, 0, n). */
export function gruHiddenBiasUnitMajor(b: Tensor, H: number): Tensor {
  const u = pad(permute(reshape(b, [3, H]), [1, 0]), [
    [0, 0],
    [0, 1],
  ]); // (H, 4)
  const idx = tensor(Int32Array.from(GRU_HIDDEN_SLOTS), { device: b.device });
  return reshape(indexSelect(u, 1, idx), [4 * H]);
}

/** LSTM: both biases summed and made unit-major (they only ever appear as a sum). */
export function lstmBiasUnitMajor(bih: Tensor, bhh: Tensor, H: number): Tensor {
  return biasUnitMajor(add(bih, bhh), 4, H);
}

export function expectShape(op: string, name: string, t: Tensor, shape: number[]): void {
  if (t.rank !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
    throw new Error(
      `${op}: expected ${name} of shape ${shapeToString(shape)}, got ${shapeToString(t.shape)}`,
    );
  }
}
