/**
 * The adding-problem lab of `@scratchseq/rnn`, with LSTM and GRU beside the Elman RNN: each
 * model is trained at increasing delays; one table gives accuracy and wall time per delay,
 * and one picture per delay puts the three models' ‖∂L/∂h_t‖ against t side by side.
 *
 *   npx tsx packages/lstm/examples/adding-lab.ts [--delays 10,25,50] [--steps 400] [--out lstm-lab]
 *
 * Accuracy: the fraction of 512 test sequences answered within 0.04 of the target (the
 * criterion of Hochreiter & Schmidhuber 1997); always answering 1 scores about 7%.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as g from '@scratchseq/gpu';
import {
  addingProblem,
  clipGradNorm,
  gradientNormChartSvg,
  gradientNormsThroughTime,
  RNN,
} from '@scratchseq/rnn';
import { GRU, LSTM } from '../src/index.js';

export type ModelKind = 'elman' | 'gru' | 'lstm';

export interface LabOptions {
  delays: number[];
  steps: number;
  models?: ModelKind[];
  hidden?: number;
  batchSize?: number;
  lr?: number;
  outDir: string;
  log?: (line: string) => void;
}

export interface LabResult {
  model: ModelKind;
  delay: number;
  accuracy: number;
  testMse: number;
  seconds: number;
  /** ‖∂L/∂h_t‖ after training, t = 0 .. delay − 1. */
  gradientNorms: number[];
}

type Tap = (t: number, h: g.Tensor) => g.Tensor;

/** A recurrent layer plus a linear read-out of the last step; all three share it. */
function makeModel(kind: ModelKind, H: number) {
  const layer =
    kind === 'lstm'
      ? new LSTM(2, H, { forgetBias: 1 })
      : kind === 'gru'
        ? new GRU(2, H)
        : new RNN(2, H);
  const head = new g.nn.Linear(H, 1);
  const predict = (inputs: g.Tensor, tap?: Tap) => {
    const x = g.transpose(inputs, 0, 1); // (T, B, 2)
    const [T, B] = x.shape;
    const output = layer.forward(x, null, { tap }).output; // (T, B, H)
    return head.forward(g.reshape(g.slice(output, 0, T - 1, T), [B, H])); // (B, 1)
  };
  return { params: [...layer.parameters(), ...head.parameters()], predict };
}

export async function runAddingLab(options: LabOptions): Promise<LabResult[]> {
  const log = options.log ?? console.log;
  const H = options.hidden ?? 32;
  const B = options.batchSize ?? 64;
  const models = options.models ?? ['elman', 'gru', 'lstm'];
  mkdirSync(options.outDir, { recursive: true });
  const results: LabResult[] = [];
  for (const T of options.delays) {
    const runs: LabResult[] = [];
    for (const kind of models) {
      const start = performance.now();
      g.manualSeed(1);
      const model = makeModel(kind, H);
      const opt = new g.optim.Adam(model.params, { lr: options.lr ?? 0.01 });
      for (let step = 0; step < options.steps; step++) {
        g.scope(() => {
          const { inputs, targets } = addingProblem({
            batchSize: B,
            length: T,
            seed: 1000 * T + step,
          });
          const loss = g.mseLoss(model.predict(inputs), targets);
          loss.backward();
          clipGradNorm(model.params, 1);
          opt.step();
          opt.zeroGrad();
        });
        // Wait for the device now and then: recording runs ahead of the GPU otherwise, and an
        // unbounded queue of submitted work exhausts the (software) driver.
        if ((step + 1) % 50 === 0) await g.getDevice().sync();
        if ((step + 1) % Math.max(1, Math.floor(options.steps / 4)) === 0) {
          const rate = (step + 1) / ((performance.now() - start) / 1000);
          log(
            `  ${kind} T=${T}: step ${step + 1}/${options.steps} (${rate.toFixed(1)} steps/s, ETA ${((options.steps - step - 1) / rate).toFixed(0)} s)`,
          );
        }
      }
      const test = addingProblem({ batchSize: 512, length: T, seed: 7 });
      const pred = await g.noGrad(() => g.scope(() => model.predict(test.inputs))).toArray();
      const want = await test.targets.toArray();
      let hits = 0;
      let se = 0;
      for (let i = 0; i < want.length; i++) {
        if (Math.abs(pred[i] - want[i]) < 0.04) hits++;
        se += (pred[i] - want[i]) ** 2;
      }
      const seconds = (performance.now() - start) / 1000;
      const probe = addingProblem({ batchSize: B, length: T, seed: 8 });
      const { norms } = await gradientNormsThroughTime((tap) =>
        g.mseLoss(model.predict(probe.inputs, tap), probe.targets),
      );
      const r: LabResult = {
        model: kind,
        delay: T,
        accuracy: hits / want.length,
        testMse: se / want.length,
        seconds,
        gradientNorms: Array.from(norms),
      };
      runs.push(r);
      log(
        `${kind} T=${T}: accuracy ${(100 * r.accuracy).toFixed(1)}%, test MSE ${r.testMse.toFixed(4)}, ${seconds.toFixed(1)} s`,
      );
    }
    results.push(...runs);
    writeFileSync(
      join(options.outDir, `grad-norms-T${T}.svg`),
      gradientNormChartSvg(
        runs.map((r) => ({
          label: `${r.model} (acc ${(100 * r.accuracy).toFixed(0)}%)`,
          norms: r.gradientNorms,
        })),
        { title: `Adding problem, T = ${T}: gradient norm through time after training` },
      ),
    );
  }
  writeFileSync(join(options.outDir, 'results.json'), JSON.stringify(results, null, 2));
  writeFileSync(join(options.outDir, 'table.md'), labTable(results));
  return results;
}

/** Markdown: one row per delay, accuracy and wall time per model. */
export function labTable(results: LabResult[]): string {
  const models = [...new Set(results.map((r) => r.model))];
  const delays = [...new Set(results.map((r) => r.delay))];
  const head = `| delay T | ${models.map((m) => `${m} accuracy | ${m} time`).join(' | ')} |`;
  const rule = `|---|${models.map(() => '---|---').join('|')}|`;
  const rows = delays.map((T) => {
    const cells = models.map((m) => {
      const r = results.find((x) => x.model === m && x.delay === T)!;
      return `${(100 * r.accuracy).toFixed(1)}% | ${r.seconds.toFixed(1)} s`;
    });
    return `| ${T} | ${cells.join(' | ')} |`;
  });
  return `${[head, rule, ...rows].join('\n')}\n`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: {
      delays: { type: 'string', default: '10,25,50' },
      steps: { type: 'string', default: '400' },
      out: { type: 'string', default: 'lstm-lab' },
    },
  });
  const device = await g.init();
  console.log(device.describe());
  const results = await runAddingLab({
    delays: values.delays.split(',').map(Number),
    steps: Number(values.steps),
    outDir: values.out,
  });
  console.log(`\n${labTable(results)}`);
}
