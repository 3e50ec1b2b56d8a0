import { Tensor } from './tensor.js';

/**
 * Deterministic memory management. `scope(fn)` frees every tensor created while `fn` runs,
 * except what `fn` returns (tensors found in the returned value, arrays and plain objects)
 * and tensors marked with `keep()`. Scopes nest. An async `fn` is supported, but scopes must
 * not interleave: await one before starting another at the same level.
 */
const stack: Tensor[][] = [];

export function trackTensor(t: Tensor): void {
  if (stack.length > 0) stack[stack.length - 1].push(t);
}

/** Marks tensors to survive every enclosing scope (parameters, optimizer state, caches). */
export function keep<T extends Tensor | null | undefined>(t: T): T {
  if (t) t.kept = true;
  return t;
}

function collect(value: unknown, out: Set<Tensor>, seen = new Set<unknown>()): void {
  if (value === null || typeof value !== 'object' || seen.has(value)) return;
  seen.add(value);
  if (value instanceof Tensor) {
    out.add(value);
    return;
  }
  if (Array.isArray(value)) {
    for (const v of value) collect(v, out, seen);
  } else if (Object.getPrototypeOf(value) === Object.prototype || value instanceof Map) {
    const values = value instanceof Map ? value.values() : Object.values(value);
    for (const v of values) collect(v, out, seen);
  }
}

function close(frame: Tensor[], result: unknown): void {
  const survivors = new Set<Tensor>();
  collect(result, survivors);
  const parent = stack.length > 0 ? stack[stack.length - 1] : undefined;
  for (const t of frame) {
    if (t.kept || survivors.has(t)) {
      // Returned tensors belong to the enclosing scope from now on.
      if (!t.kept) parent?.push(t);
    } else {
      t.dispose();
    }
  }
}

export function scope<T>(fn: () => T): T {
  const frame: Tensor[] = [];
  stack.push(frame);
  let result: T;
  try {
    result = fn();
  } catch (e) {
    stack.pop();
    close(frame, undefined);
    throw e;
  }
  if (result instanceof Promise) {
    return result.then(
      (value) => {
        stack.splice(stack.lastIndexOf(frame), 1);
        close(frame, value);
        return value;
      },
      (error) => {
        stack.splice(stack.lastIndexOf(frame), 1);
        close(frame, undefined);
        throw error;
      },
    ) as T;
  }
  stack.pop();
  close(frame, result);
  return result;
}
