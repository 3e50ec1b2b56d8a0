import { describe, expect, test } from 'vitest';
import * as g from '../src/index.js';
import { optim } from '../src/index.js';
import { cpuDevice, webgpuDevice } from './helpers/devices.js';
import { expectClose, rng } from './helpers/op-test.js';

/**
 * Optimizer updates against the textbook formulas, written here independently in float64
 * (Kingma & Ba 2015 Algorithm 1; Loshchilov & Hutter 2019 Algorithm 2; torch.optim.SGD's
 * documented recurrences), and the WebGPU kernels against the CPU reference.
 */

const THETA0 = [0.5, -1.5, 2.0, 0.0, -0.25];
const GRADS = [
  [0.1, -0.2, 0.3, -0.4, 0.05],
  [-0.3, 0.1, 0.2, 0.0, -0.6],
  [0.25, 0.25, -0.1, 0.7, 0.0],
];

interface AdamHyper {
  lr: number;
  b1: number;
  b2: number;
  eps: number;
  wd: number;
  decoupled: boolean;
}

/** Algorithm 1 of Kingma & Ba with explicit m̂, v̂; AdamW decays θ first (decoupled). */
function handAdam(h: AdamHyper): number[][] {
  const theta = [...THETA0];
  const m = theta.map(() => 0);
  const v = theta.map(() => 0);
  const history: number[][] = [];
  GRADS.forEach((grad, k) => {
    const t = k + 1;
    for (let i = 0; i < theta.length; i++) {
      let gi = grad[i];
      if (h.decoupled) theta[i] -= h.lr * h.wd * theta[i];
      else gi += h.wd * theta[i];
      m[i] = h.b1 * m[i] + (1 - h.b1) * gi;
      v[i] = h.b2 * v[i] + (1 - h.b2) * gi * gi;
      const mHat = m[i] / (1 - h.b1 ** t);
      const vHat = v[i] / (1 - h.b2 ** t);
      theta[i] -= (h.lr * mHat) / (Math.sqrt(vHat) + h.eps);
    }
    history.push([...theta]);
  });
  return history;
}

interface SgdHyper {
  lr: number;
  momentum: number;
  dampening: number;
  wd: number;
  nesterov: boolean;
}

/** v₁ = g₁, v_t = μv + (1 − τ)g; step along g + μv (Nesterov) or v. */
function handSgd(h: SgdHyper): number[][] {
  const theta = [...THETA0];
  const buf = theta.map(() => 0);
  const history: number[][] = [];
  GRADS.forEach((grad, k) => {
    for (let i = 0; i < theta.length; i++) {
      const d = grad[i] + h.wd * theta[i];
      let step = d;
      if (h.momentum !== 0) {
        buf[i] = k === 0 ? d : h.momentum * buf[i] + (1 - h.dampening) * d;
        step = h.nesterov ? d + h.momentum * buf[i] : buf[i];
      }
      theta[i] -= h.lr * step;
    }
    history.push([...theta]);
  });
  return history;
}

async function runSteps(
  device: g.Device,
  make: (params: g.Tensor[]) => optim.Optimizer,
): Promise<number[][]> {
  const p = g.nn.parameter(g.tensor(THETA0, { device }));
  const opt = make([p]);
  const history: number[][] = [];
  for (const grad of GRADS) {
    p.grad = g.keep(g.tensor(grad, { device }));
    opt.step();
    opt.zeroGrad();
    history.push(Array.from(await p.toArray()));
  }
  opt.dispose();
  p.dispose();
  return history;
}

