import { nn, type Tensor, zeros } from '@scratchseq/gpu';
import { type HiddenTap, runStacked } from '@scratchseq/rnn';
import {
  checkLayerOptions,
  type Inspection,
  prepareInput,
  type RecurrentForwardOptions,
  type RecurrentLayerOptions,
  uniformParameter,
} from './common.js';

/**
 * What LSTM and GRU have in common as PyTorch-style modules: the cells' four gate-stacked
 * parameters, the layers' options, per-layer/direction parameter names, and the wiring of
 * layers and directions through `runStacked`. Only the step maths and the state differ.
 */

/** PyTorch's parameter-name suffix of a layer and direction: `_l0`, `_l1_reverse`. */
export function paramSuffix(layer: number, dir: number): string {
  return `_l${layer}${dir === 1 ? '_reverse' : ''}`;
}

/** A layer or cell's gate-stacked weights and biases (biases null with `bias: false`). */
export interface GateParameters {
  wih: Tensor; // (G·H, in)
  whh: Tensor; // (G·H, state)
  bih: Tensor | null; // (G·H)
  bhh: Tensor | null; // (G·H)
}

/** One-step cell (torch.nn.LSTMCell / GRUCell): weight_ih (G·H, I), weight_hh (G·H, H), biases (G·H). */
export abstract class GatedCell extends nn.Module {
  weight_ih: Tensor;
  weight_hh: Tensor;
  bias_ih: Tensor | null;
  bias_hh: Tensor | null;

  constructor(
    private readonly cellName: string,
    gates: number,
    readonly inputSize: number,
    readonly hiddenSize: number,
    options: Pick<RecurrentLayerOptions, 'bias' | 'device' | 'generator'>,
  ) {
    super();
    const H = hiddenSize;
    this.weight_ih = uniformParameter([gates * H, inputSize], H, options);
    this.weight_hh = uniformParameter([gates * H, H], H, options);
    const bias = options.bias ?? true;
    this.bias_ih = bias ? uniformParameter([gates * H], H, options) : null;
    this.bias_hh = bias ? uniformParameter([gates * H], H, options) : null;
  }

  /** Throws unless x is (B, inputSize). */
  protected checkInput(x: Tensor): void {
    if (x.rank !== 2 || x.shape[1] !== this.inputSize)
      throw new Error(
        `${this.cellName}: expected input of shape (B, ${this.inputSize}), got (${x.shape.join(', ')})`,
      );
  }
}

/** What `RecurrentStack.runLayers` hands the subclass for one layer and direction. */
export interface DirectionRun<S> {
  layer: number;
  dir: 0 | 1;
  /** (T, B, F) input of this layer, forward time order. */
  src: Tensor;
  /** The initial state from `initialState`, or undefined for zeros. */
  state: S | undefined;
  sfx: string;
  /** The forward-options tap, only on the last layer's forward direction. */
  tap: HiddenTap | undefined;
}

/** Multi-layer, optionally bidirectional recurrent module with PyTorch's options and names. */
export abstract class RecurrentStack extends nn.Module {
  readonly numLayers: number;
  readonly bias: boolean;
  readonly batchFirst: boolean;
  readonly dropout: number;
  readonly bidirectional: boolean;

  constructor(
    private readonly layerName: string,
    readonly inputSize: number,
    readonly hiddenSize: number,
    options: RecurrentLayerOptions,
  ) {
    super();
    checkLayerOptions(layerName, options);
    this.numLayers = options.numLayers ?? 1;
    this.bias = options.bias ?? true;
    this.batchFirst = options.batchFirst ?? false;
    this.dropout = options.dropout ?? 0;
    this.bidirectional = options.bidirectional ?? false;
  }

  /** Number of directions D. */
  protected get directions(): 1 | 2 {
    return this.bidirectional ? 2 : 1;
  }

