// Trains the Bengio et al. (2003) neural LM and a modified Kneser-Ney model on the same names
// (the project-wide split of names.txt) and prints both held-out perplexities side by side.
//
//   pnpm --filter @scratchseq/ngram build && npx tsx packages/ngram/examples/bengio-vs-kneser-ney.ts [names.txt] [--steps N]
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { init } from '@scratchseq/gpu';
import { NeuralNgramModel, NgramModel, namesSplit } from '@scratchseq/ngram';

export interface ComparisonOptions {
  namesPath?: string;
  /** Use only this many training names (all by default). */
  trainNames?: number;
  steps?: number;
  log?: (line: string) => void;
}

export async function compare(options: ComparisonOptions = {}) {
  const log = options.log ?? console.log;
  const path =
    options.namesPath ??
    fileURLToPath(new URL('../../../../shared/data/names.txt', import.meta.url));
  const split = namesSplit(readFileSync(path, 'utf8'));
  const train = split.train.slice(0, options.trainNames).map((name) => [...name]);
  const test = split.test.map((name) => [...name]);
  const order = 5;

  const kn = NgramModel.fit(train, {
    order,
    estimator: { kind: 'modified-kneser-ney', discountFallback: [0.5, 1, 1.5] },
    padding: 'single-end',
  });
  const neural = await NeuralNgramModel.train(train, {
    order,
    embeddingDim: 16,
    hiddenSize: 200,
    steps: options.steps ?? 6000,
    batchSize: 256,
    seed: 42,
    onProgress: (p) =>
      log(
        `step ${p.step}/${p.totalSteps}  loss ${p.loss.toFixed(3)}  ${p.examplesPerSecond.toFixed(0)} examples/s  ETA ${p.etaSeconds.toFixed(0)} s`,
      ),
  });
  // Both models pad the same way ('single-end'), so they predict the same test characters.
  const results = [
    { model: kn.name, ...kn.evaluate(test, { breakdown: false }) },
    { model: neural.name, ...neural.evaluate(test, { breakdown: false }) },
  ];
  for (const r of results) {
    log(
      `${r.model.padEnd(64)} perplexity ${r.perplexity.toFixed(3)}  (${r.crossEntropyNats.toFixed(4)} nats/char over ${r.tokenCount} chars)`,
    );
  }
  neural.dispose();
  return results;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const args = process.argv.slice(2);
  const stepsAt = args.indexOf('--steps');
  await init();
  await compare({
    namesPath: args.find((a, i) => !a.startsWith('--') && args[i - 1] !== '--steps'),
    steps: stepsAt >= 0 ? Number(args[stepsAt + 1]) : undefined,
  });
}
