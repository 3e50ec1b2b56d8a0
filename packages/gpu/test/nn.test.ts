import { describe, expect, test } from 'vitest';
import * as g from '../src/index.js';
import { nn, optim } from '../src/index.js';
import { cpuDevice, webgpuDevice } from './helpers/devices.js';
import { expectClose, rng } from './helpers/op-test.js';
import { runReadmeSnippet } from './helpers/readme.js';

/** A model with nested modules, a buffer, a cache and a tied parameter. */
class Net extends nn.Module {
  embed: nn.Embedding;
  layers: nn.Sequential;
  norm: nn.LayerNorm;
  head: nn.Linear;
  _cache: g.Tensor;

  constructor(device: g.Device) {
    super();
    this.embed = new nn.Embedding(10, 4, { device });
    this.layers = new nn.Sequential(
      new nn.Linear(4, 8, { device }),
      new nn.ReLU(),
      new nn.Dropout(0.1),
      new nn.Linear(8, 4, { device, bias: false }),
    );
    this.norm = new nn.LayerNorm(4, { device });
    this.head = new nn.Linear(4, 10, { device });
    this.registerBuffer('scale', g.ones([1], { device }));
    this._cache = g.keep(g.zeros([2], { device }));
  }

  forward(ids: g.Tensor): g.Tensor {
    return this.head.forward(this.norm.forward(this.layers.forward(this.embed.forward(ids))));
  }
}

const NET_KEYS = [
  'embed.weight',
  'layers.0.weight',
  'layers.0.bias',
  'layers.3.weight',
  'norm.weight',
  'norm.bias',
  'head.weight',
  'head.bias',
];

async function values(t: g.Tensor): Promise<number[]> {
  return Array.from(await t.toArray());
}

