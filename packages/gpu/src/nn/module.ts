import { noGrad } from '../autograd/grad-mode.js';
import type { Device } from '../device.js';
import { assign } from '../kernels/elementwise/arith.js';
import { keep } from '../scope.js';
import { sameShape, shapeToString } from '../shape.js';
import { Tensor, tensor, writeTensor } from '../tensor.js';

/** Marks `t` as a trainable parameter: it requires grad and survives every `scope()`. */
export function parameter(t: Tensor): Tensor {
  t.requiresGrad = true;
  return keep(t);
}

export interface LoadStateDictOptions {
  /** Require exactly this module's keys (default true). Shape mismatches always fail. */
  strict?: boolean;
}

export interface LoadStateDictResult {
  missingKeys: string[];
  unexpectedKeys: string[];
}

/** A state dict value: a tensor on this module's device, or plain numbers in row-major order. */
export type StateDictValue = Tensor | ArrayLike<number>;

/**
 * The base of every layer and model, after `torch.nn.Module`.
 *
 * Registration is by assignment: every own enumerable property holding a `Tensor` is a
 * parameter and every property holding a `Module` is a submodule, in assignment order, so
 * `this.weight = parameter(...)` in a constructor is all a layer does. Names are dotted
 * paths, exactly PyTorch's `state_dict` keys (`layers.0.weight`). Tensors that are state but
 * not trained (running statistics) go through `registerBuffer`; to hold a tensor that is
 * neither (a cache), give the property a name starting with `_`. `registerParameter` and
 * `registerModule` do the same as assignment, for names that are not identifiers.
 */
export abstract class Module {
  /** Training mode (dropout active); `train()` / `eval()` set it on the whole tree. */
  training = true;
  private readonly _buffers = new Set<string>();

  registerParameter(name: string, t: Tensor): Tensor {
    (this as unknown as Record<string, unknown>)[name] = parameter(t);
    return t;
  }

  /** A tensor saved in `stateDict()` but not returned by `parameters()`. */
  registerBuffer(name: string, t: Tensor): Tensor {
    this._buffers.add(name);
    (this as unknown as Record<string, unknown>)[name] = keep(t);
    return t;
  }

  registerModule<M extends Module>(name: string, m: M): M {
    (this as unknown as Record<string, unknown>)[name] = m;
    return m;
  }

  /** Own registered entries in assignment order. */
  private entries(): { tensors: [string, Tensor, boolean][]; modules: [string, Module][] } {
    const tensors: [string, Tensor, boolean][] = [];
    const modules: [string, Module][] = [];
    for (const [name, value] of Object.entries(this)) {
      if (name.startsWith('_')) continue;
      if (value instanceof Tensor) tensors.push([name, value, this._buffers.has(name)]);
      else if (value instanceof Module) modules.push([name, value]);
    }
    return { tensors, modules };
  }

  /** Every (name, module) pair of the tree, this one first with name ''. */
  namedModules(prefix = ''): [string, Module][] {
    const out: [string, Module][] = [[prefix, this]];
    for (const [name, m] of this.entries().modules) {
      out.push(...m.namedModules(prefix ? `${prefix}.${name}` : name));
    }
    return out;
  }

  /** Direct submodules. */
  children(): Module[] {
    return this.entries().modules.map(([, m]) => m);
  }

  /** (dotted name, parameter) pairs; a tensor shared by two modules appears once. */
  namedParameters(): [string, Tensor][] {
    const seen = new Set<Tensor>();
    const out: [string, Tensor][] = [];
    for (const [prefix, m] of this.namedModules()) {
      for (const [name, t, isBuffer] of m.entries().tensors) {
        if (isBuffer || seen.has(t)) continue;
        seen.add(t);
        out.push([prefix ? `${prefix}.${name}` : name, t]);
      }
    }
    return out;
  }

  parameters(): Tensor[] {
    return this.namedParameters().map(([, t]) => t);
  }

  /** Every parameter and buffer by its PyTorch `state_dict` key. The tensors are the live ones. */
  stateDict(): Record<string, Tensor> {
    const out: Record<string, Tensor> = {};
    for (const [prefix, m] of this.namedModules()) {
      // PyTorch's order: a module's parameters, then its buffers, then its children's.
      const tensors = m.entries().tensors;
      for (const buffers of [false, true]) {
        for (const [name, t, isBuffer] of tensors) {
          if (isBuffer === buffers) out[prefix ? `${prefix}.${name}` : name] = t;
        }
      }
    }
    return out;
  }

