// `pnpm bench lstm`: one LSTM layer and one GRU layer (batch 32, 128 steps, input 128,
// hidden 256, batch-first), forward and forward+backward, ScratchSeq beside TF.js WebGPU on the
// same adapter, TF.js wasm (tf.layers.lstm / gru) and PyTorch CPU (bench/torch_lstm.py), side by
// side in one run. Every system's result is checked in the same run against a float64 JS loop
// of the same weights (PyTorch against its own float64 module).
//
// TF.js has no reset_after GRU, so its GRU is Keras's reset-before form (same FLOPs), checked
// against a float64 loop of that form; its LSTM uses recurrentActivation 'sigmoid' (PyTorch's).
import { spawnSync } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { maxDiff, timeLayer } from '../../../bench/lib/layers.mjs';
import { randomFloats, record, timeReps } from '../../../bench/lib/timing.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const B = 32;
const T = 128;
const I = 128;
const H = 256;
const SHAPE = `B${B} T${T} I${I} H${H}`;

const sig = (v) => 1 / (1 + Math.exp(-v));

/** x·Wᵀ row j for batch row 0 at step t (x batch-first, W (G·H, I)). */
function dotRow(x, t, w, row, n, k0 = 0) {
  let s = 0;
  for (let k = 0; k < n; k++) s += x[t * n + k + k0] * w[row * n + k];
  return s;
}

/** h_T of sequence 0, float64: PyTorch's LSTM (gates i, f, g, o). */
function lstmReference(x, wih, whh, bias) {
  let h = new Float64Array(H);
  const c = new Float64Array(H);
  for (let t = 0; t < T; t++) {
    const a = new Float64Array(4 * H);
    for (let r = 0; r < 4 * H; r++) {
      let s = bias[r] + dotRow(x, t, wih, r, I);
      for (let k = 0; k < H; k++) s += h[k] * whh[r * H + k];
      a[r] = s;
    }
    const next = new Float64Array(H);
    for (let j = 0; j < H; j++) {
      const i = sig(a[j]);
      const f = sig(a[H + j]);
      const g = Math.tanh(a[2 * H + j]);
      const o = sig(a[3 * H + j]);
      c[j] = f * c[j] + i * g;
      next[j] = o * Math.tanh(c[j]);
    }
    h = next;
  }
  return h;
}

/** h_T of sequence 0, float64: a GRU (gates r, z, n), reset after (PyTorch) or before (Keras). */
function gruReference(x, wih, whh, bih, bhh, resetAfter) {
  let h = new Float64Array(H);
  for (let t = 0; t < T; t++) {
    const gx = new Float64Array(3 * H);
    const gh = new Float64Array(3 * H);
    for (let r = 0; r < 3 * H; r++) {
      gx[r] = bih[r] + dotRow(x, t, wih, r, I);
      for (let k = 0; k < H; k++) gh[r] += h[k] * whh[r * H + k];
      gh[r] += bhh[r];
    }
    const next = new Float64Array(H);
    const rs = new Float64Array(H);
    for (let j = 0; j < H; j++) rs[j] = sig(gx[j] + gh[j]);
    for (let j = 0; j < H; j++) {
      const z = sig(gx[H + j] + gh[H + j]);
      let n;
      if (resetAfter) n = Math.tanh(gx[2 * H + j] + rs[j] * gh[2 * H + j]);
      else {
        // Keras reset-before: (r ⊙ h)·U_h, one bias (bhh is zero here).
        let s = 0;
        for (let k = 0; k < H; k++) s += rs[k] * h[k] * whh[(2 * H + j) * H + k];
        n = Math.tanh(gx[2 * H + j] + s + bhh[2 * H + j]);
      }
      next[j] = (1 - z) * n + z * h[j];
    }
    h = next;
  }
  return h;
}

/** Rows of a (G·H, n) gate-major matrix reordered by gate: order[k] = source gate of gate k. */
function reorderGates(w, H_, n, order) {
  const out = new Float32Array(w.length);
  for (const [k, src] of order.entries())
    out.set(w.subarray(src * H_ * n, (src + 1) * H_ * n), k * H_ * n);
  return out;
}