for (const backend of ['webgpu', 'cpu'] as const) {
  const device = () => (backend === 'webgpu' ? webgpuDevice() : cpuDevice());

  describe(`[${backend}] nn.Module`, () => {
    test(`[${backend}] parameter names follow PyTorch state_dict keys, in registration order`, async () => {
      const d = await device();
      const net = new Net(d);
      expect(net.namedParameters().map(([k]) => k)).toEqual(NET_KEYS);
      // As PyTorch: a module's own parameters, then its own buffers, then its children's.
      expect(Object.keys(net.stateDict())).toEqual(['scale', ...NET_KEYS]);
      expect(net.parameters()).toHaveLength(8);
      expect(net.parameters().every((p) => p.requiresGrad && p.kept)).toBe(true);
      expect(net.stateDict()['head.weight'].shape).toEqual([10, 4]); // (out, in)
      // A tensor shared by two modules (weight tying) is one parameter, under its first name.
      net.head.weight = net.embed.weight;
      expect(net.namedParameters().map(([k]) => k)).not.toContain('head.weight');
      expect(Object.keys(net.stateDict())).toContain('head.weight');
      net.dispose();
      net._cache.dispose();
    });

    test(`[${backend}] train() and eval() reach every submodule; dropout follows`, async () => {
      const d = await device();
      const net = new Net(d);
      expect(net.layers.at(2).training).toBe(true);
      net.eval();
      expect(net.namedModules().every(([, m]) => !m.training)).toBe(true);
      const x = g.ones([1000], { device: d });
      expect(net.layers.at(2).forward(x)).toBe(x); // identity in eval
      net.train();
      const y = await values(net.layers.at(2).forward(x));
      const zeros = y.filter((v) => v === 0).length;
      expect(zeros).toBeGreaterThan(50);
      expect(zeros).toBeLessThan(150);
      expect(y.filter((v) => v !== 0).every((v) => Math.abs(v - 1 / 0.9) < 1e-6)).toBe(true);
      net.dispose();
    });

    test(`[${backend}] loadStateDict copies in place and reports missing, unexpected and mismatched keys`, async () => {
      const d = await device();
      const a = new Net(d);
      const b = new Net(d);
      const weightBefore = b.head.weight;
      b.loadStateDict(a.stateDict());
      expect(b.head.weight).toBe(weightBefore); // same tensor, new values
      expect(await values(b.head.weight)).toEqual(await values(a.head.weight));

      const dict: Record<string, g.Tensor | number[]> = { ...a.stateDict() };
      delete dict['norm.bias'];
      dict['layers.1.weight'] = g.zeros([2], { device: d });
      dict['head.weight'] = g.zeros([4, 10], { device: d });
      let message = '';
      try {
        b.loadStateDict(dict);
      } catch (e) {
        message = (e as Error).message;
      }
      expect(message).toContain('missing keys: norm.bias');
      expect(message).toContain('unexpected keys: layers.1.weight');
      expect(message).toContain('head.weight: checkpoint (4, 10), model (10, 4)');
      // Nothing was written when a check failed.
      expect(await values(b.head.weight)).toEqual(await values(a.head.weight));

      // Non-strict: key differences are returned, shape mismatches still fail.
      expect(() => b.loadStateDict(dict, { strict: false })).toThrow(
        'head.weight: checkpoint (4, 10)',
      );
      dict['head.weight'] = Array.from({ length: 40 }, (_, i) => i);
      expect(b.loadStateDict(dict, { strict: false })).toEqual({
        missingKeys: ['norm.bias'],
        unexpectedKeys: ['layers.1.weight'],
      });
      expect((await values(b.head.weight)).slice(0, 3)).toEqual([0, 1, 2]);
      for (const m of [a, b]) m.dispose();
    });

    test(`[${backend}] Linear: y = x·Wᵀ + b and its gradients, by hand`, async () => {
      const d = await device();
      const lin = new nn.Linear(3, 2, { device: d });
      lin.loadStateDict({ weight: [1, 2, 3, -1, 0, 0.5], bias: [0.5, -1] });
      const x = g.tensor(
        [
          [1, 0, -1],
          [2, 1, 1],
        ],
        { device: d },
      );
      const y = lin.forward(x);
      // Row 1: [1 − 3 + 0.5, −1 − 0.5 − 1]; row 2: [2 + 2 + 3 + 0.5, −2 + 0.5 − 1]
      expect(await y.toNested()).toEqual([
        [-1.5, -2.5],
        [7.5, -2.5],
      ]);
      // L = Σ y ⊙ w with w = [[1, 2], [3, 4]]: dW = wᵀ·x, db = Σ rows of w
      g.sum(
        g.mul(
          y,
          g.tensor(
            [
              [1, 2],
              [3, 4],
            ],
            { device: d },
          ),
        ),
      ).backward();
      expect(await lin.weight.grad!.toNested()).toEqual([
        [7, 3, 2],
        [10, 4, 2],
      ]);
      expect(await values(lin.bias!.grad!)).toEqual([4, 6]);
      // Batched input (B, T, in) and no bias.
      const noBias = new nn.Linear(3, 2, { device: d, bias: false });
      noBias.loadStateDict({ weight: [1, 2, 3, -1, 0, 0.5] });
      expect(noBias.forward(g.ones([4, 5, 3], { device: d })).shape).toEqual([4, 5, 2]);
      expect(() => noBias.forward(g.ones([2, 4], { device: d }))).toThrow(
        'expected input of shape (..., 3) (inFeatures), got (2, 4)',
      );
      expect(Object.keys(noBias.stateDict())).toEqual(['weight']);
      for (const m of [lin, noBias]) m.dispose();
    });

    test(`[${backend}] Linear's default init is U(−1/√in, 1/√in), as PyTorch`, async () => {
      const d = await device();
      g.manualSeed(1, d);
      const lin = new nn.Linear(256, 64, { device: d });
      const bound = 1 / 16;
      for (const t of [lin.weight, lin.bias!]) {
        const v = await values(t);
        expect(v.every((x) => Math.abs(x) <= bound)).toBe(true);
      }
      const w = await values(lin.weight);
      const mean = w.reduce((s, x) => s + x, 0) / w.length;
      const variance = w.reduce((s, x) => s + (x - mean) ** 2, 0) / w.length;
      // U(−b, b) has variance b²/3 = 1/768; 16,384 draws pin it to about ±1.1%.
      expect(Math.abs(mean)).toBeLessThan(0.002);
      expect(Math.abs(variance * 768 - 1)).toBeLessThan(0.05);
      lin.dispose();
    });

    test(`[${backend}] Embedding looks up rows; repeated ids accumulate gradient`, async () => {
      const d = await device();
      const emb = new nn.Embedding(4, 2, { device: d });
      emb.loadStateDict({ weight: [0, 1, 10, 11, 20, 21, 30, 31] });
      const ids = g.tensor(
        [
          [3, 1],
          [1, 1],
        ],
        { device: d, dtype: 'i32' },
      );
      const y = emb.forward(ids);
      expect(y.shape).toEqual([2, 2, 2]);
      expect(await values(y)).toEqual([30, 31, 10, 11, 10, 11, 10, 11]);
      g.sum(y).backward();
      expect(await values(emb.weight.grad!)).toEqual([0, 0, 3, 3, 0, 0, 1, 1]);
      emb.dispose();
    });

    test(`[${backend}] LayerNorm normalizes the last dims with biased variance, then scales and shifts`, async () => {
      const d = await device();
      const ln = new nn.LayerNorm(4, { device: d, eps: 1e-5 });
      expect(await values(ln.weight!)).toEqual([1, 1, 1, 1]);
      expect(await values(ln.bias!)).toEqual([0, 0, 0, 0]);
      ln.loadStateDict({ weight: [1, 2, 0.5, -1], bias: [0, 1, 0, 0.25] });
      const rows = [
        [1, 2, 3, 4],
        [-2, 0, 0, 6],
      ];
      const y = await values(ln.forward(g.tensor(rows, { device: d })));
      const expected: number[] = [];
      for (const r of rows) {
        const mean = r.reduce((s, x) => s + x, 0) / 4;
        const variance = r.reduce((s, x) => s + (x - mean) ** 2, 0) / 4;
        const w = [1, 2, 0.5, -1];
        const b = [0, 1, 0, 0.25];
        r.forEach((x, i) => {
          expected.push(((x - mean) / Math.sqrt(variance + 1e-5)) * w[i] + b[i]);
        });
      }
      expectClose('LayerNorm', y, expected, 1e-5, 1e-5);
      const plain = new nn.LayerNorm([2, 2], { device: d, elementwiseAffine: false });
      expect(plain.parameters()).toHaveLength(0);
      expect(plain.forward(g.ones([3, 2, 2], { device: d })).shape).toEqual([3, 2, 2]);
      ln.dispose();
    });
  });

  describe(`[${backend}] nn.Conv1d`, () => {
    test(`[${backend}] Conv1d: PyTorch layout, default init bound, and a causal dilated convolution by hand`, async () => {
      const d = await device();
      const conv = new nn.Conv1d(2, 3, 2, { device: d, dilation: 2, padding: 'causal' });
      expect(
        Object.fromEntries(Object.entries(conv.stateDict()).map(([k, t]) => [k, t.shape])),
      ).toEqual({
        weight: [3, 2, 2],
        bias: [3],
      });
      const bound = 1 / Math.sqrt(4); // fan_in = Cin · K
      expect((await values(conv.weight)).every((w) => Math.abs(w) <= bound)).toBe(true);
      const W = [1, -1, 0.5, 2, 0, 1, 1, 0, -2, 0.25, 0, 3]; // (3, 2, 2)
      const bias = [0.5, -1, 0];
      conv.loadStateDict({ weight: W, bias });
      const X = [1, 2, 3, 4, 5, -1, 0, 2, -3, 1]; // (1, 2, 5)
      const y = await values(conv.forward(g.tensor(X, { device: d, shape: [1, 2, 5] })));
      // y[o, t] = b[o] + Σ_c Σ_k W[o, c, k] · x[c, t − 2·(1 − k)], zero before the start.
      const expected: number[] = [];
      for (let o = 0; o < 3; o++) {
        for (let t = 0; t < 5; t++) {
          let acc = bias[o];
          for (let c = 0; c < 2; c++) {
            for (let k = 0; k < 2; k++) {
              const src = t - 2 * (1 - k);
              if (src >= 0) acc += W[o * 4 + c * 2 + k] * X[c * 5 + src];
            }
          }
          expected.push(acc);
        }
      }
      expectClose('Conv1d causal', y, expected, 1e-5, 1e-5);
      const same = new nn.Conv1d(2, 4, 4, { device: d, padding: 'same', bias: false });
      expect(same.forward(g.ones([3, 2, 7], { device: d })).shape).toEqual([3, 4, 7]);
      expect(() => same.forward(g.ones([3, 7], { device: d }))).toThrow(
        'expected input of shape (B, 2, L), got (3, 7)',
      );
      for (const m of [conv, same]) m.dispose();
    });
  });

  describe(`[${backend}] nn.init`, () => {
    test(`[${backend}] Xavier, Kaiming and normal draw with the stated spread; the seed reproduces them`, async () => {
      const d = await device();
      const w = nn.parameter(g.empty([200, 300], { device: d }));
      const moments = async () => {
        const v = await values(w);
        const mean = v.reduce((s, x) => s + x, 0) / v.length;
        const std = Math.sqrt(v.reduce((s, x) => s + (x - mean) ** 2, 0) / v.length);
        return { v, mean, std, max: Math.max(...v.map(Math.abs)) };
      };
      nn.init.xavierUniform(w, 2);
      const bound = 2 * Math.sqrt(6 / 500);
      let m = await moments();
      expect(m.max).toBeLessThanOrEqual(bound);
      expect(m.std / (bound / Math.sqrt(3))).toBeCloseTo(1, 1);

      g.manualSeed(9, d);
      nn.init.kaimingNormal(w, { mode: 'fan_out', nonlinearity: 'relu' });
      m = await moments();
      expect(m.std / Math.sqrt(2 / 200)).toBeCloseTo(1, 1);
      const first = m.v;
      g.manualSeed(9, d);
      nn.init.kaimingNormal(w, { mode: 'fan_out', nonlinearity: 'relu' });
      expect((await moments()).v).toEqual(first);

      nn.init.xavierNormal(w);
      expect((await moments()).std / Math.sqrt(2 / 500)).toBeCloseTo(1, 1);
      nn.init.kaimingUniform(w, { nonlinearity: 'tanh' });
      m = await moments();
      expect(m.max).toBeLessThanOrEqual(((5 / 3) * Math.sqrt(3)) / Math.sqrt(300));
      nn.init.constant(w, 0.5);
      expect((await moments()).std).toBe(0);
      w.dispose();
    });

    test(`[${backend}] orthogonal gives orthonormal rows or columns, scaled by gain`, async () => {
      const d = await device();
      for (const [rows, cols] of [
        [6, 4],
        [3, 5],
        [5, 5],
      ]) {
        const w = nn.init.orthogonal(g.empty([rows, cols], { device: d }), 1.5);
        const v = await values(w);
        // Gram matrix of the shorter side: (WᵀW or WWᵀ) / gain² = I.
        const tall = rows >= cols;
        const n = tall ? cols : rows;
        const at = (i: number, k: number) => (tall ? v[k * cols + i] : v[i * cols + k]);
        for (let i = 0; i < n; i++) {
          for (let j = 0; j < n; j++) {
            let dot = 0;
            for (let k = 0; k < (tall ? rows : cols); k++) dot += at(i, k) * at(j, k);
            expect(Math.abs(dot / 2.25 - (i === j ? 1 : 0))).toBeLessThan(1e-6);
          }
        }
        w.dispose();
      }
      // A (out, in, k) weight is flattened to (out, in·k).
      const conv = nn.init.orthogonal(g.empty([2, 3, 2], { device: d }));
      expect(conv.shape).toEqual([2, 3, 2]);
      conv.dispose();
    });

    test(`[${backend}] calculateGain and fans follow torch.nn.init`, async () => {
      expect(nn.init.calculateGain('linear')).toBe(1);
      expect(nn.init.calculateGain('sigmoid')).toBe(1);
      expect(nn.init.calculateGain('tanh')).toBeCloseTo(5 / 3, 12);
      expect(nn.init.calculateGain('relu')).toBeCloseTo(Math.SQRT2, 12);
      expect(nn.init.calculateGain('leaky_relu')).toBeCloseTo(Math.sqrt(2 / 1.0001), 12);
      expect(nn.init.calculateGain('leaky_relu', Math.sqrt(5))).toBeCloseTo(Math.sqrt(1 / 3), 12);
      expect(nn.init.calculateGain('selu')).toBe(0.75);
      expect(nn.init.fans([16, 8, 3])).toEqual({ fanIn: 24, fanOut: 48 });
      expect(() => nn.init.fans([5])).toThrow('at least 2 dimensions');
    });
  });
}