  /**
   * Copies values into this module's own tensors (in place, so optimizers holding them see
   * the new values). Checks every key and shape first and changes nothing if a check fails:
   * the error lists missing keys, unexpected keys and shape mismatches together.
   */
  loadStateDict(
    dict: Record<string, StateDictValue> | Map<string, StateDictValue>,
    { strict = true }: LoadStateDictOptions = {},
  ): LoadStateDictResult {
    const given = dict instanceof Map ? dict : new Map(Object.entries(dict));
    const own = this.stateDict();
    const missingKeys = Object.keys(own).filter((k) => !given.has(k));
    const unexpectedKeys = [...given.keys()].filter((k) => !(k in own));
    const mismatched: string[] = [];
    for (const [key, value] of given) {
      const target = own[key];
      if (!target) continue;
      if (value instanceof Tensor) {
        if (!sameShape(value.shape, target.shape)) {
          mismatched.push(
            `${key}: checkpoint ${shapeToString(value.shape)}, model ${shapeToString(target.shape)}`,
          );
        } else if (value.device !== target.device) {
          mismatched.push(`${key}: tensor is on another device (${value.device.describe()})`);
        } else if (value.dtype !== target.dtype) {
          mismatched.push(`${key}: dtype ${value.dtype}, model ${target.dtype}`);
        }
      } else if (value.length !== target.size) {
        mismatched.push(
          `${key}: ${value.length} values, model ${shapeToString(target.shape)} needs ${target.size}`,
        );
      }
    }
    const strictFailure = strict && (missingKeys.length > 0 || unexpectedKeys.length > 0);
    if (strictFailure || mismatched.length > 0) {
      const lines = [`loadStateDict: the state dict does not fit ${this.constructor.name}`];
      if (strict && missingKeys.length > 0) lines.push(`  missing keys: ${missingKeys.join(', ')}`);
      if (strict && unexpectedKeys.length > 0)
        lines.push(`  unexpected keys: ${unexpectedKeys.join(', ')}`);
      if (mismatched.length > 0) lines.push(`  mismatched: ${mismatched.join('; ')}`);
      throw new Error(lines.join('\n'));
    }
    noGrad(() => {
      for (const [key, value] of given) {
        const target = own[key];
        if (!target) continue;
        if (value instanceof Tensor) {
          if (value !== target) assign(target, value);
        } else {
          writeTensor(target, value);
        }
      }
    });
    return { missingKeys, unexpectedKeys };
  }

  /**
   * Moves every parameter and buffer (and any gradient) to `device` — for example from the
   * CPU backend to WebGPU or back — and returns this module once the values are copied
   * (reading a GPU tensor is asynchronous, hence the promise).
   *
   * As PyTorch's `Module.to`, it works in place: each tensor stays the same object, with the
   * same name, `requiresGrad` and values, and only its storage and `device` change, so
   * `model.parameters()` taken earlier and tied weights (one tensor in two modules) follow.
   * Not moved: optimizer state (build the optimizer after moving, or move before the first
   * step) and views made of a parameter before the move (they keep reading the old copy).
   * Two parameters that were views of one storage become independent copies.
   */
  async to(device: Device): Promise<this> {
    const tensors = new Set<Tensor>();
    for (const t of Object.values(this.stateDict())) {
      tensors.add(t);
      if (t.grad) tensors.add(t.grad);
    }
    for (const t of tensors) {
      if (t.device === device) continue;
      const values = await t.toArray();
      const copy = tensor(values, { shape: t.shape, dtype: t.dtype, device });
      t.adoptStorage(copy);
    }
    return this;
  }

  /** Sets training mode on this module and every submodule; returns this. */
  train(mode = true): this {
    for (const [, m] of this.namedModules()) m.training = mode;
    return this;
  }

  eval(): this {
    return this.train(false);
  }

  /** Frees every parameter and buffer of the tree (and their gradients). */
  dispose(): void {
    for (const t of Object.values(this.stateDict())) t.dispose();
  }
}
