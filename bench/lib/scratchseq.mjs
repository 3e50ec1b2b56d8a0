// ScratchSeq's own kernels on its WebGPU backend. Every timed result is also read back and
// checked against a JS reference in the same run.
import { record, timeReps } from './timing.mjs';
import {
  COLS,
  checkElementwise,
  checkLayerNorm,
  checkMatmul,
  checkSoftmax,
  checkTiny,
  EW_SIZE,
  geluTanh,
  LN_EPS,
  lnBias,
  lnWeight,
  matmulFlops,
  matmulInputs,
  ROWS,
  rowsInput,
  TINY_OPS,
  TINY_SIZE,
} from './workloads.mjs';

const SYSTEM = 'scratchseq-webgpu';
/** The system name of a run: a baseline build passed with `--baseline` carries its own. */
const systemOf = (gpu) => gpu.benchSystem ?? SYSTEM;

/** `run(reps)` for an op that returns a fresh tensor: enqueue reps of them, then wait. */
function opRunner(device, op) {
  return async (reps) => {
    for (let r = 0; r < reps; r++) op().dispose();
    await device.sync();
  };
}

export async function matmulCase(gpu, device, c, opts) {
  const inputs = matmulInputs(c);
  const shape = (s) => (c.batch === 1 ? s.slice(1) : s);
  const a0 = gpu.tensor(inputs.a, { shape: shape(inputs.aShape) });
  const b0 = gpu.tensor(inputs.b, { shape: shape(inputs.bShape) });
  const a = c.ta ? gpu.transpose(a0) : a0;
  const b = c.tb ? gpu.transpose(b0) : b0;
  const op = () => gpu.matmul(a, b);
  const out = op();
  checkMatmul(systemOf(gpu), c, inputs, await out.toArray());
  out.dispose();
  const seconds = await timeReps(opRunner(device, op), opts);
  a0.dispose();
  b0.dispose();
  return record(
    'matmul',
    c.shape,
    systemOf(gpu),
    'throughput',
    seconds.map((s) => matmulFlops(c) / s / 1e9),
    'GFLOP/s',
  );
}

/** Bytes a row-wise kernel must move at least: read the input once, write the output once. */
const rowBytes = 2 * ROWS * COLS * 4;

export async function softmaxCase(gpu, device, opts) {
  const x = rowsInput();
  const t = gpu.tensor(x, { shape: [ROWS, COLS] });
  const op = () => gpu.softmax(t, -1);
  const out = op();
  checkSoftmax(systemOf(gpu), x, await out.toArray());
  out.dispose();
  const seconds = await timeReps(opRunner(device, op), opts);
  t.dispose();
  return record(
    'softmax',
    `${ROWS}×${COLS}`,
    systemOf(gpu),
    'bandwidth',
    seconds.map((s) => rowBytes / s / 1e9),
    'GB/s',
  );
}

export async function layerNormCase(gpu, device, opts, log) {
  const x = rowsInput();
  const w = lnWeight();
  const bias = lnBias();
  const t = gpu.tensor(x, { shape: [ROWS, COLS] });
  const tw = gpu.tensor(w);
  const tb = gpu.tensor(bias);
  let op;
  let how;
  if (typeof gpu.layerNorm === 'function') {
    op = () => gpu.layerNorm(t, [COLS], tw, tb, LN_EPS);
    how = 'layerNorm op';
  } else {
    log(
      '  layer norm: @scratchseq/gpu exports no layerNorm yet; timing it composed of mean/sub/mul/rsqrt ops',
    );
    op = () =>
      gpu.scope(() => {
        const mu = gpu.mean(t, -1, true);
        const d = gpu.sub(t, mu);
        const v = gpu.mean(gpu.mul(d, d), -1, true);
        return gpu.add(gpu.mul(gpu.mul(d, gpu.rsqrt(gpu.add(v, LN_EPS))), tw), tb);
      });
    how = 'composed of 9 ops';
  }
  const out = op();
  checkLayerNorm(systemOf(gpu), x, w, bias, await out.toArray());
  out.dispose();
  const seconds = await timeReps(opRunner(device, op), opts);
  t.dispose();
  tw.dispose();
  tb.dispose();
  return record(
    'layernorm',
    `${ROWS}×${COLS}`,
    systemOf(gpu),
    'bandwidth',
    seconds.map((s) => rowBytes / s / 1e9),
    'GB/s',
    { note: how },
  );
}

export async function elementwiseCases(gpu, device, opts, ew) {
  const ta = gpu.tensor(ew.a);
  const tb = gpu.tensor(ew.b);
  const records = [];
  const cases = [
    {
      name: 'add',
      op: () => gpu.add(ta, tb),
      ref: (x, y) => x + y,
      inputs: [ew.a, ew.b],
      bytes: 3 * EW_SIZE * 4,
    },
    {
      name: 'gelu',
      op: () => gpu.gelu(ta, 'tanh'),
      ref: geluTanh,
      inputs: [ew.a],
      bytes: 2 * EW_SIZE * 4,
    },
  ];
  for (const c of cases) {
    const out = c.op();
    checkElementwise(systemOf(gpu), c.name, c.ref, c.inputs, await out.toArray());
    out.dispose();
    const seconds = await timeReps(opRunner(device, c.op), opts);
    records.push(
      record(
        `elementwise ${c.name}`,
        '16M f32',
        systemOf(gpu),
        'bandwidth',
        seconds.map((s) => c.bytes / s / 1e9),
        'GB/s',
      ),
    );
  }
  ta.dispose();
  tb.dispose();
  return records;
}

/** 1,000 dependent tiny adds, end to end: enqueue all, then read the result back. */
export async function tinyOpsCase(gpu, _device, opts, tiny) {
  const y = gpu.tensor(tiny.y);
  let last;
  const run = async (reps) => {
    for (let r = 0; r < reps; r++) {
      let x = gpu.tensor(tiny.x0);
      for (let i = 0; i < TINY_OPS; i++) {
        const next = gpu.add(x, y);
        x.dispose();
        x = next;
      }
      last = await x.toArray();
      x.dispose();
    }
  };
  const seconds = await timeReps(run, { ...opts, maxReps: 10 });
  checkTiny(systemOf(gpu), tiny.x0, tiny.y, last);
  y.dispose();
  return record(
    'tiny ops',
    `${TINY_OPS} adds of ${TINY_SIZE}`,
    systemOf(gpu),
    'latency',
    seconds.map((s) => (s / TINY_OPS) * 1e6),
    'µs/op',
  );
}
