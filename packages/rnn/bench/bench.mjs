// `pnpm bench rnn`: one RNN layer (batch 32, 128 steps, input 128, hidden 256), forward and
// forward+backward, ScratchSeq (its three recurrence forms) beside TF.js (tf.layers.simpleRNN)
// on the same WebGPU adapter and on wasm, and PyTorch CPU. Every system's output is checked
// in the same run: ScratchSeq against a float64 JS loop, TF.js against ScratchSeq with the same
// weights, PyTorch against its own float64 loop (bench/torch_rnn.py).
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

/** h_T of sequence 0 in float64: the oracle. */
function referenceLastState(x, wih, whh, bias) {
  let h = new Float64Array(H);
  for (let t = 0; t < T; t++) {
    const next = new Float64Array(H);
    for (let j = 0; j < H; j++) {
      let z = bias[j];
      for (let k = 0; k < I; k++) z += x[t * I + k] * wih[j * I + k]; // batch-first row 0
      for (let k = 0; k < H; k++) z += h[k] * whh[j * H + k];
      next[j] = Math.tanh(z);
    }
    h = next;
  }
  return h;
}

export default async function rnnBench(ctx) {
  const { RNN } = await import('../dist/index.js');
  const g = ctx.gpu;
  const records = [];
  const xData = randomFloats(B * T * I, 11);
  const backend = ctx.device.backend;
  g.manualSeed(0, ctx.device);
  const rnn = new RNN(I, H, { batchFirst: true, device: ctx.device });
  const wih = await rnn.weight_ih_l0.toArray();
  const whh = await rnn.weight_hh_l0.toArray();
  const bih = await rnn.bias_ih_l0.toArray();
  const bhh = await rnn.bias_hh_l0.toArray();
  const bias = bih.map((v, i) => v + bhh[i]);
  const ref = referenceLastState(xData, wih, whh, bias);
  const x = g.tensor(xData, { shape: [B, T, I], device: ctx.device }).keep();
  let ours;
  // 'fused' is the default form now (subgroup kernels where the adapter has them); 'sequence'
  // and 'step' are the older forms, timed in the same run for the ratio.
  const forms = [
    { name: 'fused', variant: 'fused' }, // subgroup kernels where the adapter has them
    ...(backend.hasSubgroups
      ? [{ name: 'fused-generic', variant: 'fused', subgroups: false }]
      : []),
    { name: 'sequence', variant: 'sequence' },
    { name: 'step', variant: 'step' },
  ];
  for (const { name, variant, subgroups } of forms) {
    const layer = new RNN(I, H, { batchFirst: true, device: ctx.device, variant, subgroups });
    layer.loadStateDict(rnn.stateDict());
    const out = g.noGrad(() => layer.forward(x).hN);
    const got = await out.toArray();
    const err = maxDiff(got, ref, H);
    if (!(err < 1e-3))
      throw new Error(`scratchseq ${name}: h_T differs from the float64 loop by ${err}`);
    ours = got;
    const { fwd, fb, fwdDispatches, fbDispatches } = await timeLayer(g, backend, layer, x, {
      samples: ctx.samples,
      maxReps: 20,
    });
    const system = `scratchseq-${name}`;
    const extra = { dispatches: { forward: fwdDispatches, forwardBackward: fbDispatches } };
    records.push(
      record(
        'rnn layer forward',
        SHAPE,
        system,
        'time',
        fwd.map((s) => s * 1e3),
        'ms',
        extra,
      ),
    );
    records.push(
      record(
        'rnn layer forward+backward',
        SHAPE,
        system,
        'time',
        fb.map((s) => s * 1e3),
        'ms',
        extra,
      ),
    );
    ctx.log(
      `  ${system}: ${fwdDispatches} dispatches forward, ${fbDispatches} forward+backward; h_T error ${err.toExponential(1)}`,
    );
  }

  for (const t of ctx.tfjs) {
    const r = await ctx.attempt(`${t.system} simpleRNN`, async () => {
      await t.activate();
      const tf = t.tf;
      const layer = tf.layers.simpleRNN({ units: H, returnSequences: true, returnState: false });
      const tx = tf.tensor(xData, [B, T, I]);
      // apply() builds the layer (calling build() first as well registers its weights twice).
      tf.tidy(() => layer.apply(tx));
      // Keras keeps kernels as (in, out): our weights transposed; one bias.
      const kernel = tf.tensor(wih, [H, I]).transpose();
      const recurrent = tf.tensor(whh, [H, H]).transpose();
      layer.setWeights([kernel, recurrent, tf.tensor(bias, [H])]);
      const out = layer.apply(tx);
      const last = await out.slice([0, T - 1, 0], [1, 1, H]).data();
      const err = maxDiff(last, ref, H);
      if (!(err < 1e-3)) throw new Error(`tfjs simpleRNN differs from the float64 loop by ${err}`);
      out.dispose();
      const fwd = await timeReps(
        async (reps) => {
          for (let i = 0; i < reps; i++) tf.tidy(() => layer.apply(tx));
          await t.finish();
        },
        { samples: ctx.samples, maxReps: 20 },
      );
      const fb = await timeReps(
        async (reps) => {
          for (let i = 0; i < reps; i++) {
            tf.tidy(() => {
              const { grads } = tf.variableGrads(() => layer.apply(tx).sum());
              return Object.values(grads);
            });
          }
          await t.finish();
        },
        { samples: ctx.samples, maxReps: 20 },
      );
      tx.dispose();
      return [
        record(
          'rnn layer forward',
          SHAPE,
          t.system,
          'time',
          fwd.map((s) => s * 1e3),
          'ms',
        ),
        record(
          'rnn layer forward+backward',
          SHAPE,
          t.system,
          'time',
          fb.map((s) => s * 1e3),
          'ms',
        ),
      ];
    });
    if (r) records.push(...r);
  }
  void ours;

  if (ctx.python) {
    const p = spawnSync(ctx.python, [resolve(here, 'torch_rnn.py'), String(ctx.samples)], {
      encoding: 'utf8',
    });
    if (p.status === 0) {
      const j = JSON.parse(p.stdout.trim().split('\n').at(-1));
      const system = `pytorch-cpu (${j.threads} threads, ${j.blas})`;
      records.push(
        record(
          'rnn layer forward',
          SHAPE,
          system,
          'time',
          j.forward.map((s) => s * 1e3),
          'ms',
        ),
      );
      records.push(
        record(
          'rnn layer forward+backward',
          SHAPE,
          system,
          'time',
          j.forwardBackward.map((s) => s * 1e3),
          'ms',
        ),
      );
    } else {
      ctx.log(`  PyTorch: failed: ${p.stderr.trim().split('\n').at(-1)}`);
    }
  }
  x.dispose();
  return records;
}