for (const backend of ['webgpu', 'cpu'] as const) {
  const device = () => (backend === 'webgpu' ? webgpuDevice() : cpuDevice());
  // Both backends store float32: compare to the float64 hand math at float32 resolution.
  const atol = 1e-6;
  const rtol = 1e-5;

  describe(`[${backend}] optimizer steps against hand-computed updates`, () => {
    const cases: [string, (ps: g.Tensor[]) => optim.Optimizer, number[][]][] = [
      [
        'Adam (L2 weight decay in the gradient)',
        (ps) => new optim.Adam(ps, { lr: 0.1, betas: [0.9, 0.99], eps: 1e-8, weightDecay: 0.1 }),
        handAdam({ lr: 0.1, b1: 0.9, b2: 0.99, eps: 1e-8, wd: 0.1, decoupled: false }),
      ],
      [
        'Adam with defaults',
        (ps) => new optim.Adam(ps),
        handAdam({ lr: 1e-3, b1: 0.9, b2: 0.999, eps: 1e-8, wd: 0, decoupled: false }),
      ],
      [
        'AdamW (decoupled decay, default 0.01)',
        (ps) => new optim.AdamW(ps, { lr: 0.1, eps: 1e-3 }),
        handAdam({ lr: 0.1, b1: 0.9, b2: 0.999, eps: 1e-3, wd: 0.01, decoupled: true }),
      ],
      [
        'AdamW with weightDecay 0.5',
        (ps) => new optim.AdamW(ps, { lr: 0.05, weightDecay: 0.5 }),
        handAdam({ lr: 0.05, b1: 0.9, b2: 0.999, eps: 1e-8, wd: 0.5, decoupled: true }),
      ],
      [
        'plain SGD with weight decay',
        (ps) => new optim.SGD(ps, { lr: 0.1, weightDecay: 0.2 }),
        handSgd({ lr: 0.1, momentum: 0, dampening: 0, wd: 0.2, nesterov: false }),
      ],
      [
        'SGD momentum 0.9, dampening 0.1, weight decay 0.01',
        (ps) => new optim.SGD(ps, { lr: 0.1, momentum: 0.9, dampening: 0.1, weightDecay: 0.01 }),
        handSgd({ lr: 0.1, momentum: 0.9, dampening: 0.1, wd: 0.01, nesterov: false }),
      ],
      [
        'SGD Nesterov momentum 0.8',
        (ps) => new optim.SGD(ps, { lr: 0.2, momentum: 0.8, nesterov: true }),
        handSgd({ lr: 0.2, momentum: 0.8, dampening: 0, wd: 0, nesterov: true }),
      ],
    ];
    for (const [name, make, expected] of cases) {
      test(`[${backend}] ${name}: 3 steps`, async () => {
        const got = await runSteps(await device(), make);
        for (const [k, row] of got.entries()) {
          expectClose(`${name} step ${k + 1}`, row, expected[k], atol, rtol);
        }
      });
    }

    test(`[${backend}] clipGradNorm returns the pre-clip global L2 norm and scales all gradients`, async () => {
      const d = await device();
      const random = rng(5);
      const sizes = [1, 300, 20_000];
      const values = sizes.map((n) => Array.from({ length: n }, () => random() * 2 - 1));
      const params = sizes.map((n, i) => {
        const p = g.nn.parameter(g.zeros([n], { device: d }));
        p.grad = g.keep(g.tensor(values[i], { device: d }));
        return p;
      });
      const noGradParam = g.nn.parameter(g.zeros([3], { device: d }));
      let sq = 0;
      for (const v of values) for (const x of v) sq += x * x;
      const norm = Math.sqrt(sq);
      const maxNorm = 2;
      const got = optim.clipGradNorm([...params, noGradParam], maxNorm);
      expect(got.shape).toEqual([]);
      expect(Math.abs((await got.item()) - norm)).toBeLessThan(1e-5 * norm);
      const coef = maxNorm / (norm + 1e-6);
      for (let i = 0; i < params.length; i++) {
        expectClose(
          `clipped gradient ${i}`,
          Array.from(await params[i].grad!.toArray()),
          values[i].map((x) => x * coef),
          1e-6,
          1e-5,
        );
      }
      // Now below the limit: the norm is maxNorm and nothing changes.
      const again = optim.clipGradNorm(params, 10);
      expect(Math.abs((await again.item()) - maxNorm)).toBeLessThan(1e-4);
      expectClose(
        'unclipped gradient',
        Array.from(await params[2].grad!.toArray()),
        values[2].map((x) => x * coef),
        1e-6,
        1e-5,
      );
      for (const t of [got, again, noGradParam, ...params]) t.dispose();
    });

    test(`[${backend}] clipGradNorm with the ∞-norm and the 1-norm; clipGradValue`, async () => {
      const d = await device();
      const a = g.nn.parameter(g.zeros([4], { device: d }));
      const b = g.nn.parameter(g.zeros([2], { device: d }));
      const reset = () => {
        a.grad?.dispose();
        b.grad?.dispose();
        a.grad = g.keep(g.tensor([0.5, -3, 1, 0], { device: d }));
        b.grad = g.keep(g.tensor([2, -1], { device: d }));
      };
      reset();
      const inf = optim.clipGradNorm([a, b], 1.5, Number.POSITIVE_INFINITY);
      expect(await inf.item()).toBeCloseTo(3, 6);
      expectClose(
        '∞-clipped',
        Array.from(await a.grad!.toArray()),
        [0.25, -1.5, 0.5, 0],
        1e-6,
        1e-5,
      );
      reset();
      const l1 = optim.clipGradNorm([a, b], 100, 1);
      expect(await l1.item()).toBeCloseTo(7.5, 5);
      reset();
      const l3 = optim.clipGradNorm([a, b], 100, 3);
      expect(await l3.item()).toBeCloseTo((0.125 + 27 + 1 + 8 + 1) ** (1 / 3), 5);
      optim.clipGradValue([a, b], 0.75);
      expect(Array.from(await a.grad!.toArray())).toEqual([0.5, -0.75, 0.75, 0]);
      expect(Array.from(await b.grad!.toArray())).toEqual([0.75, -0.75]);
      expect(() => optim.clipGradNorm([a], 1, 0)).toThrow('normType');
      const measured = optim.clipGradNorm([b], Number.POSITIVE_INFINITY);
      expect(await measured.item()).toBeCloseTo(Math.sqrt(0.75 ** 2 * 2), 6); // nothing scaled
      expect(Array.from(await b.grad!.toArray())).toEqual([0.75, -0.75]);
      const bare = g.nn.parameter(g.zeros([2], { device: d }));
      const none = optim.clipGradNorm([bare], 1);
      expect(await none.item()).toBe(0);
      for (const t of [measured, bare, none]) t.dispose();
      for (const t of [inf, l1, l3, a, b]) t.dispose();
    });

    test(`[${backend}] state dict round trip: a restored optimizer continues identically`, async () => {
      const d = await device();
      const make = (ps: g.Tensor[]) =>
        new optim.AdamW(ps, { lr: 0.05, betas: [0.8, 0.9], weightDecay: 0.1 });
      const p = g.nn.parameter(g.tensor(THETA0, { device: d }));
      const q = g.nn.parameter(g.tensor([1, 2], { device: d })); // never gets a gradient
      const opt = make([p, q]);
      for (const grad of GRADS.slice(0, 2)) {
        p.grad = g.keep(g.tensor(grad, { device: d }));
        opt.step();
        opt.zeroGrad();
      }
      const saved = opt.stateDict();
      expect(Object.keys(saved.state)).toEqual(['0']);
      expect(saved.state[0].step).toBe(2);
      expect((saved.state[0].exp_avg as g.Tensor).shape).toEqual([5]);
      expect(saved.param_groups[0]).toMatchObject({
        lr: 0.05,
        betas: [0.8, 0.9],
        eps: 1e-8,
        weight_decay: 0.1,
        params: [0, 1],
      });
      expect(saved.step_count).toBe(2);

      const p2 = g.nn.parameter(g.tensor(Array.from(await p.toArray()), { device: d }));
      const q2 = g.nn.parameter(g.tensor([1, 2], { device: d }));
      const restored = new optim.AdamW([p2, q2], { lr: 1 });
      restored.loadStateDict(saved);
      expect(restored.lr).toBe(0.05);
      for (const [param, o] of [
        [p, opt],
        [p2, restored],
      ] as const) {
        param.grad = g.keep(g.tensor(GRADS[2], { device: d }));
        o.step();
      }
      expect(Array.from(await p2.toArray())).toEqual(Array.from(await p.toArray()));

      const wrong = new optim.AdamW([g.nn.parameter(g.zeros([4], { device: d })), q2]);
      expect(() => wrong.loadStateDict(saved)).toThrow(
        'state 0.exp_avg: shape (5), parameter has (4)',
      );
      expect(() => new optim.Adam([p])).not.toThrow();
      expect(() => new optim.SGD([p], { lr: 0.1, nesterov: true })).toThrow('Nesterov');
      for (const o of [opt, restored, wrong]) o.dispose();
      for (const t of [p, q, p2, q2]) t.dispose();
    });

    test(`[${backend}] zeroGrad frees gradients; a long loop holds memory flat`, async () => {
      const d = await device();
      const w = g.nn.parameter(g.tensor([1, -2, 3], { device: d }));
      const opt = new optim.Adam([w], { lr: 0.01 });
      const loop = () =>
        g.scope(() => {
          g.sum(g.square(w)).backward();
          opt.step();
          opt.zeroGrad();
        });
      loop();
      const before = d.memory();
      for (let i = 0; i < 20; i++) loop();
      const after = d.memory();
      expect(after.liveTensors).toBe(before.liveTensors);
      expect(after.liveBytes).toBe(before.liveBytes);
      expect(w.grad).toBeNull();
      opt.dispose();
      w.dispose();
    });
  });
}

