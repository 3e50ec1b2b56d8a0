import { add, contiguous, onesLike } from '../ops.js';
import { scope } from '../scope.js';
import { sameShape, shapeToString } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { noGrad } from './grad-mode.js';

/** Inputs in an order where every tensor comes after everything it was computed from. */
function topologicalOrder(root: Tensor): Tensor[] {
  const order: Tensor[] = [];
  const visited = new Set<Tensor>();
  // Iterative DFS: deep graphs (long RNN unrolls) would overflow a recursive one.
  const stack: [Tensor, number][] = [[root, 0]];
  visited.add(root);
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    const [t, i] = top;
    const inputs = t.gradFn?.inputs ?? [];
    if (i < inputs.length) {
      top[1]++;
      const next = inputs[i];
      if (next.requiresGrad && !visited.has(next)) {
        visited.add(next);
        stack.push([next, 0]);
      }
    } else {
      stack.pop();
      order.push(t);
    }
  }
  return order;
}

/**
 * Reverse-mode differentiation from `root`. Leaf tensors with `requiresGrad` receive (or
 * accumulate into) `.grad`; intermediate gradients are freed as soon as they are used.
 * `seed` defaults to ones, which for a scalar `root` is the usual dL/dL = 1.
 */
export function backward(root: Tensor, seed?: Tensor): void {
  if (!root.requiresGrad) {
    throw new Error(
      'backward(): the tensor does not require grad (no input had requiresGrad: true)',
    );
  }
  if (!seed && root.size !== 1) {
    throw new Error(
      `backward() without a seed gradient needs a scalar, got shape ${shapeToString(root.shape)}; ` +
        'reduce it (e.g. .sum()) or pass a seed of the same shape',
    );
  }
  if (seed && !sameShape(seed.shape, root.shape)) {
    throw new Error(
      `backward(): seed shape ${shapeToString(seed.shape)} differs from ${shapeToString(root.shape)}`,
    );
  }
  const order = topologicalOrder(root);
  noGrad(() =>
    scope(() => {
      const grads = new Map<Tensor, Tensor>();
      grads.set(root, seed ?? onesLike(root));
      for (let i = order.length - 1; i >= 0; i--) {
        const t = order[i];
        const g = grads.get(t);
        if (!g) continue;
        grads.delete(t);
        if (!t.gradFn) {
          accumulateLeaf(t, g);
          continue;
        }
        const inputGrads = t.gradFn.backward(g);
        t.gradFn.inputs.forEach((input, k) => {
          const ig = inputGrads[k];
          if (!ig || !input.requiresGrad) return;
          if (!sameShape(ig.shape, input.shape)) {
            throw new Error(
              `internal: ${t.gradFn!.name} backward gave a gradient of shape ${shapeToString(ig.shape)} ` +
                `for an input of shape ${shapeToString(input.shape)}`,
            );
          }
          const prev = grads.get(input);
          grads.set(input, prev ? add(prev, ig) : ig);
        });
      }
    }),
  );
}

function accumulateLeaf(leaf: Tensor, g: Tensor): void {
  if (leaf.grad) {
    const sum = add(leaf.grad, g);
    leaf.grad.dispose();
    leaf.grad = sum;
  } else {
    // A fresh contiguous copy: `g` may be a view or shared with another leaf's gradient.
    leaf.grad = contiguous(g, true);
  }
  leaf.grad.kept = true;
}