export default async function lstmBench(ctx) {
  const { LSTM, GRU } = await import('../dist/index.js');
  const g = ctx.gpu;
  const backend = ctx.device.backend;
  const records = [];
  if (typeof g.tuneMatmul === 'function') await g.tuneMatmul();
  const xData = randomFloats(B * T * I, 21);
  const x = g.tensor(xData, { shape: [B, T, I], device: ctx.device }).keep();
  const ms = (secs) => secs.map((s) => s * 1e3);
  const weights = {};

  for (const kind of ['lstm', 'gru']) {
    g.manualSeed(kind === 'lstm' ? 1 : 2, ctx.device);
    const layer =
      kind === 'lstm'
        ? new LSTM(I, H, { batchFirst: true, device: ctx.device })
        : new GRU(I, H, { batchFirst: true, device: ctx.device });
    const w = {
      wih: await layer.weight_ih_l0.toArray(),
      whh: await layer.weight_hh_l0.toArray(),
      bih: await layer.bias_ih_l0.toArray(),
      bhh: await layer.bias_hh_l0.toArray(),
    };
    weights[kind] = w;
    const ref =
      kind === 'lstm'
        ? lstmReference(
            xData,
            w.wih,
            w.whh,
            w.bih.map((v, i) => v + w.bhh[i]),
          )
        : gruReference(xData, w.wih, w.whh, w.bih, w.bhh, true);
    w.ref = ref;
    const hN = g.noGrad(() => layer.forward(x).h);
    const err = maxDiff(await hN.toArray(), ref, H);
    hN.dispose();
    if (!(err < 1e-3)) throw new Error(`scratchseq ${kind}: h_T differs from float64 by ${err}`);
    const { fwd, fb, fwdDispatches, fbDispatches } = await timeLayer(g, backend, layer, x, {
      samples: ctx.samples,
    });
    const extra = { dispatches: { forward: fwdDispatches, forwardBackward: fbDispatches } };
    records.push(
      record(`${kind} layer forward`, SHAPE, 'scratchseq-webgpu', 'time', ms(fwd), 'ms', extra),
    );
    records.push(
      record(
        `${kind} layer forward+backward`,
        SHAPE,
        'scratchseq-webgpu',
        'time',
        ms(fb),
        'ms',
        extra,
      ),
    );
    ctx.log(
      `  scratchseq ${kind}: ${fwdDispatches} dispatches forward (${(fwdDispatches / T).toFixed(2)}/step), ` +
        `${fbDispatches} forward+backward (${(fbDispatches / T).toFixed(2)}/step); h_T error ${err.toExponential(1)}`,
    );
    layer.dispose();
  }

  for (const t of ctx.tfjs) {
    for (const kind of ['lstm', 'gru']) {
      const r = await ctx.attempt(`${t.system} ${kind}`, async () => {
        await t.activate();
        const tf = t.tf;
        const w = weights[kind];
        const layer =
          kind === 'lstm'
            ? tf.layers.lstm({ units: H, returnSequences: true, recurrentActivation: 'sigmoid' })
            : tf.layers.gru({ units: H, returnSequences: true, recurrentActivation: 'sigmoid' });
        const tx = tf.tensor(xData, [B, T, I]);
        tf.tidy(() => layer.apply(tx)); // builds the layer
        let ref;
        if (kind === 'lstm') {
          // Keras: kernel (I, 4H) and recurrent (H, 4H) in gate order i, f, c, o = PyTorch's; one bias.
          layer.setWeights([
            tf.tensor(w.wih, [4 * H, I]).transpose(),
            tf.tensor(w.whh, [4 * H, H]).transpose(),
            tf.tensor(
              w.bih.map((v, i) => v + w.bhh[i]),
              [4 * H],
            ),
          ]);
          ref = w.ref;
        } else {
          // Keras GRU gate order z, r, h; reset-before, one bias: b_ih + b_hh for z and r, b_in for h.
          const order = [1, 0, 2];
          const kernel = reorderGates(w.wih, H, I, order);
          const rec = reorderGates(w.whh, H, H, order);
          const b = w.bih.map((v, i) => (i < 2 * H ? v + w.bhh[i] : v));
          layer.setWeights([
            tf.tensor(kernel, [3 * H, I]).transpose(),
            tf.tensor(rec, [3 * H, H]).transpose(),
            tf.tensor(reorderGates(b, H, 1, order), [3 * H]),
          ]);
          ref = gruReference(xData, w.wih, w.whh, b, new Float32Array(3 * H), false);
        }
        const out = layer.apply(tx);
        const last = await out.slice([0, T - 1, 0], [1, 1, H]).data();
        out.dispose();
        const err = maxDiff(last, ref, H);
        if (!(err < 1e-3)) throw new Error(`h_T differs from float64 by ${err}`);
        const opts = { samples: Math.min(ctx.samples, 3), maxReps: 10, minSeconds: 0 };
        const fwd = await timeReps(async (reps) => {
          for (let i = 0; i < reps; i++) tf.tidy(() => layer.apply(tx));
          await t.finish();
        }, opts);
        const fb = await timeReps(async (reps) => {
          for (let i = 0; i < reps; i++) {
            tf.tidy(() => {
              const { grads } = tf.variableGrads(() => layer.apply(tx).sum());
              return Object.values(grads);
            });
          }
          await t.finish();
        }, opts);
        tx.dispose();
        ctx.log(`  ${t.system} ${kind}: h_T error ${err.toExponential(1)}`);
        return [
          record(`${kind} layer forward`, SHAPE, t.system, 'time', ms(fwd), 'ms'),
          record(`${kind} layer forward+backward`, SHAPE, t.system, 'time', ms(fb), 'ms'),
        ];
      });
      if (r) records.push(...r);
    }
  }

  if (ctx.python) {
    const p = spawnSync(ctx.python, [resolve(here, 'torch_lstm.py'), String(ctx.samples)], {
      encoding: 'utf8',
    });
    if (p.status === 0) {
      const j = JSON.parse(p.stdout.trim().split('\n').at(-1));
      const system = `pytorch-cpu (${j.threads} threads, ${j.blas})`;
      for (const kind of ['lstm', 'gru']) {
        records.push(
          record(`${kind} layer forward`, SHAPE, system, 'time', ms(j[kind].forward), 'ms'),
        );
        records.push(
          record(
            `${kind} layer forward+backward`,
            SHAPE,
            system,
            'time',
            ms(j[kind].forwardBackward),
            'ms',
          ),
        );
      }
    } else {
      ctx.log(`  PyTorch: failed: ${p.stderr.trim().split('\n').at(-1)}`);
    }
  }

  // Ratios measured in this run: ScratchSeq's speedup over each other system (median times).
  for (const r of records) {
    if (r.system === 'scratchseq-webgpu') continue;
    const ours = records.find((o) => o.workload === r.workload && o.system === 'scratchseq-webgpu');
    if (ours)
      ctx.log(`  ${r.workload}: scratchseq is ${(r.median / ours.median).toFixed(2)}× ${r.system}`);
  }
  x.dispose();
  return records;
}