  /**
   * Registers weight_ih, weight_hh (and biases) of every layer and direction, for G gates
   * and an output/state size P; `extra` then registers that direction's further parameters
   * (the order of creation fixes what a seeded generator gives each).
   */
  protected registerGateParameters(
    gates: number,
    stateSize: number,
    options: RecurrentLayerOptions,
    extra?: (sfx: string, biases: { bih: Tensor; bhh: Tensor } | null) => void,
  ): void {
    const H = this.hiddenSize;
    const D = this.directions;
    for (let layer = 0; layer < this.numLayers; layer++) {
      const inSize = layer === 0 ? this.inputSize : stateSize * D;
      for (let dir = 0; dir < D; dir++) {
        const sfx = paramSuffix(layer, dir);
        this.registerParameter(
          `weight_ih${sfx}`,
          uniformParameter([gates * H, inSize], H, options),
        );
        this.registerParameter(
          `weight_hh${sfx}`,
          uniformParameter([gates * H, stateSize], H, options),
        );
        let biases: { bih: Tensor; bhh: Tensor } | null = null;
        if (this.bias) {
          const bih = this.registerParameter(
            `bias_ih${sfx}`,
            uniformParameter([gates * H], H, options),
          );
          const bhh = this.registerParameter(
            `bias_hh${sfx}`,
            uniformParameter([gates * H], H, options),
          );
          biases = { bih, bhh };
        }
        extra?.(sfx, biases);
      }
    }
  }

  protected param(name: string): Tensor {
    return (this as unknown as Record<string, Tensor>)[name];
  }

  /** The gate weights and biases of the layer and direction with suffix `sfx`. */
  protected gateParameters(sfx: string): GateParameters {
    return {
      wih: this.param(`weight_ih${sfx}`),
      whh: this.param(`weight_hh${sfx}`),
      bih: this.bias ? this.param(`bias_ih${sfx}`) : null,
      bhh: this.bias ? this.param(`bias_hh${sfx}`) : null,
    };
  }

  /**
   * Checks the input, runs every layer and direction through `run` (dropout, reversal and
   * concatenation by `runStacked`), and returns the output in the caller's layout with the
   * final states and, with `inspect`, an Inspection that `run` fills.
   */
  protected runLayers<S>(
    input: Tensor,
    options: RecurrentForwardOptions,
    spec: {
      initialState: (index: number, B: number, device: Tensor['device']) => S | undefined;
      run: (
        d: DirectionRun<S>,
        ctx: {
          B: number;
          device: Tensor['device'];
          lengths: number[] | undefined;
          lengthsTensor: Tensor | null;
          inspection: Inspection | undefined;
        },
      ) => { output: Tensor; state: S };
    },
  ): { output: Tensor; states: S[]; inspection?: Inspection } {
    const { x, B, lengths, lengthsTensor } = prepareInput(
      this.layerName,
      input,
      this.inputSize,
      this.batchFirst,
      options.lengths,
    );
    const D = this.directions;
    const L = this.numLayers;
    const inspection: Inspection | undefined = options.inspect
      ? { gates: [], cells: [] }
      : undefined;
    const ctx = { B, device: x.device, lengths, lengthsTensor, inspection };
    const { output, states } = runStacked<S>(x, {
      numLayers: L,
      bidirectional: this.bidirectional,
      dropout: this.dropout,
      training: this.training,
      lengths,
      initialState: (layer, dir) => spec.initialState(layer * D + dir, B, x.device),
      run: (layer, dir, src, state) =>
        spec.run(
          {
            layer,
            dir,
            src,
            state,
            sfx: paramSuffix(layer, dir),
            tap: options.tap && layer === L - 1 && dir === 0 ? options.tap : undefined,
          },
          ctx,
        ),
    });
    return {
      output: this.batchFirst ? output.transpose(0, 1) : output,
      states,
      ...(inspection ? { inspection } : {}),
    };
  }
}

/** (B, size) zeros on `device`: the default initial state. */
export function zeroState(B: number, size: number, device: Tensor['device']): Tensor {
  return zeros([B, size], { device });
}
