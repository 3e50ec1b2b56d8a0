import { assign, zerosLike } from '../kernels/elementwise/arith.js';
import { keep } from '../scope.js';
import { sameShape, shapeToString } from '../shape.js';
import { Tensor } from '../tensor.js';
import type { LRSchedule } from './schedule.js';

/** Per-parameter state: the step count and named state tensors (PyTorch's names). */
export interface ParamState {
  step: number;
  [name: string]: number | Tensor;
}

/** One saved parameter group: hyperparameters under PyTorch's names, and parameter indices. */
export type SavedParamGroup = Record<string, unknown> & { lr: number; params: number[] };

/**
 * An optimizer's state, shaped like PyTorch's `optimizer.state_dict()`: `state` maps a
 * parameter's index (its position across all groups, in order) to its step count and state
 * tensors (`exp_avg`, `exp_avg_sq`, `momentum_buffer`); `param_groups` holds each group's
 * hyperparameters (PyTorch's snake_case names) and parameter indices. Differences from
 * PyTorch: `step` is a number, not a tensor; `step_count` (steps taken, which drives an
 * `LRSchedule`) is extra. State tensors are the live ones.
 */
export interface OptimizerStateDict {
  state: Record<number, ParamState>;
  param_groups: SavedParamGroup[];
  step_count: number;
}

/**
 * A parameter group as given to a constructor (PyTorch's `[{ params, lr, ... }, ...]`): the
 * parameters plus any option of the optimizer, which overrides the constructor's defaults
 * for this group only. `lr` may be a schedule; a group without `lr` uses the default one.
 */
export type ParamGroupInput<O> = { params: Iterable<Tensor> } & Partial<O>;

/** What an optimizer is built from: a parameter list (one group) or a list of groups. */
export type ParamsOrGroups<O> = Iterable<Tensor> | Iterable<ParamGroupInput<O>>;

/** A live parameter group: its parameters, current learning rate and hyperparameters. */
export interface ParamGroup<H = object> {
  readonly params: readonly Tensor[];
  /** The rate of the most recent (or, before any, the next) step. */
  lr: number;
  /** Sets `lr` before each step from the step count, when given. */
  schedule: LRSchedule | undefined;
  /** The group's other hyperparameters (the optimizer's own field names). */
  hyper: H;
}

function isGroupList<O>(items: unknown[]): items is ParamGroupInput<O>[] {
  const groups = items.filter((x) => !(x instanceof Tensor));
  if (groups.length === 0) return false;
  if (groups.length !== items.length || groups.some((g) => !(g as { params?: unknown }).params)) {
    throw new Error(
      'expected either a list of tensors or a list of parameter groups ({ params, ...options }), not a mix',
    );
  }
  return true;
}

/**
 * The shared part of SGD, Adam and AdamW: parameter groups, each with its learning rate (a
 * number or an `LRSchedule` of the step count) and hyperparameters, per-parameter state and
 * its (de)serialization. `H` is a subclass's resolved hyperparameters, `O` its options.
 */
export abstract class Optimizer<H extends object = object, O = object> {
  /** Every parameter, group by group: index i here is key i of `stateDict().state`. */
  readonly params: readonly Tensor[];
  readonly paramGroups: ParamGroup<H>[];
  /** Steps taken; the schedules' argument. */
  stepCount = 0;
  protected readonly state = new Map<Tensor, ParamState>();
  private readonly groupOf = new Map<Tensor, ParamGroup<H>>();

  protected constructor(
    protected readonly name: string,
    paramsOrGroups: ParamsOrGroups<O>,
    defaults: O & { lr?: number | LRSchedule },
  ) {
    const items = [...(paramsOrGroups as Iterable<unknown>)];
    const inputs: ParamGroupInput<O>[] = isGroupList<O>(items)
      ? items
      : [{ params: items as Tensor[] } as unknown as ParamGroupInput<O>];
    this.paramGroups = inputs.map((input, g) =>
      this.makeGroup(input, defaults, inputs.length > 1 ? ` (group ${g})` : ''),
    );
    this.params = this.paramGroups.flatMap((g) => g.params);
    if (this.params.length === 0) throw new Error(`${name}: got an empty parameter list`);
    for (const group of this.paramGroups) {
      for (const p of group.params) {
        if (this.groupOf.has(p)) {
          throw new Error(
            `${name}: parameter ${shapeToString(p.shape)} appears more than once (in one list or in two groups)`,
          );
        }
        this.groupOf.set(p, group);
      }
    }
  }

