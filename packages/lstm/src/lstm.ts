import {
  add,
  lstmScan,
  matmul,
  mul,
  reshape,
  sigmoid,
  slice,
  stack,
  type Tensor,
  tanh,
  transpose,
  writeTensor,
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
  uniformParameter,
  unreverse,
} from './common.js';
import { inputWeightsUnitMajorT, lstmBiasUnitMajor, lstmHiddenWeightsUnitMajor } from './layout.js';
import { GatedCell, RecurrentStack, zeroState } from './stacked.js';

export interface LSTMOptions extends RecurrentLayerOptions {
  /** LSTM with projections (Sak et al. 2014; PyTorch `proj_size`): h_t = W_hr·(o ⊙ tanh c_t), size projSize. */
  projSize?: number;
  /**
   * Beyond PyTorch: initialize the forget-gate bias to this value (Gers, Schmidhuber &
   * Cummins 2000; Jozefowicz et al. 2015 recommend 1) so the cell remembers by default.
   * It goes into bias_ih's forget slice, bias_hh's forget slice is zeroed.
   */
  forgetBias?: number;
  /**
   * Beyond PyTorch: peephole connections (Gers & Schmidhuber 2002): the input and forget
   * gates see c_{t−1}, the output gate sees c_t, through per-unit weights
   * `weight_peephole_l{k}` (3, H) with rows (i, f, o).
   */
  peephole?: boolean;
}

export interface LSTMState {
  /** (L·D, B, P): P = projSize or hiddenSize. */
  h: Tensor;
  /** (L·D, B, H). */
  c: Tensor;
}

/** Gate activations and states of one step, the composed (unfused) form. */
interface StepResult {
  h: Tensor; // (B, P)
  c: Tensor; // (B, H)
  gates: Tensor; // (B, H, 4)
}

/**
 * One LSTM step from the pre-activations x·W_ihᵀ + b (gate-major (B, 4H)), in plain ops:
 *   i = σ(·), f = σ(·), g = tanh(·), o = σ(·); c' = f c + i g; h' = o tanh c' (then W_hr).
 * Used by LSTMCell, by projections and peepholes, and when a tap needs every h_t.
 */
function lstmStep(
  pre: Tensor, // (B, 4H), input part with biases
  h: Tensor, // (B, P)
  c: Tensor, // (B, H)
  whh: Tensor, // (4H, P)
  H: number,
  peephole?: Tensor, // (3, H)
  whr?: Tensor, // (P, H)
): StepResult {
  const a = add(pre, matmul(h, transpose(whh))); // (B, 4H)
  const part = (k: number) => slice(a, 1, k * H, (k + 1) * H); // (B, H)
  const peek = (row: number, state: Tensor) =>
    peephole ? mul(reshape(slice(peephole, 0, row, row + 1), [H]), state) : null;
  const withPeek = (x: Tensor, p: Tensor | null) => (p ? add(x, p) : x);
  const i = sigmoid(withPeek(part(0), peek(0, c)));
  const f = sigmoid(withPeek(part(1), peek(1, c)));
  const g = tanh(part(2));
  const cNew = add(mul(f, c), mul(i, g));
  const o = sigmoid(withPeek(part(3), peek(2, cNew)));
  let hNew = mul(o, tanh(cNew)); // (B, H)
  if (whr) hNew = matmul(hNew, transpose(whr)); // (B, P)
  return { h: hNew, c: cNew, gates: stack([i, f, g, o], 2) };
}

/**
 * LSTM cell for one step (torch.nn.LSTMCell): parameters weight_ih (4H, I), weight_hh (4H, H),
 * bias_ih, bias_hh (4H), gates in PyTorch's order i, f, g, o.
 */
export class LSTMCell extends GatedCell {
  constructor(
    inputSize: number,
    hiddenSize: number,
    options: Pick<LSTMOptions, 'bias' | 'forgetBias' | 'device' | 'generator'> = {},
  ) {
    super('LSTMCell', 4, inputSize, hiddenSize, options);
    if (options.forgetBias !== undefined && this.bias_ih && this.bias_hh)
      setForgetBias(this.bias_ih, this.bias_hh, hiddenSize, options.forgetBias);
  }