describe('[webgpu] fused update kernels match the CPU reference', () => {
  test('[webgpu] Adam, AdamW, SGD-momentum, Nesterov on 70,001 elements for 3 steps', async () => {
    const gpu = await webgpuDevice();
    const cpu = await cpuDevice();
    const n = 70_001; // not a multiple of the workgroup size
    const random = rng(11);
    const theta = Array.from({ length: n }, () => random() * 4 - 2);
    const grads = [0, 1, 2].map(() => Array.from({ length: n }, () => random() * 2 - 1));
    const makers: [string, (ps: g.Tensor[]) => optim.Optimizer][] = [
      ['Adam', (ps) => new optim.Adam(ps, { lr: 0.01, weightDecay: 0.05 })],
      ['AdamW', (ps) => new optim.AdamW(ps, { lr: 0.01 })],
      ['SGD', (ps) => new optim.SGD(ps, { lr: 0.1, momentum: 0.9, dampening: 0.2 })],
      [
        'Nesterov',
        (ps) => new optim.SGD(ps, { lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 1e-3 }),
      ],
    ];
    for (const [name, make] of makers) {
      const results: Float32Array[] = [];
      for (const device of [gpu, cpu]) {
        const p = g.nn.parameter(g.tensor(theta, { device }));
        const opt = make([p]);
        for (const grad of grads) {
          p.grad = g.keep(g.tensor(grad, { device }));
          opt.step();
          opt.zeroGrad();
        }
        results.push((await p.toArray()) as Float32Array);
        opt.dispose();
        p.dispose();
      }
      expectClose(`${name} webgpu vs cpu`, results[0], results[1], 1e-6, 1e-5);
    }
  });
});

