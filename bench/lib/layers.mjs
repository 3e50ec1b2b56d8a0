// Timing a ScratchSeq sequence layer (rnn, lstm benches): forward alone and forward+backward,
// with the dispatches each records, in the same way for every layer.
import { timeReps } from './timing.mjs';

/** Largest |a[i] − b[i]| over the first n entries. */
export function maxDiff(a, b, n) {
  let m = 0;
  for (let i = 0; i < n; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/**
 * Seconds per forward and per forward+backward of `layer.forward(x)` (timeReps samples), and
 * the dispatches one of each records. Every repetition runs in a scope that returns nothing,
 * so its outputs and gradients are freed (a returned tensor would survive the scope and each
 * repetition would allocate fresh buffers); every sample waits for the device (an unbounded
 * queue crashes lavapipe).
 */
export async function timeLayer(g, backend, layer, x, { samples, maxReps } = {}) {
  const forward = () =>
    g.noGrad(() =>
      g.scope(() => {
        layer.forward(x);
      }),
    );
  const trainStep = () => {
    g.scope(() => {
      layer.forward(x).output.sum().backward();
    });
    for (const p of layer.parameters()) {
      p.grad?.dispose();
      p.grad = null;
    }
  };
  const dispatches = (step) => {
    const before = backend.dispatchCount;
    step();
    return backend.dispatchCount - before;
  };
  const time = (step) =>
    timeReps(
      async (reps) => {
        for (let r = 0; r < reps; r++) step();
        await backend.sync();
      },
      { samples, maxReps },
    );
  const fwdDispatches = dispatches(forward);
  const fwd = await time(forward);
  const fbDispatches = dispatches(trainStep);
  const fb = await time(trainStep);
  return { fwd, fb, fwdDispatches, fbDispatches };
}
