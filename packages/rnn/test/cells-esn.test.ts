import * as g from '@scratchseq/gpu';
import { describe, expect, test } from 'vitest';
import {
  EchoStateNetwork,
  ElmanCell,
  ElmanRNN,
  JordanCell,
  JordanRNN,
  seededRandom,
  spectralRadius,
} from '../src/index.js';

/**
 * Central finite differences (float64 CPU backend) of L = Σ f() ⊙ R against backward(), for
 * every element of every parameter (tiny models) and of the input.
 */
async function checkFiniteDifferences(
  params: g.Tensor[],
  run: () => g.Tensor,
  device: g.Device,
): Promise<number> {
  const random = seededRandom(7);
  const probe = run();
  const R = g.tensor(
    Float64Array.from({ length: probe.size }, () => random() * 2 - 1),
    { shape: probe.shape, device },
  );
  const loss = () => g.noGrad(() => run().mul(R).sum());
  for (const p of params) p.grad = null;
  run().mul(R).sum().backward();
  let checked = 0;
  const eps = 1e-6;
  for (const p of params) {
    const base = Array.from(await p.toArray());
    const analytic = await p.grad!.toArray();
    for (let i = 0; i < base.length; i++) {
      const v = [...base];
      v[i] = base[i] + eps;
      g.writeTensor(p, v);
      const plus = await loss().item();
      v[i] = base[i] - eps;
      g.writeTensor(p, v);
      const minus = await loss().item();
      g.writeTensor(p, base);
      const numeric = (plus - minus) / (2 * eps);
      expect(
        Math.abs(analytic[i] - numeric),
        `element ${i}: ${analytic[i]} vs ${numeric}`,
      ).toBeLessThanOrEqual(1e-7 + 1e-6 * Math.abs(numeric));
      checked++;
    }
  }
  return checked;
}

describe('Elman and Jordan networks against finite differences', () => {
  test('[cpu] ElmanRNN (tanh, with output layer): every parameter, input and h0', async () => {
    const device = await g.createDevice({ backend: 'cpu', precision: 'f64' });
    g.setDevice(device);
    g.manualSeed(3, device);
    const net = new ElmanRNN(2, 3, { outputSize: 2, device });
    const x = g.randn([4, 2, 2], { device, requiresGrad: true });
    const h0 = g.randn([2, 3], { device, requiresGrad: true });
    const n = await checkFiniteDifferences(
      [...net.parameters(), x, h0],
      () => net.forward(x, h0).output,
      device,
    );
    expect(n).toBe(2 * 3 + 3 * 3 + 3 + 3 + 2 * 3 + 2 + 16 + 6);
  });

  test('[cpu] ElmanCell (relu) one step', async () => {
    const device = await g.createDevice({ backend: 'cpu', precision: 'f64' });
    g.setDevice(device);
    g.manualSeed(4, device);
    const cell = new ElmanCell(3, 2, { nonlinearity: 'relu', device });
    const x = g.randn([5, 3], { device });
    const h = g.randn([5, 2], { device });
    await checkFiniteDifferences(cell.parameters(), () => cell.forward(x, h), device);
  });

  for (const act of ['identity', 'sigmoid'] as const) {
    test(`[cpu] JordanRNN (output feedback, ${act} outputs): every parameter and y0`, async () => {
      const device = await g.createDevice({ backend: 'cpu', precision: 'f64' });
      g.setDevice(device);
      g.manualSeed(5, device);
      const net = new JordanRNN(2, 3, 2, { outputActivation: act, device });
      const x = g.randn([5, 2, 2], { device });
      const y0 = g.randn([2, 2], { device, requiresGrad: true });
      const n = await checkFiniteDifferences(
        [...net.parameters(), y0],
        () => net.forward(x, y0).output,
        device,
      );
      expect(n).toBe(3 * 2 + 3 * 2 + 3 + 2 * 3 + 2 + 4);
    });
  }

  test('[webgpu] Jordan and Elman cells match the CPU backend', async () => {
    const results: Float32Array[][] = [];
    for (const backend of ['cpu', 'webgpu'] as const) {
      const device = await g.createDevice({ backend });
      g.setDevice(device);
      g.manualSeed(9, device);
      const jordan = new JordanCell(3, 4, 2, { device });
      const elman = new ElmanCell(3, 4, { device });
      const x = g.tensor(
        Float32Array.from({ length: 6 }, (_, i) => Math.sin(i)),
        { shape: [2, 3], device },
      );
      const { y } = jordan.forward(x);
      results.push([
        Float32Array.from(await y.toArray()),
        Float32Array.from(await elman.forward(x, elman.forward(x)).toArray()),
      ]);
    }
    for (let k = 0; k < 2; k++) {
      for (let i = 0; i < results[0][k].length; i++)
        expect(results[1][k][i]).toBeCloseTo(results[0][k][i], 5);
    }
  });
});