/** Three interleaved spiral arms in the plane (the CS231n toy problem), 80 points each. */
function spiral(): { x: number[][]; labels: number[] } {
  const random = rng(2024);
  const x: number[][] = [];
  const labels: number[] = [];
  const perClass = 80;
  for (let k = 0; k < 3; k++) {
    for (let i = 0; i < perClass; i++) {
      const r = i / perClass;
      const theta = k * 4 + r * 4 + (random() - 0.5) * 0.4;
      x.push([r * Math.sin(theta), r * Math.cos(theta)]);
      labels.push(k);
    }
  }
  return { x, labels };
}

/** Trains a 2-layer MLP with AdamW from `seed` and returns the loss curve and final accuracy. */
async function trainSpiral(device: g.Device, seed: number, steps: number) {
  const { x, labels } = spiral();
  g.manualSeed(seed, device);
  const model = new nn.Sequential(
    new nn.Linear(2, 64, { device }),
    new nn.ReLU(),
    new nn.Linear(64, 3, { device }),
  );
  const opt = new optim.AdamW(model.parameters(), {
    lr: optim.cosineSchedule({ lr: 0.05, warmupSteps: 10, totalSteps: steps, minLr: 0.005 }),
    weightDecay: 1e-4,
  });
  const inputs = g.keep(g.tensor(x, { device })); // (N, 2)
  const targets = g.keep(
    g.tensor(
      labels.map((c) => [0, 1, 2].map((k) => (k === c ? 1 : 0))),
      { device },
    ),
  ); // (N, 3) one-hot
  const losses: number[] = [];
  for (let step = 0; step < steps; step++) {
    const loss = g.scope(() => {
      const logits = model.forward(inputs); // (N, 3)
      // Cross-entropy: −mean over samples of log p(target).
      const l = g.neg(g.mean(g.sum(g.mul(g.logSoftmax(logits, -1), targets), -1)));
      l.backward();
      optim.clipGradNorm(model.parameters(), 5);
      opt.step();
      opt.zeroGrad();
      return l;
    });
    losses.push(await loss.item());
    loss.dispose();
  }
  const predicted = await g.noGrad(() => g.argmax(model.forward(inputs), -1)).toArray();
  const accuracy = labels.filter((c, i) => predicted[i] === c).length / labels.length;
  for (const t of [inputs, targets]) t.dispose();
  model.dispose();
  opt.dispose();
  return { losses, accuracy };
}

