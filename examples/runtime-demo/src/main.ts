/**
 * The runtime demo: which adapter runs the kernels, a matmul checked against the CPU
 * reference, and a two-layer MLP trained on a spiral dataset with a progress line.
 *
 *   pnpm start                       (from the repository root)
 *   pnpm start -- --steps 100
 */
import { pathToFileURL } from 'node:url';
import type { Device, Tensor } from '@scratchseq/gpu';
import * as g from '@scratchseq/gpu';
import { progress } from './progress.js';
import { spiral } from './spiral.js';

export interface DemoResult {
  backend: string;
  matmulMaxError: number;
  firstLoss: number;
  finalLoss: number;
  accuracy: number;
}

export async function runDemo(
  steps = 300,
  log: (line: string) => void = console.log,
): Promise<DemoResult> {
  const device = await g.init();
  log(`backend: ${device.describe()}`);
  const features = device.adapter?.features.filter((f) =>
    ['subgroups', 'shader-f16', 'timestamp-query'].includes(f),
  );
  if (features) log(`features: ${features.join(', ')}`);

  const matmulMaxError = await checkMatmul(device);
  log(
    `matmul 256×256 · 256×256: max |webgpu − cpu reference| = ${matmulMaxError.toExponential(2)}`,
  );

  // Three interleaved spiral arms: not linearly separable, easy for a small MLP.
  const data = spiral(100, 3, 1);
  const x = g.tensor(data.points, { shape: [data.count, 2] }).keep(); // (N, 2)
  const oneHot = g
    .tensor(
      data.labels.flatMap((label) =>
        Array.from({ length: data.classes }, (_, c) => (c === label ? 1 : 0)),
      ),
      { shape: [data.count, data.classes] },
    )
    .keep(); // (N, 3)
  g.manualSeed(0);
  const hidden = 64;
  const params = [
    g.randn([2, hidden], { std: 1 }), // w1 (2, H), He init for ReLU with fan-in 2
    g.zeros([hidden]), // b1 (H)
    g.randn([hidden, data.classes], { std: Math.sqrt(1 / hidden) }), // w2 (H, 3)
    g.zeros([data.classes]), // b2 (3)
  ];
  for (const p of params) {
    p.keep();
    p.requiresGrad = true;
  }
  const [w1, b1, w2, b2] = params;
  const logits = () => g.add(g.matmul(g.relu(g.add(g.matmul(x, w1), b1)), w2), b2); // (N, 3)
  // Cross-entropy with one-hot targets: −mean Σ_c y_c · log softmax(z)_c.
  const lossOf = (z: Tensor) => g.neg(g.mean(g.sum(g.mul(oneHot, g.logSoftmax(z)), -1)));

  const bar = progress(steps, 'training MLP');
  let firstLoss = Number.NaN;
  let finalLoss = Number.NaN;
  for (let step = 1; step <= steps; step++) {
    const loss = g.scope(() => {
      const l = lossOf(logits());
      l.backward();
      g.noGrad(() => {
        for (const p of params) {
          g.assign(p, g.sub(p, g.mul(p.grad!, 1.0))); // SGD, lr 1.0, in place
          p.grad!.dispose();
          p.grad = null;
        }
      });
      return l;
    });
    // Reading the loss waits for the device: only when it is shown.
    if (step === 1 || step % 25 === 0 || step === steps) {
      const value = await loss.item();
      if (step === 1) firstLoss = value;
      finalLoss = value;
      bar.update(step, `loss ${value.toFixed(4)}`);
    }
    loss.dispose();
  }
  bar.done();
  const predicted = await g.noGrad(() => g.scope(() => g.argmax(logits(), -1))).toArray();
  const hits = data.labels.filter((label, i) => predicted[i] === label).length;
  const accuracy = hits / data.count;
  log(
    `loss ${firstLoss.toFixed(3)} → ${finalLoss.toFixed(3)}, training accuracy ${(accuracy * 100).toFixed(1)}%`,
  );
  return { backend: device.kind, matmulMaxError, firstLoss, finalLoss, accuracy };
}

async function checkMatmul(device: Device): Promise<number> {
  const cpu = await g.createDevice({ backend: 'cpu' });
  g.manualSeed(1, cpu);
  const a = await g.randn([256, 256], { device: cpu }).toArray();
  const b = await g.randn([256, 256], { device: cpu }).toArray();
  const onCpu = await g
    .matmul(
      g.tensor(a, { shape: [256, 256], device: cpu }),
      g.tensor(b, { shape: [256, 256], device: cpu }),
    )
    .toArray();
  const onDevice = await g
    .matmul(g.tensor(a, { shape: [256, 256], device }), g.tensor(b, { shape: [256, 256], device }))
    .toArray();
  let maxError = 0;
  for (let i = 0; i < onCpu.length; i++)
    maxError = Math.max(maxError, Math.abs(onDevice[i] - onCpu[i]));
  return maxError;
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const i = process.argv.indexOf('--steps');
  await runDemo(i >= 0 ? Number(process.argv[i + 1]) : 300);
  process.exit(0);
}
