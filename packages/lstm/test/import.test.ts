import { readFileSync } from 'node:fs';
import * as g from '@scratchseq/gpu';
import { beforeAll, describe, expect, test } from 'vitest';
import { GRU, gruFromKeras, gruFromOnnx, LSTM, lstmFromKeras, lstmFromOnnx } from '../src/index.js';

/**
 * Keras/TF.js and ONNX layouts, imported into PyTorch layout, must reproduce the outputs of
 * independent NumPy implementations of each framework's equations (fixtures/generate_layouts.py).
 */
interface Flat {
  shape: number[];
  data: number[];
}
const fixture = JSON.parse(
  readFileSync(new URL('../fixtures/layouts.json', import.meta.url), 'utf8'),
) as { input_size: number; hidden_size: number; cases: Record<string, Record<string, Flat>> };
const I = fixture.input_size;
const H = fixture.hidden_size;
const C = fixture.cases;
const TOL = 2e-5;

function expectClose(what: string, got: ArrayLike<number>, want: number[]): void {
  expect(got.length, what).toBe(want.length);
  for (let i = 0; i < want.length; i++)
    if (!(Math.abs(got[i] - want[i]) <= TOL * (1 + Math.abs(want[i]))))
      expect.fail(`${what}[${i}] = ${got[i]}, expected ${want[i]}`);
}
const input = (f: Flat) => g.tensor(Float32Array.from(f.data), { shape: f.shape });
/** (T, B, D·H) → (T, D, B, H), ONNX's Y layout. */
const onnxY = (out: g.Tensor, D: number) => {
  const [T, B] = out.shape;
  return g.permute(g.reshape(out, [T, B, D, H]), [0, 2, 1, 3]);
};

describe('weight import', () => {
  beforeAll(async () => {
    await g.init({ backend: 'webgpu' });
  });

  test('[webgpu] Keras/TF.js LSTM (gates i, f, c, o) reproduces the Keras equations', async () => {
    const k = C.keras_lstm;
    const lstm = new LSTM(I, H, { batchFirst: true });
    lstm.loadStateDict(
      lstmFromKeras(
        { kernel: k.kernel.data, recurrentKernel: k.recurrent_kernel.data, bias: k.bias.data },
        { inputSize: I, hiddenSize: H },
      ),
    );
    const r = g.noGrad(() => lstm.forward(input(k.x)));
    expectClose('output', await r.output.toArray(), k.output.data);
    expectClose('h', await r.h.toArray(), k.h.data);
    expectClose('c', await r.c.toArray(), k.c.data);
  });

  test('[webgpu] Keras/TF.js GRU reset_after (gates z, r, h, two biases) reproduces Keras', async () => {
    const k = C.keras_gru;
    const gru = new GRU(I, H, { batchFirst: true });
    gru.loadStateDict(
      gruFromKeras(
        { kernel: k.kernel.data, recurrentKernel: k.recurrent_kernel.data, bias: k.bias.data },
        { inputSize: I, hiddenSize: H },
      ),
    );
    const r = g.noGrad(() => gru.forward(input(k.x)));
    expectClose('output', await r.output.toArray(), k.output.data);
    expectClose('h', await r.h.toArray(), k.h.data);
  });

  test('[webgpu] ONNX bidirectional LSTM with peepholes (gates i, o, f, c) reproduces ONNX', async () => {
    const k = C.onnx_lstm;
    const lstm = new LSTM(I, H, { bidirectional: true, peephole: true });
    lstm.loadStateDict(
      lstmFromOnnx(
        { W: k.W.data, R: k.R.data, B: k.B.data, P: k.P.data },
        { inputSize: I, hiddenSize: H, direction: 'bidirectional' },
      ),
    );
    const r = g.noGrad(() => lstm.forward(input(k.X)));
    expectClose('Y', await onnxY(r.output, 2).toArray(), k.Y.data);
    expectClose('Y_h', await r.h.toArray(), k.Y_h.data);
    expectClose('Y_c', await r.c.toArray(), k.Y_c.data);
  });

  test('[webgpu] ONNX bidirectional GRU, linear_before_reset=1 (gates z, r, h) reproduces ONNX', async () => {
    const k = C.onnx_gru;
    const gru = new GRU(I, H, { bidirectional: true });
    gru.loadStateDict(
      gruFromOnnx(
        { W: k.W.data, R: k.R.data, B: k.B.data },
        { inputSize: I, hiddenSize: H, direction: 'bidirectional' },
      ),
    );
    const r = g.noGrad(() => gru.forward(input(k.X)));
    expectClose('Y', await onnxY(r.output, 2).toArray(), k.Y.data);
    expectClose('Y_h', await r.h.toArray(), k.Y_h.data);
  });

  test('[webgpu] layouts PyTorch cannot express fail with the fix named', () => {
    const w = { kernel: new Float32Array(I * 3 * H), recurrentKernel: new Float32Array(H * 3 * H) };
    expect(() => gruFromKeras(w, { inputSize: I, hiddenSize: H, resetAfter: false })).toThrow(
      /reset_after=True/,
    );
    expect(() =>
      lstmFromKeras(
        { kernel: new Float32Array(I * 4 * H), recurrentKernel: new Float32Array(H * 4 * H) },
        { inputSize: I, hiddenSize: H, recurrentActivation: 'hardSigmoid' },
      ),
    ).toThrow(/retrain with 'sigmoid'/);
    expect(() =>
      gruFromOnnx(
        { W: new Float32Array(3 * H * I), R: new Float32Array(3 * H * H) },
        { inputSize: I, hiddenSize: H, linearBeforeReset: 0 },
      ),
    ).toThrow(/linear_before_reset=1/);
    expect(() =>
      lstmFromOnnx(
        { W: new Float32Array(5), R: new Float32Array(4 * H * H) },
        { inputSize: I, hiddenSize: H },
      ),
    ).toThrow(/expected 60 values/);
  });
});
