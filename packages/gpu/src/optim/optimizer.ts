import { assign, zerosLike } from '../kernels/elementwise/arith.js';
import { keep } from '../scope.js';
import { sameShape, shapeToString } from '../shape.js';
import type { Tensor } from '../tensor.js';
import type { LRSchedule } from './schedule.js';

/** Per-parameter state: the step count and named state tensors (PyTorch's names). */
export interface ParamState {
  step: number;
  [name: string]: number | Tensor;
}

/**
 * An optimizer's state, shaped like PyTorch's `optimizer.state_dict()`: `state` maps a
 * parameter's index (its position in the list the optimizer was built with) to its step
 * count and state tensors (`exp_avg`, `exp_avg_sq`, `momentum_buffer`); `param_groups` holds
 * one group with the hyperparameters (PyTorch's snake_case names) and the parameter indices.
 * Differences from PyTorch: one group only; `step` is a number, not a tensor; `step_count`
 * (steps taken, which drives an `LRSchedule`) is extra. State tensors are the live ones.
 */
export interface OptimizerStateDict {
  state: Record<number, ParamState>;
  param_groups: [Record<string, unknown> & { lr: number; params: number[] }];
  step_count: number;
}

/**
 * The shared part of SGD, Adam and AdamW: the parameter list, the learning rate (a number or
 * an `LRSchedule` of the step count), per-parameter state and its (de)serialization.
 */
export abstract class Optimizer {
  readonly params: readonly Tensor[];
  /** The learning rate used by the most recent (or, before any, the next) step. */
  lr: number;
  /** Steps taken; the schedule's argument. */
  stepCount = 0;
  protected readonly schedule: LRSchedule | undefined;
  protected readonly state = new Map<Tensor, ParamState>();

  protected constructor(name: string, params: Iterable<Tensor>, lr: number | LRSchedule) {
    this.params = [...params];
    if (this.params.length === 0) throw new Error(`${name}: got an empty parameter list`);
    if (new Set(this.params).size !== this.params.length) {
      throw new Error(`${name}: a parameter appears more than once in the list`);
    }
    for (const [i, p] of this.params.entries()) {
      if (p.dtype !== 'f32' || !p.isContiguous) {
        throw new Error(
          `${name}: parameter ${i} ${shapeToString(p.shape)} must be a contiguous f32 tensor, got ${p.dtype}${p.isContiguous ? '' : ' view'}`,
        );
      }
    }
    this.schedule = typeof lr === 'function' ? lr : undefined;
    this.lr = typeof lr === 'function' ? lr(0) : lr;
    if (!(this.lr >= 0)) throw new Error(`${name}: invalid learning rate ${this.lr}`);
  }

  /** Hyperparameters for `param_groups[0]`, under PyTorch's names. */
  protected abstract hyperparameters(): Record<string, unknown>;
  /** Restores hyperparameters from a state dict's group. */
  protected abstract setHyperparameters(group: Record<string, unknown>): void;
  /** Names of the state tensors each parameter carries (shaped like the parameter). */
  protected abstract stateTensorNames(): string[];
  /** Updates one parameter in place from its gradient. */
  protected abstract update(param: Tensor, grad: Tensor, state: ParamState, lr: number): void;

  /**
   * One update of every parameter that has a gradient (others are skipped and keep their
   * step count, as in PyTorch). Enqueues one fused kernel per parameter; reads nothing back.
   */
  step(): void {
    if (this.schedule) this.lr = this.schedule(this.stepCount);
    for (const p of this.params) {
      if (!p.grad) continue;
      let s = this.state.get(p);
      if (!s) {
        s = { step: 0 };
        for (const name of this.stateTensorNames()) s[name] = keep(zerosLike(p));
        this.state.set(p, s);
      }
      s.step++;
      this.update(p, p.grad, s, this.lr);
    }
    this.stepCount++;
  }

  /** Frees every gradient and sets it to null (PyTorch's `zero_grad(set_to_none=True)`). */
  zeroGrad(): void {
    for (const p of this.params) {
      p.grad?.dispose();
      p.grad = null;
    }
  }

  stateDict(): OptimizerStateDict {
    const state: Record<number, ParamState> = {};
    this.params.forEach((p, i) => {
      const s = this.state.get(p);
      if (s) state[i] = { ...s };
    });
    return {
      state,
      param_groups: [
        { ...this.hyperparameters(), lr: this.lr, params: this.params.map((_, i) => i) },
      ],
      step_count: this.stepCount,
    };
  }

  /**
   * Restores state saved by `stateDict()` (values are copied into this optimizer's own
   * tensors). The parameter count and every state tensor's shape must match.
   */
  loadStateDict(dict: OptimizerStateDict): void {
    const group = dict.param_groups?.[0];
    if (!group || dict.param_groups.length !== 1) {
      throw new Error('loadStateDict: expected exactly one entry in param_groups');
    }
    if (group.params.length !== this.params.length) {
      throw new Error(
        `loadStateDict: the saved group has ${group.params.length} parameters, this optimizer ${this.params.length}`,
      );
    }
    const problems: string[] = [];
    for (const [key, saved] of Object.entries(dict.state)) {
      const p = this.params[Number(key)];
      if (!p) {
        problems.push(`state ${key}: no such parameter`);
        continue;
      }
      for (const name of this.stateTensorNames()) {
        const t = saved[name];
        if (!t || typeof t === 'number') problems.push(`state ${key}: missing ${name}`);
        else if (!sameShape(t.shape, p.shape)) {
          problems.push(
            `state ${key}.${name}: shape ${shapeToString(t.shape)}, parameter has ${shapeToString(p.shape)}`,
          );
        }
      }
    }
    if (problems.length > 0) throw new Error(`loadStateDict: ${problems.join('; ')}`);
    for (const [key, saved] of Object.entries(dict.state)) {
      const p = this.params[Number(key)];
      let s = this.state.get(p);
      if (!s) {
        s = { step: 0 };
        for (const name of this.stateTensorNames()) s[name] = keep(zerosLike(p));
        this.state.set(p, s);
      }
      s.step = Number(saved.step);
      for (const name of this.stateTensorNames()) assign(s[name] as Tensor, saved[name] as Tensor);
    }
    this.setHyperparameters(group);
    this.lr = group.lr;
    this.stepCount = dict.step_count ?? 0;
  }

  /** Frees the state tensors (not the parameters or their gradients). */
  dispose(): void {
    for (const s of this.state.values()) {
      for (const v of Object.values(s)) if (typeof v !== 'number') v.dispose();
    }
    this.state.clear();
  }
}
