import { adamStep } from '../kernels/optim/optim.js';
import type { Tensor } from '../tensor.js';
import { Optimizer, type ParamState, type ParamsOrGroups } from './optimizer.js';
import type { LRSchedule } from './schedule.js';

export interface AdamOptions {
  lr?: number | LRSchedule;
  betas?: [number, number];
  eps?: number;
  weightDecay?: number;
}

/** One group's Adam/AdamW hyperparameters. */
export interface AdamHyperparameters {
  betas: [number, number];
  eps: number;
  weightDecay: number;
}

/**
 * Adam and AdamW share everything but where the weight decay goes. Both take a parameter
 * list or parameter groups (`[{ params, lr?, weightDecay?, ... }]`, as PyTorch); the
 * properties read and write group 0.
 */
abstract class AdamFamily extends Optimizer<AdamHyperparameters, Omit<AdamOptions, 'lr'>> {
  protected constructor(
    name: string,
    params: ParamsOrGroups<AdamOptions>,
    options: AdamOptions,
    defaultDecay: number,
    /** True: θ ← θ(1 − ηλ) (AdamW); false: g ← g + λθ (Adam's L2). */
    private readonly decoupled: boolean,
  ) {
    super(name, params, withDefaultDecay(options, defaultDecay));
  }

  get betas(): [number, number] {
    return this.defaults.betas;
  }
  set betas(v: [number, number]) {
    this.defaults.betas = v;
  }
  get eps(): number {
    return this.defaults.eps;
  }
  set eps(v: number) {
    this.defaults.eps = v;
  }
  get weightDecay(): number {
    return this.defaults.weightDecay;
  }
  set weightDecay(v: number) {
    this.defaults.weightDecay = v;
  }

  protected override defaultLr(): number {
    return 1e-3;
  }

  protected resolveHyperparameters(o: Omit<AdamOptions, 'lr'>): AdamHyperparameters {
    const h: AdamHyperparameters = {
      betas: o.betas ? [o.betas[0], o.betas[1]] : [0.9, 0.999],
      eps: o.eps ?? 1e-8,
      weightDecay: o.weightDecay ?? 0,
    };
    for (const b of h.betas) {
      if (!(b >= 0 && b < 1))
        throw new Error(`${this.name}: betas must be in [0, 1), got ${h.betas}`);
    }
    if (!(h.eps >= 0)) throw new Error(`${this.name}: invalid eps ${h.eps}`);
    if (!(h.weightDecay >= 0))
      throw new Error(`${this.name}: invalid weightDecay ${h.weightDecay}`);
    return h;
  }

  protected hyperparametersToTorch(h: AdamHyperparameters): Record<string, unknown> {
    return { betas: [...h.betas], eps: h.eps, weight_decay: h.weightDecay };
  }

  protected hyperparametersFromTorch(
    saved: Record<string, unknown>,
    h: AdamHyperparameters,
  ): AdamHyperparameters {
    return {
      betas: Array.isArray(saved.betas)
        ? [Number(saved.betas[0]), Number(saved.betas[1])]
        : h.betas,
      eps: Number(saved.eps ?? h.eps),
      weightDecay: Number(saved.weight_decay ?? h.weightDecay),
    };
  }

  protected stateTensorNames(): string[] {
    return ['exp_avg', 'exp_avg_sq'];
  }

  protected update(
    param: Tensor,
    grad: Tensor,
    state: ParamState,
    lr: number,
    h: AdamHyperparameters,
  ): void {
    adamStep(param, grad, state.exp_avg as Tensor, state.exp_avg_sq as Tensor, {
      lr,
      beta1: h.betas[0],
      beta2: h.betas[1],
      eps: h.eps,
      weightDecay: h.weightDecay,
      decoupled: this.decoupled,
      step: state.step,
    });
  }
}

/** Options with the optimizer's default weight decay filled in (groups may still override it). */
function withDefaultDecay(options: AdamOptions, decay: number): AdamOptions {
  return { ...options, weightDecay: options.weightDecay ?? decay };
}

/**
 * Adam (Kingma & Ba 2015) with PyTorch's bias correction and its `weight_decay` as an L2
 * term added to the gradient. One fused kernel per parameter updates θ, `exp_avg` and
 * `exp_avg_sq` in place. Defaults as torch.optim.Adam: lr 1e-3, betas (0.9, 0.999), eps 1e-8.
 */
export class Adam extends AdamFamily {
  constructor(params: ParamsOrGroups<AdamOptions>, options: AdamOptions = {}) {
    super('Adam', params, options, 0, false);
  }
}

/**
 * AdamW (Loshchilov & Hutter 2019): Adam with decoupled weight decay, θ ← θ(1 − ηλ) before
 * the Adam step, instead of an L2 term in the gradient. Default weight decay 0.01, as torch.
 */
export class AdamW extends AdamFamily {
  constructor(params: ParamsOrGroups<AdamOptions>, options: AdamOptions = {}) {
    super('AdamW', params, options, 0.01, true);
  }
}
