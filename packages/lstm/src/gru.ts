import {
  add,
  gruScan,
  matmul,
  mul,
  reshape,
  sigmoid,
  slice,
  stack,
  sub,
  type Tensor,
  tanh,
  transpose,
  zeros,
} from '@scratchseq/gpu';
import type { HiddenTap } from '@scratchseq/rnn';
import {
  type Inspection,
  keepPadded,
  projectSteps,
  type RecurrentForwardOptions,
  type RecurrentLayerOptions,
  stackSteps,
  stateSlice,
  stepMask,
  unreverse,
} from './common.js';
import {
  biasUnitMajor,
  gruHiddenBiasUnitMajor,
  gruHiddenWeightsUnitMajor,
  inputWeightsUnitMajorT,
} from './layout.js';
import { GatedCell, RecurrentStack, zeroState } from './stacked.js';

/**
 * One GRU step in plain ops, PyTorch/cuDNN form (the reset gate scales the hidden matmul's
 * result, bias included):
 *   r = σ(x_r + W_hr h + b_hr), z = σ(x_z + W_hz h + b_hz), n = tanh(x_n + r ⊙ (W_hn h + b_hn)),
 *   h' = (1 − z) ⊙ n + z ⊙ h
 */
function gruStep(
  pre: Tensor, // (B, 3H): x·W_ihᵀ + b_ih
  h: Tensor, // (B, H)
  whh: Tensor, // (3H, H)
  bhh: Tensor | null, // (3H)
  H: number,
): { h: Tensor; gates: Tensor } {
  let gh = matmul(h, transpose(whh)); // (B, 3H)
  if (bhh) gh = add(gh, bhh);
  const xi = (k: number) => slice(pre, 1, k * H, (k + 1) * H);
  const hi = (k: number) => slice(gh, 1, k * H, (k + 1) * H);
  const r = sigmoid(add(xi(0), hi(0)));
  const z = sigmoid(add(xi(1), hi(1)));
  const hn = hi(2);
  const n = tanh(add(xi(2), mul(r, hn)));
  const hNew = add(n, mul(z, sub(h, n))); // (1 − z) n + z h
  return { h: hNew, gates: stack([r, z, n, hn], 2) };
}

/** GRU cell for one step (torch.nn.GRUCell): weight_ih (3H, I), weight_hh (3H, H), biases (3H), gates r, z, n. */
export class GRUCell extends GatedCell {
  constructor(
    inputSize: number,
    hiddenSize: number,
    options: Pick<RecurrentLayerOptions, 'bias' | 'device' | 'generator'> = {},
  ) {
    super('GRUCell', 3, inputSize, hiddenSize, options);
  }

  /** x (B, I); h (B, H) or zeros. Returns h'. */
  forward(x: Tensor, h?: Tensor): Tensor {
    this.checkInput(x);
    const state = h ?? zeroState(x.shape[0], this.hiddenSize, x.device);
    let pre = matmul(x, transpose(this.weight_ih));
    if (this.bias_ih) pre = add(pre, this.bias_ih);
    return gruStep(pre, state, this.weight_hh, this.bias_hh, this.hiddenSize).h;
  }
}

/**
 * Multi-layer GRU with torch.nn.GRU's semantics and parameter names (`weight_ih_l{k}` (3H, in),
 * `weight_hh_l{k}` (3H, H), `bias_ih_l{k}`, `bias_hh_l{k}` (3H), `_reverse`), gate order r, z, n.
 * One matmul for every step's input projection, then `gruScan`: one fused dispatch per step.
 */
export class GRU extends RecurrentStack {
  constructor(inputSize: number, hiddenSize: number, options: RecurrentLayerOptions = {}) {
    super('GRU', inputSize, hiddenSize, options);
    this.registerGateParameters(3, hiddenSize, options);
  }

  /**
   * input (T, B, inputSize) (or batch-first); h0 (L·D, B, H) or zeros. Returns output
   * (T, B, D·H), h (L·D, B, H), and with `inspect` the gates of every layer and direction.
   */
  forward(
    input: Tensor,
    h0?: Tensor | null,
    options: RecurrentForwardOptions = {},
  ): { output: Tensor; h: Tensor; inspection?: Inspection } {
    const H = this.hiddenSize;
    const LD = this.numLayers * this.directions;
    const { output, states, inspection } = this.runLayers<Tensor>(input, options, {
      initialState: (i, B) => stateSlice('GRU', 'h0', h0, i, [LD, B, H]),
      run: ({ dir, src, state, sfx, tap }, { B, device, lengths, lengthsTensor, inspection }) => {
        const start = state ?? zeroState(B, H, device);
        const r = this.runDirection(src, start, sfx, lengths, lengthsTensor, tap, !!inspection);
        if (inspection && r.gates) inspection.gates.push(unreverse(r.gates, dir, lengths));
        return { output: r.output, state: r.h };
      },
    });
    return { output, h: stack(states, 0), ...(inspection ? { inspection } : {}) };
  }

  private runDirection(
    x: Tensor, // (T, B, F)
    h0: Tensor, // (B, H)
    sfx: string,
    lengths: number[] | undefined,
    lengthsTensor: Tensor | null,
    tap: HiddenTap | undefined,
    inspect: boolean,
  ): { output: Tensor; h: Tensor; gates?: Tensor } {
    const [T, B, F] = x.shape;
    const H = this.hiddenSize;
    const { wih, whh, bih, bhh } = this.gateParameters(sfx);
    if (!tap) {
      // Fused: one matmul for every step's input projection (b_ih added inside the step
      // kernel), then one dispatch per step.
      const bhhU = bhh ? gruHiddenBiasUnitMajor(bhh, H) : zeros([4 * H], { device: x.device });
      const r = gruScan(
        projectSteps(x, inputWeightsUnitMajorT(wih, 3, H)), // (T, B, 4H): r z n ·
        gruHiddenWeightsUnitMajor(whh, H),
        bhhU,
        h0,
        {
          lengths: lengthsTensor ?? undefined,
          inspect,
          inputBias: bih ? biasUnitMajor(bih, 3, H) : undefined,
        },
      );
      return { output: r.output, h: r.hN, gates: r.gates };
    }
    let pre = matmul(reshape(x, [T * B, F]), transpose(wih)); // (T·B, 3H)
    if (bih) pre = add(pre, bih);
    pre = reshape(pre, [T, B, 3 * H]);
    let h = h0;
    const outs: Tensor[] = [];
    const gates: Tensor[] = [];
    for (let t = 0; t < T; t++) {
      const step = gruStep(reshape(slice(pre, 0, t, t + 1), [B, 3 * H]), h, whh, bhh, H);
      h = keepPadded(stepMask(lengths, t, x.device), h, step.h);
      h = tap(t, h);
      outs.push(h);
      if (inspect) gates.push(step.gates);
    }
    return {
      output: stackSteps(outs, lengths),
      h,
      ...(inspect ? { gates: stackSteps(gates, lengths) } : {}),
    };
  }
}