describe('[cpu] learning-rate schedules', () => {
  test('[cpu] constant, step, linear warmup and cosine at key steps', () => {
    expect(optim.constantLR(123, { lr: 0.3 })).toBe(0.3);
    const step = { lr: 1, stepSize: 10, gamma: 0.5 };
    expect([0, 9, 10, 19, 20, 35].map((s) => optim.stepLR(s, step))).toEqual([
      1, 1, 0.5, 0.5, 0.25, 0.125,
    ]);
    const warm = { lr: 0.4, warmupSteps: 4 };
    expect([0, 1, 3, 4, 100].map((s) => optim.linearWarmupLR(s, warm))).toEqual([
      0.1, 0.2, 0.4, 0.4, 0.4,
    ]);
    const cos = { lr: 1, warmupSteps: 10, totalSteps: 110, minLr: 0.1 };
    expect(optim.cosineLR(0, cos)).toBeCloseTo(0.1, 12);
    expect(optim.cosineLR(9, cos)).toBeCloseTo(1, 12);
    expect(optim.cosineLR(10, cos)).toBeCloseTo(1, 12); // cosine starts at the peak
    expect(optim.cosineLR(60, cos)).toBeCloseTo(0.55, 12); // halfway: (1 + 0.1) / 2
    // A quarter of the way: 0.1 + 0.45 (1 + cos(π/4))
    expect(optim.cosineLR(35, cos)).toBeCloseTo(0.1 + 0.45 * (1 + Math.SQRT1_2), 12);
    expect(optim.cosineLR(110, cos)).toBeCloseTo(0.1, 12);
    expect(optim.cosineLR(500, cos)).toBe(0.1);
    expect(() => optim.cosineSchedule({ lr: 1, warmupSteps: 5, totalSteps: 5 })).toThrow(
      'must exceed warmupSteps',
    );
    const s = optim.stepSchedule(step);
    expect(s(25)).toBe(0.25);
  });

  test('[cpu] an optimizer follows its schedule, one value per step', async () => {
    const d = await cpuDevice();
    const p = g.nn.parameter(g.tensor([0], { device: d }));
    const opt = new optim.SGD([p], { lr: optim.linearWarmupSchedule({ lr: 1, warmupSteps: 4 }) });
    const seen: number[] = [];
    for (let i = 0; i < 5; i++) {
      p.grad = g.keep(g.tensor([1], { device: d }));
      opt.step();
      opt.zeroGrad();
      seen.push(opt.lr);
    }
    expect(seen).toEqual([0.25, 0.5, 0.75, 1, 1]);
    // θ = −Σ lr · 1
    expect(await p.item()).toBeCloseTo(-3.5, 6);
    p.dispose();
  });
});

