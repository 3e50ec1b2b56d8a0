import * as g from '@scratchseq/gpu';
import { addingProblem, seededRandom } from '@scratchseq/rnn';
import { beforeAll, describe, expect, test } from 'vitest';
import { GRU, GRUCell, LSTM, LSTMCell } from '../src/index.js';

function expectClose(what: string, got: ArrayLike<number>, want: ArrayLike<number>, tol = 1e-5) {
  expect(got.length, what).toBe(want.length);
  for (let i = 0; i < want.length; i++)
    if (!(Math.abs(got[i] - want[i]) <= tol * (1 + Math.abs(want[i]))))
      expect.fail(`${what}[${i}] = ${got[i]}, expected ${want[i]}`);
}

function randomInput(shape: number[], seed: number): g.Tensor {
  const r = seededRandom(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return g.tensor(
    Float32Array.from({ length: n }, () => r() * 2 - 1),
    { shape, requiresGrad: true },
  );
}

/** Output and every parameter gradient of L = Σ output ⊙ R. */
async function outputsAndGrads(model: LSTM | GRU, x: g.Tensor, tap: boolean, lengths?: number[]) {
  for (const p of model.parameters()) p.grad = null;
  const options = { lengths, ...(tap ? { tap: (_t: number, h: g.Tensor) => h } : {}) };
  const out = model.forward(x, null, options).output;
  const R = randomInput([...out.shape], 99).detach();
  out.mul(R).sum().backward();
  const grads = await Promise.all(model.parameters().map((p) => p.grad!.toArray()));
  return { out: await out.toArray(), grads };
}

describe('LSTM and GRU layers', () => {
  beforeAll(async () => {
    await g.init({ backend: 'webgpu' });
  });

  for (const kind of ['lstm', 'gru'] as const) {
    test(`[webgpu] ${kind}: fused scan equals the composed per-step ops (outputs and gradients)`, async () => {
      g.manualSeed(3);
      const model =
        kind === 'lstm' ? new LSTM(3, 6, { numLayers: 2 }) : new GRU(3, 6, { numLayers: 2 });
      const x = randomInput([5, 4, 3], 1);
      const lengths = [5, 3, 1, 4];
      // A tap on the last layer switches it to the composed form; layer 0 stays fused in both.
      const fused = await outputsAndGrads(model, x, false, lengths);
      const composed = await outputsAndGrads(model, x, true, lengths);
      expectClose('output', fused.out, composed.out);
      for (const [i, gr] of fused.grads.entries()) expectClose(`grad ${i}`, gr, composed.grads[i]);
    });
  }

  test('[webgpu] LSTMCell and GRUCell equal one step of the layers with the same weights', async () => {
    g.manualSeed(4);
    const lstm = new LSTM(3, 5);
    const cell = new LSTMCell(3, 5);
    const rename = (m: LSTM | GRU) =>
      Object.fromEntries(Object.entries(m.stateDict()).map(([k, v]) => [k.replace('_l0', ''), v]));
    cell.loadStateDict(rename(lstm));
    const x = randomInput([1, 2, 3], 5);
    const layer = g.noGrad(() => lstm.forward(x));
    const [h, c] = g.noGrad(() => cell.forward(g.reshape(x, [2, 3])));
    expectClose('h', await h.toArray(), await layer.h.toArray());
    expectClose('c', await c.toArray(), await layer.c.toArray());
    const gru = new GRU(3, 5);
    const gcell = new GRUCell(3, 5);
    gcell.loadStateDict(rename(gru));
    const gh = g.noGrad(() => gcell.forward(g.reshape(x, [2, 3])));
    expectClose('gru h', await gh.toArray(), await g.noGrad(() => gru.forward(x)).h.toArray());
  });

  test('[webgpu] inspection: gates and cell states obey c_t = f c_{t−1} + i g and h_t = o tanh c_t', async () => {
    g.manualSeed(5);
    const lstm = new LSTM(2, 3, { bidirectional: true });
    const x = randomInput([4, 2, 2], 6);
    const lengths = [4, 2];
    const r = g.noGrad(() => lstm.forward(x, null, { lengths, inspect: true }));
    const insp = r.inspection!;
    expect(insp.gates.length).toBe(2);
    expect(insp.gates[0].shape).toEqual([4, 2, 3, 4]);
    expect(insp.cells[1].shape).toEqual([4, 2, 3]);
    const out = await r.output.toArray(); // (T, B, 2·H)
    for (const dir of [0, 1]) {
      const gates = await insp.gates[dir].toArray();
      const cells = await insp.cells[dir].toArray();
      for (let b = 0; b < 2; b++) {
        const order = [...Array(lengths[b]).keys()];
        if (dir === 1) order.reverse(); // the reverse direction runs from the last valid step
        let prev = [0, 0, 0];
        for (const t of order) {
          for (let j = 0; j < 3; j++) {
            const q = ((t * 2 + b) * 3 + j) * 4;
            const [i, f, gg, o] = [gates[q], gates[q + 1], gates[q + 2], gates[q + 3]];
            const c = cells[(t * 2 + b) * 3 + j];
            expect(Math.abs(c - (f * prev[j] + i * gg))).toBeLessThan(1e-5);
            expect(Math.abs(out[(t * 2 + b) * 6 + dir * 3 + j] - o * Math.tanh(c))).toBeLessThan(
              1e-5,
            );
          }
          prev = [0, 1, 2].map((j) => cells[(t * 2 + b) * 3 + j]);
        }
        for (let t = lengths[b]; t < 4; t++) expect(cells[(t * 2 + b) * 3]).toBe(0);
      }
    }
  });

  test('[cpu] forgetBias sets the summed forget-gate bias (Gers et al. 2000) and zeroes the rest', async () => {
    const device = await g.createDevice({ backend: 'cpu' });
    const lstm = new LSTM(2, 3, { forgetBias: 1, numLayers: 2, device });
    const ih = Array.from(await lstm.stateDict().bias_ih_l1.toArray());
    const hh = Array.from(await lstm.stateDict().bias_hh_l1.toArray());
    expect(ih).toEqual([0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0]);
    expect(hh).toEqual(new Array(12).fill(0));
  });

  test('[webgpu] peephole LSTM registers weight_peephole (3, H) and its gradient flows', async () => {
    g.manualSeed(6);
    const lstm = new LSTM(2, 3, { peephole: true });
    expect(lstm.stateDict().weight_peephole_l0.shape).toEqual([3, 3]);
    lstm
      .forward(randomInput([3, 2, 2], 7))
      .output.sum()
      .backward();
    const grad = await lstm.stateDict().weight_peephole_l0.grad!.toArray();
    expect(grad.some((v) => v !== 0)).toBe(true);
  });

  test('[webgpu] bad input fails naming the expected shape', () => {
    const lstm = new LSTM(4, 3, { batchFirst: true });
    expect(() => lstm.forward(g.zeros([2, 5, 3]))).toThrow(/expected input of shape \(B, T, 4\)/);
    expect(() => lstm.forward(g.zeros([2, 5, 4]), null, { lengths: [5, 6] })).toThrow(/length 6/);
    expect(() => new LSTM(4, 3, { projSize: 3 })).toThrow(/projSize/);
    expect(() =>
      lstm.forward(g.zeros([2, 5, 4]), { h: g.zeros([1, 3, 3]), c: g.zeros([1, 2, 3]) }),
    ).toThrow(/expected h0 of shape \(1, 2, 3\)/);
  });

  test('[webgpu] learning: a 16-unit LSTM solves the adding problem at T = 12 (MSE < 0.02, baseline 0.167)', async () => {
    g.manualSeed(7);
    const lstm = new LSTM(2, 16, { batchFirst: true, forgetBias: 1 });
    const head = new g.nn.Linear(16, 1);
    const params = [...lstm.parameters(), ...head.parameters()];
    const opt = new g.optim.Adam(params, { lr: 0.02 });
    let loss = Infinity;
    for (let step = 0; step < 300; step++) {
      const l = g.scope(() => {
        const { inputs, targets } = addingProblem({ batchSize: 64, length: 12, seed: step });
        const h = g.reshape(g.slice(lstm.forward(inputs).h, 0, 0, 1), [64, 16]);
        const mse = g.mseLoss(head.forward(h), targets);
        mse.backward();
        opt.step();
        opt.zeroGrad();
        return mse.detach();
      });
      if (step >= 290) loss = Math.min(loss, await l.item());
      l.dispose();
    }
    expect(loss).toBeLessThan(0.02);
  });
});