  /** x (B, I); state [h (B, H), c (B, H)] or zeros. Returns [h', c']. */
  forward(x: Tensor, state?: [Tensor, Tensor]): [Tensor, Tensor] {
    const B = x.shape[0];
    const H = this.hiddenSize;
    this.checkInput(x);
    const [h, c] = state ?? [zeroState(B, H, x.device), zeroState(B, H, x.device)];
    let pre = matmul(x, transpose(this.weight_ih));
    if (this.bias_ih && this.bias_hh) pre = add(pre, add(this.bias_ih, this.bias_hh));
    const r = lstmStep(pre, h, c, this.weight_hh, H);
    return [r.h, r.c];
  }
}

/**
 * forgetBias init: b_ih's forget slice = value, every other bias entry 0 (so the summed bias of
 * the forget gate is exactly `value` and the other gates start unbiased). Runs on fresh
 * parameters, before anything reads them.
 */
function setForgetBias(bih: Tensor, bhh: Tensor, H: number, value: number): void {
  const ih = new Float32Array(4 * H);
  ih.fill(value, H, 2 * H);
  writeTensor(bih, ih);
  writeTensor(bhh, new Float32Array(4 * H));
}

/**
 * Multi-layer LSTM with torch.nn.LSTM's semantics and parameter names: `weight_ih_l{k}`
 * (4H, in), `weight_hh_l{k}` (4H, P), `bias_ih_l{k}`, `bias_hh_l{k}` (4H), `weight_hr_l{k}`
 * (P, H) with projSize, `_reverse` for the backward direction; gate order i, f, g, o; init
 * U(−1/√H, 1/√H).
 *
 * Speed: per layer and direction the input projection of all steps is one matmul, then
 * `lstmScan` runs ONE fused dispatch per step (recurrent matmul + gates + state update), and
 * one per step backward. Projections, peepholes and taps run the composed per-step form.
 */
export class LSTM extends RecurrentStack {
  readonly projSize: number;
  readonly peephole: boolean;

  constructor(inputSize: number, hiddenSize: number, options: LSTMOptions = {}) {
    super('LSTM', inputSize, hiddenSize, options);
    this.projSize = options.projSize ?? 0;
    this.peephole = options.peephole ?? false;
    const H = hiddenSize;
    if (!Number.isInteger(this.projSize) || this.projSize < 0 || this.projSize >= H) {
      throw new Error(
        `LSTM: projSize must be an integer in [0, hiddenSize) (0 = no projection), got ${this.projSize}`,
      );
    }
    const P = this.projSize || H;
    this.registerGateParameters(4, P, options, (sfx, biases) => {
      if (biases && options.forgetBias !== undefined)
        setForgetBias(biases.bih, biases.bhh, H, options.forgetBias);
      if (this.projSize)
        this.registerParameter(`weight_hr${sfx}`, uniformParameter([P, H], H, options));
      if (this.peephole)
        this.registerParameter(`weight_peephole${sfx}`, uniformParameter([3, H], H, options));
    });
  }

