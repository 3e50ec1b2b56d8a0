import { createDevice, setDevice } from '@scratchseq/gpu';
import { expect, test } from 'vitest';
import { CharTokenizer, GPT, TextDataset, Trainer } from '../src/index.js';

/** A small embedded corpus: four rhyming lines, repeated, so a tiny model can learn it fast. */
const corpus = [
  'the cat sat on the mat and the dog lay by the door.\n',
  'the sun rose over the hill and the birds sang once more.\n',
  'a fox ran into the wood and the owl flew over the moor.\n',
  'the rain fell on the town and the river rose to the shore.\n',
]
  .join('')
  .repeat(12);

test('[webgpu] a tiny GPT learns the embedded text: validation loss from ≈ ln(vocab) to below 1.3 nats in 100 steps', async () => {
  const device = await createDevice({ backend: 'webgpu' });
  setDevice(device);
  const tokenizer = CharTokenizer.fromText(corpus);
  const model = new GPT(
    {
      vocabSize: tokenizer.vocabSize,
      blockSize: 16,
      nLayer: 2,
      nHead: 2,
      nEmbd: 32,
      dropout: 0,
      bias: true,
      tieWeights: true,
    },
    { seed: 1, device },
  );
  const trainer = new Trainer(model, new TextDataset(tokenizer.encode(corpus), { seed: 1 }), {
    maxIters: 100,
    batchSize: 16,
    blockSize: 16,
    learningRate: 2e-2,
    warmupIters: 10,
    evalInterval: 0,
    evalIters: 4,
  });
  const first = await trainer.evaluate();
  // Before training: about the entropy of a uniform guess, ln(vocabulary size).
  expect(first.valLoss).toBeGreaterThan(Math.log(tokenizer.vocabSize) - 0.5);
  const history = await trainer.run();
  const last = history.evals.at(-1)!;
  expect(last.iter).toBe(100);
  expect(last.valLoss).toBeLessThan(1.3);
  expect(last.trainLoss).toBeLessThan(1.3);
});
