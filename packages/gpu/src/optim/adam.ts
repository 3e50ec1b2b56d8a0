import { adamStep } from '../kernels/optim/optim.js';
import type { Tensor } from '../tensor.js';
import { Optimizer, type ParamState } from './optimizer.js';
import type { LRSchedule } from './schedule.js';

export interface AdamOptions {
  lr?: number | LRSchedule;
  betas?: [number, number];
  eps?: number;
  weightDecay?: number;
}

/** Adam and AdamW share everything but where the weight decay goes. */
abstract class AdamFamily extends Optimizer {
  betas: [number, number];
  eps: number;
  weightDecay: number;

  protected constructor(
    name: string,
    params: Iterable<Tensor>,
    options: AdamOptions,
    defaultDecay: number,
    /** True: θ ← θ(1 − ηλ) (AdamW); false: g ← g + λθ (Adam's L2). */
    private readonly decoupled: boolean,
  ) {
    super(name, params, options.lr ?? 1e-3);
    this.betas = options.betas ?? [0.9, 0.999];
    this.eps = options.eps ?? 1e-8;
    this.weightDecay = options.weightDecay ?? defaultDecay;
    for (const b of this.betas) {
      if (!(b >= 0 && b < 1))
        throw new Error(`${name}: betas must be in [0, 1), got ${this.betas}`);
    }
    if (!(this.eps >= 0)) throw new Error(`${name}: invalid eps ${this.eps}`);
    if (!(this.weightDecay >= 0))
      throw new Error(`${name}: invalid weightDecay ${this.weightDecay}`);
  }

  protected hyperparameters(): Record<string, unknown> {
    return { betas: [...this.betas], eps: this.eps, weight_decay: this.weightDecay };
  }

  protected setHyperparameters(group: Record<string, unknown>): void {
    if (Array.isArray(group.betas)) this.betas = [Number(group.betas[0]), Number(group.betas[1])];
    this.eps = Number(group.eps ?? this.eps);
    this.weightDecay = Number(group.weight_decay ?? this.weightDecay);
  }

  protected stateTensorNames(): string[] {
    return ['exp_avg', 'exp_avg_sq'];
  }

  protected update(param: Tensor, grad: Tensor, state: ParamState, lr: number): void {
    adamStep(param, grad, state.exp_avg as Tensor, state.exp_avg_sq as Tensor, {
      lr,
      beta1: this.betas[0],
      beta2: this.betas[1],
      eps: this.eps,
      weightDecay: this.weightDecay,
      decoupled: this.decoupled,
      step: state.step,
    });
  }
}

/**
 * Adam (Kingma & Ba 2015) with PyTorch's bias correction and its `weight_decay` as an L2
 * term added to the gradient. One fused kernel per parameter updates θ, `exp_avg` and
 * `exp_avg_sq` in place. Defaults as torch.optim.Adam: lr 1e-3, betas (0.9, 0.999), eps 1e-8.
 */
export class Adam extends AdamFamily {
  constructor(params: Iterable<Tensor>, options: AdamOptions = {}) {
    super('Adam', params, options, 0, false);
  }
}

/**
 * AdamW (Loshchilov & Hutter 2019): Adam with decoupled weight decay, θ ← θ(1 − ηλ) before
 * the Adam step, instead of an L2 term in the gradient. Default weight decay 0.01, as torch.
 */
export class AdamW extends AdamFamily {
  constructor(params: Iterable<Tensor>, options: AdamOptions = {}) {
    super('AdamW', params, options, 0.01, true);
  }
}