  /**
   * input (T, B, inputSize) (or (B, T, ·) with batchFirst); state {h (L·D, B, P), c (L·D, B, H)}
   * or zeros. Returns output (T, B, D·P) (or batch-first), the final {h, c}, and with
   * `inspect` the gates and cell states of every layer and direction.
   */
  forward(
    input: Tensor,
    state?: LSTMState | null,
    options: RecurrentForwardOptions = {},
  ): { output: Tensor; h: Tensor; c: Tensor; inspection?: Inspection } {
    const H = this.hiddenSize;
    const P = this.projSize || H;
    const LD = this.numLayers * this.directions;
    const { output, states, inspection } = this.runLayers<[Tensor, Tensor]>(input, options, {
      initialState: (i, B, device) => {
        const h0 = stateSlice('LSTM', 'h0', state?.h, i, [LD, B, P]);
        const c0 = stateSlice('LSTM', 'c0', state?.c, i, [LD, B, H]);
        return h0 || c0
          ? [h0 ?? zeroState(B, P, device), c0 ?? zeroState(B, H, device)]
          : undefined;
      },
      run: (
        { dir, src, state: st, sfx, tap },
        { B, device, lengths, lengthsTensor, inspection },
      ) => {
        const [h0, c0] = st ?? [zeroState(B, P, device), zeroState(B, H, device)];
        const r = this.runDirection(src, h0, c0, sfx, lengths, lengthsTensor, tap, !!inspection);
        if (inspection && r.gates && r.cells) {
          inspection.gates.push(unreverse(r.gates, dir, lengths));
          inspection.cells.push(unreverse(r.cells, dir, lengths));
        }
        return { output: r.output, state: [r.h, r.c] };
      },
    });
    const h = stack(
      states.map((s) => s[0]),
      0,
    ); // (L·D, B, P)
    const c = stack(
      states.map((s) => s[1]),
      0,
    ); // (L·D, B, H)
    return { output, h, c, ...(inspection ? { inspection } : {}) };
  }

  private runDirection(
    x: Tensor, // (T, B, F), forward time order
    h0: Tensor, // (B, P)
    c0: Tensor, // (B, H)
    sfx: string,
    lengths: number[] | undefined,
    lengthsTensor: Tensor | null,
    tap: HiddenTap | undefined,
    inspect: boolean,
  ): { output: Tensor; h: Tensor; c: Tensor; gates?: Tensor; cells?: Tensor } {
    const [T, B, F] = x.shape;
    const H = this.hiddenSize;
    const { wih, whh, bih, bhh } = this.gateParameters(sfx);
    if (!this.projSize && !this.peephole && !tap) {
      // Fused: one matmul for every step's input projection (its bias added inside the step
      // kernel), then one dispatch per step.
      const r = lstmScan(
        projectSteps(x, inputWeightsUnitMajorT(wih, 4, H)), // (T, B, 4H) unit-major
        lstmHiddenWeightsUnitMajor(whh, H),
        h0,
        c0,
        {
          lengths: lengthsTensor ?? undefined,
          inspect,
          inputBias: bih && bhh ? lstmBiasUnitMajor(bih, bhh, H) : undefined,
        },
      );
      return { output: r.output, h: r.hN, c: r.cN!, gates: r.gates, cells: r.cells };
    }
    // Composed per-step form (projections, peepholes, taps).
    let pre = matmul(reshape(x, [T * B, F]), transpose(wih)); // (T·B, 4H) gate-major
    if (bih && bhh) pre = add(pre, add(bih, bhh));
    pre = reshape(pre, [T, B, 4 * H]);
    const whr = this.projSize ? this.param(`weight_hr${sfx}`) : undefined;
    const peep = this.peephole ? this.param(`weight_peephole${sfx}`) : undefined;
    let h = h0;
    let c = c0;
    const outs: Tensor[] = [];
    const gates: Tensor[] = [];
    const cells: Tensor[] = [];
    for (let t = 0; t < T; t++) {
      const step = lstmStep(reshape(slice(pre, 0, t, t + 1), [B, 4 * H]), h, c, whh, H, peep, whr);
      const m = stepMask(lengths, t, x.device); // (B, 1)
      h = keepPadded(m, h, step.h);
      c = keepPadded(m, c, step.c);
      if (tap) h = tap(t, h);
      outs.push(h);
      if (inspect) {
        gates.push(step.gates);
        cells.push(step.c);
      }
    }
    return {
      output: stackSteps(outs, lengths),
      h,
      c,
      ...(inspect ? { gates: stackSteps(gates, lengths), cells: stackSteps(cells, lengths) } : {}),
    };
  }
}
