import { sgdStep } from '../kernels/optim/optim.js';
import type { Tensor } from '../tensor.js';
import { Optimizer, type ParamState } from './optimizer.js';
import type { LRSchedule } from './schedule.js';

export interface SGDOptions {
  lr: number | LRSchedule;
  momentum?: number;
  dampening?: number;
  /** L2 penalty added to the gradient: d = g + λθ. */
  weightDecay?: number;
  /** Nesterov momentum as PyTorch implements it (Sutskever et al. 2013): d = g + μb. */
  nesterov?: boolean;
}

/**
 * Stochastic gradient descent with optional (Nesterov) momentum and weight decay, updating
 * each parameter and its `momentum_buffer` in one fused kernel. Same semantics as
 * `torch.optim.SGD`: the buffer starts as the first gradient, undamped.
 */
export class SGD extends Optimizer {
  momentum: number;
  dampening: number;
  weightDecay: number;
  nesterov: boolean;

  constructor(params: Iterable<Tensor>, options: SGDOptions) {
    super('SGD', params, options.lr);
    this.momentum = options.momentum ?? 0;
    this.dampening = options.dampening ?? 0;
    this.weightDecay = options.weightDecay ?? 0;
    this.nesterov = options.nesterov ?? false;
    if (!(this.momentum >= 0)) throw new Error(`SGD: invalid momentum ${this.momentum}`);
    if (!(this.weightDecay >= 0)) throw new Error(`SGD: invalid weightDecay ${this.weightDecay}`);
    if (this.nesterov && (this.momentum <= 0 || this.dampening !== 0)) {
      throw new Error('SGD: Nesterov momentum needs momentum > 0 and dampening 0');
    }
  }

  protected hyperparameters(): Record<string, unknown> {
    return {
      momentum: this.momentum,
      dampening: this.dampening,
      weight_decay: this.weightDecay,
      nesterov: this.nesterov,
    };
  }

  protected setHyperparameters(group: Record<string, unknown>): void {
    this.momentum = Number(group.momentum ?? this.momentum);
    this.dampening = Number(group.dampening ?? this.dampening);
    this.weightDecay = Number(group.weight_decay ?? this.weightDecay);
    this.nesterov = Boolean(group.nesterov ?? this.nesterov);
  }

  protected stateTensorNames(): string[] {
    return this.momentum !== 0 ? ['momentum_buffer'] : [];
  }

  protected update(param: Tensor, grad: Tensor, state: ParamState, lr: number): void {
    const buf = (state.momentum_buffer as Tensor | undefined) ?? null;
    sgdStep(param, grad, this.momentum !== 0 ? buf : null, {
      lr,
      momentum: this.momentum,
      dampening: this.dampening,
      weightDecay: this.weightDecay,
      nesterov: this.nesterov,
      first: state.step === 1,
    });
  }
}