describe('parameter groups (values against torch are in parity.test.ts)', () => {
  test('[cpu] groups override the defaults; properties read and write group 0', async () => {
    const d = await cpuDevice();
    const a = g.nn.parameter(g.zeros([2], { device: d }));
    const b = g.nn.parameter(g.zeros([3], { device: d }));
    const opt = new optim.AdamW(
      [
        { params: [a], weightDecay: 0 },
        { params: [b], lr: optim.constantSchedule(0.02), betas: [0.8, 0.9] },
      ],
      { lr: 0.01 },
    );
    expect(opt.params).toEqual([a, b]);
    expect(opt.paramGroups.map((group) => group.lr)).toEqual([0.01, 0.02]);
    expect(opt.paramGroups.map((group) => group.hyper.weightDecay)).toEqual([0, 0.01]);
    expect(opt.weightDecay).toBe(0);
    expect(opt.betas).toEqual([0.9, 0.999]);
    opt.weightDecay = 0.3;
    expect(opt.stateDict().param_groups.map((group) => group.weight_decay)).toEqual([0.3, 0.01]);
    expect(opt.stateDict().param_groups.map((group) => group.params)).toEqual([[0], [1]]);
    expect(opt.stateDict().param_groups[1].betas).toEqual([0.8, 0.9]);
    for (const t of [a, b]) t.dispose();
  });

  test('[cpu] bad groups and mismatched state dicts fail with the reason', async () => {
    const d = await cpuDevice();
    const a = g.nn.parameter(g.zeros([2], { device: d }));
    const b = g.nn.parameter(g.zeros([3], { device: d }));
    expect(() => new optim.SGD([{ params: [a] }, { params: [a, b] }], { lr: 0.1 })).toThrow(
      'more than once',
    );
    const mixed = [a, { params: [b] }] as unknown as g.Tensor[];
    expect(() => new optim.SGD(mixed, { lr: 0.1 })).toThrow('not a mix');
    expect(() => new optim.SGD([{ params: [a], momentum: -1 }], { lr: 0.1 })).toThrow(
      'invalid momentum',
    );
    const two = new optim.SGD([{ params: [a] }, { params: [b], momentum: 0.9 }], { lr: 0.1 });
    const one = new optim.SGD([a, b], { lr: 0.1 });
    expect(() => one.loadStateDict(two.stateDict())).toThrow('2 parameter group(s)');
    expect(() => two.loadStateDict(one.stateDict())).toThrow('1 parameter group(s)');
    for (const t of [a, b]) t.dispose();
  });

  test('[cpu] each group follows its own schedule, and momentum only where the group has it', async () => {
    const d = await cpuDevice();
    const a = g.nn.parameter(g.zeros([1], { device: d }));
    const b = g.nn.parameter(g.zeros([1], { device: d }));
    const opt = new optim.SGD(
      [
        { params: [a], lr: optim.linearWarmupSchedule({ lr: 1, warmupSteps: 2 }) },
        { params: [b], momentum: 0.5 },
      ],
      { lr: 0.1 },
    );
    const rates: number[][] = [];
    for (let s = 0; s < 3; s++) {
      for (const p of [a, b]) p.grad = g.keep(g.ones([1], { device: d }));
      opt.step();
      opt.zeroGrad();
      rates.push(opt.paramGroups.map((group) => group.lr));
    }
    expect(rates).toEqual([
      [0.5, 0.1],
      [1, 0.1],
      [1, 0.1],
    ]);
    // a: −(0.5 + 1 + 1); b with momentum 0.5: buffers 1, 1.5, 1.75 → −0.1·4.25
    expect((await a.toArray())[0]).toBeCloseTo(-2.5, 6);
    expect((await b.toArray())[0]).toBeCloseTo(-0.425, 6);
    expect(Object.keys(opt.stateDict().state[0])).toEqual(['step']);
    expect(Object.keys(opt.stateDict().state[1])).toEqual(['step', 'momentum_buffer']);
    opt.dispose();
    for (const t of [a, b]) t.dispose();
  });
});
