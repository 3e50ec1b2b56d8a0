import { record } from '../../autograd/grad-mode.js';
import { shapeToString } from '../../shape.js';
import { empty, type Tensor } from '../../tensor.js';
import { contiguous } from '../../views.js';
import { cpuData, onBackend, requireFloat, sameDevice } from '../common.js';
import { sum } from '../reduce/reduce.js';
import {
  CONV_WORKGROUP,
  type ConvKernel,
  type ConvLayout,
  conv1dInputGradReference,
  conv1dReference,
  conv1dWeightGradReference,
  conv1dWGSL,
  convParams,
} from './conv1d.wgsl.js';

export interface Conv1dOptions {
  stride?: number;
  /** Zeros on both sides (number), [left, right], or 'causal': dilation·(K − 1) on the left only. */
  padding?: number | 'causal' | readonly [number, number];
  dilation?: number;
  groups?: number;
}

function launch(
  kernel: ConvKernel,
  out: Tensor,
  layout: ConvLayout,
  buffers: Tensor[],
  cpu: () => void,
): void {
  if (out.size === 0) return;
  onBackend(out, cpu, (backend) => ({
    key: `conv1d:${kernel}`,
    code: () => conv1dWGSL(kernel),
    buffers: [
      ...buffers.map((t) => t.storage),
      ...(kernel === 'forward' && !layout.hasBias ? [backend.unusedBinding] : []),
      out.storage,
    ],
    params: convParams(layout),
    workgroups: Math.ceil(out.size / CONV_WORKGROUP),
  }));
}

const positiveInt = (name: string, v: number) => {
  if (!Number.isInteger(v) || v <= 0)
    throw new Error(`conv1d: ${name} must be a positive integer, got ${v}`);
};

/**
 * 1-D convolution as torch.nn.functional.conv1d: x (B, Cin, L), weight (Cout, Cin / groups, K),
 * bias (Cout) → (B, Cout, Lout) with Lout = ⌊(L + padLeft + padRight − dilation·(K − 1) − 1) / stride⌋ + 1.
 * Backward: dx is the transposed convolution of g, dweight the correlation of g with x
 * (each a dedicated kernel), dbias = Σ_{b,t} g.
 */
export function conv1d(
  x: Tensor,
  weight: Tensor,
  bias?: Tensor | null,
  options: Conv1dOptions = {},
): Tensor {
  const stride = options.stride ?? 1;
  const dilation = options.dilation ?? 1;
  const groups = options.groups ?? 1;
  positiveInt('stride', stride);
  positiveInt('dilation', dilation);
  positiveInt('groups', groups);
  requireFloat('conv1d', x);
  requireFloat('conv1d', weight);
  sameDevice('conv1d', bias ? [x, weight, bias] : [x, weight]);
  if (x.rank !== 3)
    throw new Error(`conv1d: expected input of shape (B, Cin, L), got ${shapeToString(x.shape)}`);
  if (weight.rank !== 3)
    throw new Error(
      `conv1d: expected weight of shape (Cout, Cin / groups, K), got ${shapeToString(weight.shape)}`,
    );
  const [batch, cin, lin] = x.shape;
  const [cout, cinG, k] = weight.shape;
  if (cin % groups !== 0 || cout % groups !== 0 || cinG !== cin / groups)
    throw new Error(
      `conv1d: with groups=${groups}, input ${shapeToString(x.shape)} needs weight (Cout, ${cin / groups}, K) with Cout divisible by ${groups}, got ${shapeToString(weight.shape)}`,
    );
  if (bias && (bias.rank !== 1 || bias.shape[0] !== cout))
    throw new Error(`conv1d: expected bias of shape (${cout}), got ${shapeToString(bias.shape)}`);
  const padding = options.padding ?? 0;
  const [padLeft, padRight] =
    padding === 'causal'
      ? [dilation * (k - 1), 0]
      : typeof padding === 'number'
        ? [padding, padding]
        : padding;
  if (![padLeft, padRight].every((p) => Number.isInteger(p) && p >= 0))
    throw new Error(
      `conv1d: padding must be non-negative integers, got ${JSON.stringify(padding)}`,
    );
  const span = dilation * (k - 1) + 1;
  const lout = Math.floor((lin + padLeft + padRight - span) / stride) + 1;
  if (lout < 1)
    throw new Error(
      `conv1d: input length ${lin} with padding (${padLeft}, ${padRight}) is shorter than the kernel span ${span}`,
    );
  const xs = contiguous(x);
  const ws = contiguous(weight);
  const bs = bias ? contiguous(bias) : null;
  const layout: ConvLayout = {
    batch,
    cin,
    lin,
    cout,
    k,
    lout,
    groups,
    stride,
    padLeft,
    dilation,
    offX: xs.offset,
    offW: ws.offset,
    offB: bs?.offset ?? 0,
    offG: 0,
    hasBias: !!bs,
  };
  const out = empty([batch, cout, lout], { device: x.device });
  launch('forward', out, layout, bs ? [xs, ws, bs] : [xs, ws], () =>
    conv1dReference(layout, cpuData(xs), cpuData(ws), bs ? cpuData(bs) : null, cpuData(out)),
  );
  if (bs && bs !== bias) bs.dispose();
  const inputs = bias ? [x, weight, bias] : [x, weight];
  record(out, 'conv1d', inputs, (g) => {
    const gc = contiguous(g);
    const gl = { ...layout, offG: gc.offset };
    let dx: Tensor | null = null;
    let dw: Tensor | null = null;
    if (x.requiresGrad) {
      const d = empty(x.shape, { device: x.device });
      launch('input', d, gl, [gc, ws], () =>
        conv1dInputGradReference(gl, cpuData(gc), cpuData(ws), cpuData(d)),
      );
      dx = d;
    }
    if (weight.requiresGrad) {
      const d = empty(weight.shape, { device: x.device });
      launch('weight', d, gl, [gc, xs], () =>
        conv1dWeightGradReference(gl, cpuData(gc), cpuData(xs), cpuData(d)),
      );
      dw = d;
    }
    const grads = [dx, dw];
    if (bias) grads.push(bias.requiresGrad ? sum(g, [0, 2]) : null);
    return grads;
  });
  if (!out.requiresGrad) {
    if (xs !== x) xs.dispose();
    if (ws !== weight) ws.dispose();
  }
  return out;
}