  private makeGroup(
    input: ParamGroupInput<O>,
    defaults: O & { lr?: number | LRSchedule },
    where: string,
  ): ParamGroup<H> {
    const { params, ...overrides } = input;
    const list = [...params];
    for (const [i, p] of list.entries()) {
      if (!(p instanceof Tensor))
        throw new Error(`${this.name}: parameter ${i}${where} is not a Tensor`);
      if (p.dtype !== 'f32' || !p.isContiguous) {
        throw new Error(
          `${this.name}: parameter ${i}${where} ${shapeToString(p.shape)} must be a contiguous f32 tensor, got ${p.dtype}${p.isContiguous ? '' : ' view'}`,
        );
      }
    }
    const options = { ...defaults, ...overrides } as O & { lr?: number | LRSchedule };
    const lrOption = options.lr ?? this.defaultLr();
    const schedule = typeof lrOption === 'function' ? lrOption : undefined;
    const lr = schedule ? schedule(0) : (lrOption as number);
    if (!(lr >= 0)) throw new Error(`${this.name}: invalid learning rate ${lr}`);
    return { params: list, lr, schedule, hyper: this.resolveHyperparameters(options) };
  }

  /** The learning rate when neither the group nor the defaults give one. */
  protected defaultLr(): number {
    throw new Error(`${this.name}: lr is required`);
  }
  /** Validates options (defaults merged with a group's overrides) into hyperparameters. */
  protected abstract resolveHyperparameters(options: O): H;
  /** A group's hyperparameters under PyTorch's names, for `param_groups`. */
  protected abstract hyperparametersToTorch(hyper: H): Record<string, unknown>;
  /** Restores hyperparameters from a saved group (keeping `current` for absent names). */
  protected abstract hyperparametersFromTorch(saved: Record<string, unknown>, current: H): H;
  /** Names of the state tensors each parameter of a group carries (shaped like the parameter). */
  protected abstract stateTensorNames(hyper: H): string[];
  /** Updates one parameter in place from its gradient. */
  protected abstract update(
    param: Tensor,
    grad: Tensor,
    state: ParamState,
    lr: number,
    hyper: H,
  ): void;

  /** Group 0's learning rate (the only one without groups). Setting it changes group 0. */
  get lr(): number {
    return this.paramGroups[0].lr;
  }
  set lr(value: number) {
    this.paramGroups[0].lr = value;
  }

  /** Group 0's hyperparameters: the backing of the optimizers' per-option properties. */
  protected get defaults(): H {
    return this.paramGroups[0].hyper;
  }

  private stateFor(p: Tensor, group: ParamGroup<H>): ParamState {
    let s = this.state.get(p);
    if (!s) {
      s = { step: 0 };
      for (const name of this.stateTensorNames(group.hyper)) s[name] = keep(zerosLike(p));
      this.state.set(p, s);
    }
    return s;
  }

  /**
   * One update of every parameter that has a gradient (others are skipped and keep their
   * step count, as in PyTorch), each with its group's rate. Enqueues one fused kernel per
   * parameter; reads nothing back.
   */
  step(): void {
    for (const group of this.paramGroups) {
      if (group.schedule) group.lr = group.schedule(this.stepCount);
      for (const p of group.params) {
        if (!p.grad) continue;
        const s = this.stateFor(p, group);
        s.step++;
        this.update(p, p.grad, s, group.lr, group.hyper);
      }
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
    let next = 0;
    const param_groups = this.paramGroups.map((g) => ({
      ...this.hyperparametersToTorch(g.hyper),
      lr: g.lr,
      params: g.params.map(() => next++),
    }));
    return { state, param_groups, step_count: this.stepCount };
  }

  /**
   * Restores state saved by `stateDict()` (values are copied into this optimizer's own
   * tensors). The group count, each group's size and every state tensor's shape must match.
   * Schedules stay those given to the constructor.
   */
  loadStateDict(dict: OptimizerStateDict): void {
    const groups = dict.param_groups ?? [];
    if (groups.length !== this.paramGroups.length) {
      throw new Error(
        `loadStateDict: the state dict has ${groups.length} parameter group(s), this optimizer ${this.paramGroups.length}`,
      );
    }
    groups.forEach((saved, g) => {
      if (saved.params.length !== this.paramGroups[g].params.length) {
        throw new Error(
          `loadStateDict: saved group ${g} has ${saved.params.length} parameters, this optimizer's ${this.paramGroups[g].params.length}`,
        );
      }
    });
    const restored = groups.map((saved, g) =>
      this.hyperparametersFromTorch(saved, this.paramGroups[g].hyper),
    );
    const problems: string[] = [];
    for (const [key, saved] of Object.entries(dict.state)) {
      const p = this.params[Number(key)];
      if (!p) {
        problems.push(`state ${key}: no such parameter`);
        continue;
      }
      const g = this.paramGroups.indexOf(this.groupOf.get(p)!);
      for (const name of this.stateTensorNames(restored[g])) {
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
    this.paramGroups.forEach((group, g) => {
      group.hyper = restored[g];
      group.lr = groups[g].lr;
    });
    for (const [key, saved] of Object.entries(dict.state)) {
      const p = this.params[Number(key)];
      const group = this.groupOf.get(p)!;
      const s = this.stateFor(p, group);
      s.step = Number(saved.step);
      for (const name of this.stateTensorNames(group.hyper)) {
        if (!(s[name] instanceof Tensor)) s[name] = keep(zerosLike(p));
        assign(s[name] as Tensor, saved[name] as Tensor);
      }
    }
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