describe('learning check: a 2-layer MLP on three spirals', () => {
  const steps = 150;
  for (const backend of ['webgpu', 'cpu'] as const) {
    test(`[${backend}] reaches ≥ 95% training accuracy; the same seed gives the same loss curve`, async () => {
      const d = backend === 'webgpu' ? await webgpuDevice() : await cpuDevice();
      const a = await trainSpiral(d, 7, steps);
      expect(a.losses[0]).toBeGreaterThan(0.9); // about ln 3 at init
      expect(a.losses[steps - 1]).toBeLessThan(0.2);
      expect(a.accuracy).toBeGreaterThanOrEqual(0.95);
      const b = await trainSpiral(d, 7, steps);
      expect(b.losses).toEqual(a.losses);
    });
  }
});

test('[webgpu] the README nn/optim snippet runs as written and learns XOR', async () => {
  const printed = await runReadmeSnippet((code) => code.includes('new nn.Sequential'));
  expect(printed[0][0]).toEqual(['0.weight', '0.bias', '2.weight', '2.bias']);
  expect(Array.from(printed[1][0] as Int32Array)).toEqual([0, 1, 1, 0]);
});

describe('Module.to(device)', () => {
  test('[webgpu] [cpu] moves parameters, buffers and gradients both ways in place, keeping names, identity, requiresGrad and values', async () => {
    const cpu = await cpuDevice();
    const gpu = await webgpuDevice();
    g.manualSeed(3, cpu);
    const net = new Net(cpu);
    const ids = g.tensor([1, 4, 9], { dtype: 'i32', device: cpu });
    const before = Object.fromEntries(
      await Promise.all(
        Object.entries(net.stateDict()).map(async ([k, t]) => [k, await values(t)]),
      ),
    );
    const objects = net.stateDict();
    net.eval();
    const outCpu = await values(net.forward(ids));
    g.sum(net.forward(ids)).backward();
    const gradCpu = await values(net.head.weight.grad!);
    const cpuLive = cpu.memory().liveTensors;
    const gpuLive = gpu.memory().liveTensors;

    expect(await net.to(gpu)).toBe(net);
    const moved = net.stateDict();
    expect(Object.keys(moved)).toEqual(Object.keys(objects));
    for (const [key, t] of Object.entries(moved)) {
      expect(t, key).toBe(objects[key]); // same object: earlier parameters() lists follow
      expect(t.device, key).toBe(gpu);
      expect(t.requiresGrad, key).toBe(key !== 'scale');
      expect(await values(t), key).toEqual(before[key]);
    }
    expect(net.head.weight.grad!.device).toBe(gpu);
    expect(await values(net.head.weight.grad!)).toEqual(gradCpu);
    // The tensor count moves with the tensors: the state tensors and their gradients.
    const grads = net.parameters().filter((p) => p.grad).length;
    expect(grads).toBeGreaterThan(5);
    const movedCount = Object.keys(moved).length + grads;
    expect(cpu.memory().liveTensors).toBe(cpuLive - movedCount);
    expect(gpu.memory().liveTensors).toBe(gpuLive + movedCount);
    const idsGpu = g.tensor([1, 4, 9], { dtype: 'i32', device: gpu });
    expectClose('forward on webgpu', await values(net.forward(idsGpu)), outCpu, 1e-5, 1e-4);

    // An optimizer built after the move trains on the new device; then move back.
    const opt = new optim.SGD(net.parameters(), { lr: 0.1 });
    opt.step();
    const stepped = await values(net.head.weight);
    await net.to(cpu);
    expect(net.head.weight.device).toBe(cpu);
    expect(await values(net.head.weight)).toEqual(stepped);
    expect(cpu.memory().liveTensors).toBe(cpuLive);
    // Moving to the device a module is already on is a no-op.
    await net.to(cpu);
    expect(net.head.weight.device).toBe(cpu);
    opt.zeroGrad();
    net.dispose();
    for (const t of [ids, idsGpu]) t.dispose();
  });

  test('[cpu] a tied parameter moves once and stays shared', async () => {
    const cpu = await cpuDevice();
    const gpu = await webgpuDevice();
    const embed = new nn.Embedding(5, 3, { device: cpu });
    const head = new nn.Linear(3, 5, { device: cpu, bias: false });
    head.weight = embed.weight; // weight tying (Press & Wolf 2017)
    const model = new nn.Sequential(embed, head);
    expect(Object.keys(model.namedParameters())).toHaveLength(1);
    await model.to(gpu);
    expect(head.weight).toBe(embed.weight);
    expect(embed.weight.device).toBe(gpu);
    model.dispose();
  });
});
