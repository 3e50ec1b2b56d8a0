// TensorFlow.js 4.22 on the same Dawn adapter (WebGPU backend) and on wasm, same inputs,
// same checks. Its WebGPU backend defers submits; `finish()` flushes and waits for the queue.
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

export class TfjsRunner {
  constructor(tf, backend, wait) {
    this.tf = tf;
    this.backend = backend; // 'webgpu' | 'wasm'
    this.system = `tfjs-${backend}`;
    this.wait = wait;
  }

  async activate() {
    await this.tf.setBackend(this.backend);
    await this.tf.ready();
  }

  /** Waits until every op issued so far has finished. */
  async finish() {
    if (this.backend !== 'webgpu') return;
    const be = this.tf.backend();
    // What tfjs itself does before reading back: end the open pass, submit the encoder.
    if (be.commandEncoder) {
      be.endComputePassEncoder();
      be.submitQueue();
    }
    await this.wait(be.device.queue.onSubmittedWorkDone());
  }

  runner(op) {
    return async (reps) => {
      for (let r = 0; r < reps; r++) op().dispose();
      await this.finish();
    };
  }

  async matmulCase(c, opts) {
    const { tf } = this;
    const inputs = matmulInputs(c);
    const shape = (s) => (c.batch === 1 ? s.slice(1) : s);
    const a = tf.tensor(inputs.a, shape(inputs.aShape));
    const b = tf.tensor(inputs.b, shape(inputs.bShape));
    const op = () => tf.matMul(a, b, c.ta, c.tb);
    const out = op();
    checkMatmul(this.system, c, inputs, await out.data());
    out.dispose();
    const seconds = await timeReps(this.runner(op), opts);
    a.dispose();
    b.dispose();
    return record(
      'matmul',
      c.shape,
      this.system,
      'throughput',
      seconds.map((s) => matmulFlops(c) / s / 1e9),
      'GFLOP/s',
    );
  }

  async softmaxCase(opts) {
    const { tf } = this;
    const x = rowsInput();
    const t = tf.tensor(x, [ROWS, COLS]);
    const op = () => tf.softmax(t);
    const out = op();
    checkSoftmax(this.system, x, await out.data());
    out.dispose();
    const seconds = await timeReps(this.runner(op), opts);
    t.dispose();
    return record(
      'softmax',
      `${ROWS}×${COLS}`,
      this.system,
      'bandwidth',
      seconds.map((s) => (2 * ROWS * COLS * 4) / s / 1e9),
      'GB/s',
    );
  }

  /** TF.js has no layer-norm op: moments, then normalize, scale and shift. */
  async layerNormCase(opts) {
    const { tf } = this;
    const x = rowsInput();
    const w = lnWeight();
    const bias = lnBias();
    const t = tf.tensor(x, [ROWS, COLS]);
    const tw = tf.tensor(w);
    const tb = tf.tensor(bias);
    const op = () =>
      tf.tidy(() => {
        const { mean, variance } = tf.moments(t, -1, true);
        return tf.add(tf.mul(tf.mul(tf.sub(t, mean), tf.rsqrt(tf.add(variance, LN_EPS))), tw), tb);
      });
    const out = op();
    checkLayerNorm(this.system, x, w, bias, await out.data());
    out.dispose();
    const seconds = await timeReps(this.runner(op), opts);
    t.dispose();
    tw.dispose();
    tb.dispose();
    return record(
      'layernorm',
      `${ROWS}×${COLS}`,
      this.system,
      'bandwidth',
      seconds.map((s) => (2 * ROWS * COLS * 4) / s / 1e9),
      'GB/s',
      { note: 'moments + 6 ops' },
    );
  }

  async elementwiseCases(opts, ew) {
    const { tf } = this;
    const a = tf.tensor(ew.a);
    const b = tf.tensor(ew.b);
    const k = Math.sqrt(2 / Math.PI);
    // TF.js has no GELU op: the tanh form composed of its ops (as in its Keras GELU layer).
    const gelu = () =>
      tf.tidy(() =>
        tf.mul(
          tf.mul(a, 0.5),
          tf.add(1, tf.tanh(tf.mul(k, tf.add(a, tf.mul(0.044715, tf.pow(a, 3)))))),
        ),
      );
    const cases = [
      {
        name: 'add',
        op: () => tf.add(a, b),
        ref: (x, y) => x + y,
        inputs: [ew.a, ew.b],
        bytes: 3 * EW_SIZE * 4,
      },
      {
        name: 'gelu',
        op: gelu,
        ref: geluTanh,
        inputs: [ew.a],
        bytes: 2 * EW_SIZE * 4,
        note: 'composed of 8 ops',
      },
    ];
    const records = [];
    for (const c of cases) {
      const out = c.op();
      checkElementwise(this.system, c.name, c.ref, c.inputs, await out.data());
      out.dispose();
      const seconds = await timeReps(this.runner(c.op), opts);
      records.push(
        record(
          `elementwise ${c.name}`,
          '16M f32',
          this.system,
          'bandwidth',
          seconds.map((s) => c.bytes / s / 1e9),
          'GB/s',
          c.note ? { note: c.note } : {},
        ),
      );
    }
    a.dispose();
    b.dispose();
    return records;
  }

  async tinyOpsCase(opts, tiny) {
    const { tf } = this;
    const y = tf.tensor(tiny.y);
    let last;
    const run = async (reps) => {
      for (let r = 0; r < reps; r++) {
        let x = tf.tensor(tiny.x0);
        for (let i = 0; i < TINY_OPS; i++) {
          const next = tf.add(x, y);
          x.dispose();
          x = next;
        }
        last = await x.data();
        x.dispose();
      }
    };
    const seconds = await timeReps(run, { ...opts, maxReps: 10 });
    checkTiny(this.system, tiny.x0, tiny.y, last);
    y.dispose();
    return record(
      'tiny ops',
      `${TINY_OPS} adds of ${TINY_SIZE}`,
      this.system,
      'latency',
      seconds.map((s) => (s / TINY_OPS) * 1e6),
      'µs/op',
    );
  }
}