describe('EchoStateNetwork', () => {
  const series = (n: number) =>
    Float32Array.from({ length: n }, (_, t) => Math.sin(0.2 * t) + 0.5 * Math.sin(0.311 * t));

  test('[webgpu] reservoir has the chosen spectral radius; readout equals the closed-form ridge solution', async () => {
    const device = await g.createDevice({ backend: 'webgpu' });
    g.setDevice(device);
    const esn = new EchoStateNetwork({
      inputSize: 1,
      reservoirSize: 30,
      outputSize: 1,
      spectralRadius: 0.8,
      leakRate: 0.5,
      ridge: 0.1,
      seed: 1,
      device,
    });
    expect(spectralRadius(esn.reservoirValues, 30)).toBeCloseTo(0.8, 8);
    const s = series(201);
    const u = g.tensor(s.slice(0, 200), { shape: [200, 1], device });
    const y = g.tensor(s.slice(1, 201), { shape: [200, 1], device });
    await esn.fit(u, y, { washout: 20 });
    // Independent closed form: (XᵀX + βI) w = Xᵀy by Gauss–Jordan elimination in float64
    // on the read-back design matrix.
    const X = await g.slice(esn.features(u, esn.states(u)), 0, 20, 200).toArray();
    const Y = s.slice(21, 201);
    const F = 32;
    const M = Array.from({ length: F }, (_, i) => {
      const row = new Array<number>(F + 1).fill(0);
      for (let j = 0; j < F; j++)
        for (let r = 0; r < 180; r++) row[j] += X[r * F + i] * X[r * F + j];
      row[i] += 0.1;
      for (let r = 0; r < 180; r++) row[F] += X[r * F + i] * Y[r];
      return row;
    });
    for (let c = 0; c < F; c++) {
      let piv = c;
      for (let r = c + 1; r < F; r++) if (Math.abs(M[r][c]) > Math.abs(M[piv][c])) piv = r;
      [M[c], M[piv]] = [M[piv], M[c]];
      for (let r = 0; r < F; r++) {
        if (r === c) continue;
        const f = M[r][c] / M[c][c];
        for (let k = c; k <= F; k++) M[r][k] -= f * M[c][k];
      }
    }
    const closed = M.map((row, i) => row[F] / row[i]);
    const fitted = await esn.readoutWeight!.toArray();
    // The ridge objective J(w) = ‖Xw − y‖² + β‖w‖² at the fitted readout is the minimum's.
    const objective = (w: ArrayLike<number>) => {
      let j = 0;
      for (let r = 0; r < 180; r++) {
        let pr = 0;
        for (let k = 0; k < F; k++) pr += X[r * F + k] * w[k];
        j += (pr - Y[r]) ** 2;
      }
      for (let k = 0; k < F; k++) j += 0.1 * w[k] ** 2;
      return j;
    };
    expect(objective(fitted)).toBeLessThanOrEqual(objective(closed) * (1 + 1e-4));
    for (let i = 0; i < F; i++) expect(fitted[i]).toBeCloseTo(closed[i], 3);
    // And the prediction quality the closed form implies.
    const p = await esn.predict(u).toArray();
    let se = 0;
    for (let t = 20; t < 200; t++) se += (p[t] - s[t + 1]) ** 2;
    expect(Math.sqrt(se / 180)).toBeLessThan(0.05);
  });

  test('[webgpu] leak rate 1 reservoir (fused recurrence) matches a float64 host recomputation', async () => {
    const device = await g.createDevice({ backend: 'webgpu' });
    g.setDevice(device);
    const esn = new EchoStateNetwork({
      inputSize: 1,
      reservoirSize: 20,
      outputSize: 1,
      spectralRadius: 0.95,
      seed: 2,
      device,
    });
    const s = series(30);
    const states = await esn.states(g.tensor(s, { shape: [30, 1], device })).toArray();
    const win = await esn.inputWeight.toArray();
    const w = esn.reservoirValues;
    let x = new Float64Array(20);
    for (let t = 0; t < 30; t++) {
      const next = new Float64Array(20);
      for (let i = 0; i < 20; i++) {
        let z = win[i * 2] + win[i * 2 + 1] * s[t];
        for (let k = 0; k < 20; k++) z += w[i * 20 + k] * x[k];
        next[i] = Math.tanh(z);
        expect(states[t * 20 + i]).toBeCloseTo(next[i], 5);
      }
      x = next;
    }
  });
});
