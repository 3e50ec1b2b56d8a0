import { sgdStep } from '../kernels/optim/optim.js';
import type { Tensor } from '../tensor.js';
import { Optimizer, type ParamState, type ParamsOrGroups } from './optimizer.js';
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

/** One group's SGD hyperparameters. */
export interface SGDHyperparameters {
  momentum: number;
  dampening: number;
  weightDecay: number;
  nesterov: boolean;
}

/**
 * Stochastic gradient descent with optional (Nesterov) momentum and weight decay, updating
 * each parameter and its `momentum_buffer` in one fused kernel. Same semantics as
 * `torch.optim.SGD`: the buffer starts as the first gradient, undamped. Takes a parameter
 * list or parameter groups (`[{ params, lr?, momentum?, ... }]`, as PyTorch); the
 * properties below read and write group 0.
 */
export class SGD extends Optimizer<SGDHyperparameters, Omit<SGDOptions, 'lr'>> {
  constructor(params: ParamsOrGroups<SGDOptions>, options: SGDOptions) {
    super('SGD', params, options);
  }

  get momentum(): number {
    return this.defaults.momentum;
  }
  set momentum(v: number) {
    this.defaults.momentum = v;
  }
  get dampening(): number {
    return this.defaults.dampening;
  }
  set dampening(v: number) {
    this.defaults.dampening = v;
  }
  get weightDecay(): number {
    return this.defaults.weightDecay;
  }
  set weightDecay(v: number) {
    this.defaults.weightDecay = v;
  }
  get nesterov(): boolean {
    return this.defaults.nesterov;
  }
  set nesterov(v: boolean) {
    this.defaults.nesterov = v;
  }

  protected resolveHyperparameters(o: Omit<SGDOptions, 'lr'>): SGDHyperparameters {
    const h = {
      momentum: o.momentum ?? 0,
      dampening: o.dampening ?? 0,
      weightDecay: o.weightDecay ?? 0,
      nesterov: o.nesterov ?? false,
    };
    if (!(h.momentum >= 0)) throw new Error(`SGD: invalid momentum ${h.momentum}`);
    if (!(h.weightDecay >= 0)) throw new Error(`SGD: invalid weightDecay ${h.weightDecay}`);
    if (h.nesterov && (h.momentum <= 0 || h.dampening !== 0)) {
      throw new Error('SGD: Nesterov momentum needs momentum > 0 and dampening 0');
    }
    return h;
  }

  protected hyperparametersToTorch(h: SGDHyperparameters): Record<string, unknown> {
    return {
      momentum: h.momentum,
      dampening: h.dampening,
      weight_decay: h.weightDecay,
      nesterov: h.nesterov,
    };
  }

  protected hyperparametersFromTorch(
    saved: Record<string, unknown>,
    h: SGDHyperparameters,
  ): SGDHyperparameters {
    return {
      momentum: Number(saved.momentum ?? h.momentum),
      dampening: Number(saved.dampening ?? h.dampening),
      weightDecay: Number(saved.weight_decay ?? h.weightDecay),
      nesterov: Boolean(saved.nesterov ?? h.nesterov),
    };
  }

  protected stateTensorNames(h: SGDHyperparameters): string[] {
    return h.momentum !== 0 ? ['momentum_buffer'] : [];
  }

  protected update(
    param: Tensor,
    grad: Tensor,
    state: ParamState,
    lr: number,
    h: SGDHyperparameters,
  ): void {
    const buf = (state.momentum_buffer as Tensor | undefined) ?? null;
    sgdStep(param, grad, h.momentum !== 0 ? buf : null, {
      lr,
      momentum: h.momentum,
      dampening: h.dampening,
      weightDecay: h.weightDecay,
      nesterov: h.nesterov,
      first: state.step === 1,
    });
  }
}
