import { sample } from '@scratchseq/decoding';
import { createDevice, crossEntropy, type Device, Generator, tensor } from '@scratchseq/gpu';
import { describe, expect, it } from 'vitest';
import {
  BengioNetwork,
  contextTargetPairs,
  hostLogits,
  NeuralNgramModel,
  NgramModel,
  neuralNextTokenModel,
  readHostWeights,
} from '../src/index.js';
import { syntheticCorpus } from './helpers.js';

let webgpu: Promise<Device> | undefined;
let cpu64: Promise<Device> | undefined;
const webgpuDevice = () => (webgpu ??= createDevice({ backend: 'webgpu' }));
const cpuDevice64 = () => (cpu64 ??= createDevice({ backend: 'cpu', precision: 'f64' }));

const corpus = syntheticCorpus(400, 3);
const heldOut = syntheticCorpus(100, 4);

describe('Bengio et al. (2003) neural n-gram model', () => {
  let trained: NeuralNgramModel;

  it('[webgpu] learns the synthetic corpus: held-out loss below 1.9 nats/token, no worse than modified KN', async () => {
    const device = await webgpuDevice();
    const progress: number[] = [];
    trained = await NeuralNgramModel.train(corpus, {
      order: 3,
      embeddingDim: 8,
      hiddenSize: 32,
      directConnections: true,
      steps: 300,
      batchSize: 128,
      learningRate: 0.02,
      seed: 1,
      device,
      progressEvery: 100,
      onProgress: (p) => progress.push(p.loss),
    });
    expect(progress).toHaveLength(3);
    expect(progress[2]).toBeLessThan(progress[0]);
    const neural = trained.evaluate(heldOut).crossEntropyNats;
    const kn = NgramModel.fit(corpus, {
      order: 3,
      estimator: { kind: 'modified-kneser-ney', discountFallback: [0.5, 1, 1.5] },
      padding: 'single-end',
    }).evaluate(heldOut).crossEntropyNats;
    // Uniform over the 11 symbols (8 letters, <s>, </s>, <UNK>) is ln 11 = 2.40 nats; the chain's
    // transitions are skewed (60% of steps go 1 or 2 letters on). Measured: neural 1.85, KN 1.96.
    expect(neural).toBeLessThan(1.9);
    expect(neural).toBeLessThan(kn + 0.05);
  });

  it('[webgpu] host scoring (float64, eq. 1 by hand) matches the device forward', async () => {
    const contexts = [
      [0, 1],
      [2, 3],
      [5, 5],
    ];
    const onDevice = await trained.deviceLogits(contexts).toArray();
    const v = trained.vocabulary.size;
    contexts.forEach((context, row) => {
      const logProbs = trained.logDistributionOfIds(context);
      const max = Math.max(...onDevice.subarray(row * v, (row + 1) * v));
      let total = 0;
      for (let i = 0; i < v; i++) total += Math.exp(onDevice[row * v + i] - max);
      for (let i = 0; i < v; i++) {
        expect(onDevice[row * v + i] - max - Math.log(total)).toBeCloseTo(logProbs[i], 4);
      }
    });
  });

  it('[webgpu] probabilities sum to 1 for seen, unseen and short contexts', () => {
    for (const context of [['a', 'b'], ['h', 'h'], ['b'], [], ['nope', 'x']]) {
      const total = trained.distribution(context).reduce((a, b) => a + b, 0);
      expect(total).toBeCloseTo(1, 12);
    }
    expect(trained.score('c', ['a', 'b'])).toBeCloseTo(
      trained.distribution(['a', 'b'])[trained.vocabulary.idOf('c')],
      15,
    );
  });

  it('[cpu] gradients of the runtime graph match finite differences of the host forward (f64)', async () => {
    const device = await cpuDevice64();
    const config = {
      vocabSize: 7,
      order: 3,
      embeddingDim: 3,
      hiddenSize: 4,
      directConnections: true,
    };
    const network = new BengioNetwork(config, { device, generator: new Generator(2) });
    const { contexts, targets } = contextTargetPairs(
      [
        [0, 0, 1, 2, 3, 6],
        [0, 0, 4, 5, 6],
      ],
      3,
    );
    const x = tensor(contexts, { shape: [targets.length, 2], dtype: 'i32', device });
    const y = tensor(targets, { dtype: 'i32', device });
    crossEntropy(network.forward(x), y).backward();
    // The oracle: mean −ln softmax(eq. 1) computed by hostLogits, perturbing one weight at a time.
    const weights = await readHostWeights(network);
    const loss = () => {
      let total = 0;
      const logits = new Float64Array(config.vocabSize);
      for (let e = 0; e < targets.length; e++) {
        hostLogits(config, weights, contexts.subarray(2 * e, 2 * e + 2), logits);
        const max = Math.max(...logits);
        const lse = max + Math.log(logits.reduce((s, l) => s + Math.exp(l - max), 0));
        total += lse - logits[targets[e]];
      }
      return total / targets.length;
    };
    const pairs: [Float64Array, Float64Array][] = [
      [weights.C, Float64Array.from(await network.C.weight.grad!.toArray())],
      [weights.H!, Float64Array.from(await network.H!.weight.grad!.toArray())],
      [weights.d!, Float64Array.from(await network.H!.bias!.grad!.toArray())],
      [weights.U!, Float64Array.from(await network.U!.weight.grad!.toArray())],
      [weights.b, Float64Array.from(await network.U!.bias!.grad!.toArray())],
      [weights.W!, Float64Array.from(await network.W!.weight.grad!.toArray())],
    ];
    const eps = 1e-6;
    for (const [values, grad] of pairs) {
      for (let i = 0; i < values.length; i++) {
        const saved = values[i];
        values[i] = saved + eps;
        const up = loss();
        values[i] = saved - eps;
        const down = loss();
        values[i] = saved;
        expect(grad[i]).toBeCloseTo((up - down) / (2 * eps), 7);
      }
    }
  });

  it('[webgpu] plugs into @scratchseq/decoding: device scores sampled on the device match the model', async () => {
    const model = neuralNextTokenModel(trained);
    const { sequences } = await sample(model, [], {
      maxLength: 1,
      numReturnSequences: 20,
      seed: 1,
      deviceVocabThreshold: 1,
    });
    const start = trained.distribution([]);
    for (const s of sequences) {
      expect(s.tokenLogProbs[0]).toBeCloseTo(Math.log(start[s.tokens[0]]), 4);
    }
    const host = neuralNextTokenModel(trained, { scores: 'host' });
    const out = await host.step(Int32Array.of(1), [[0, 0]]);
    expect(out.scores).toBeInstanceOf(Float32Array);
    expect((out.scores as Float32Array).length).toBe(trained.vocabulary.size);
  });

  it('[cpu] bad configurations name the fix', async () => {
    const device = await cpuDevice64();
    await expect(NeuralNgramModel.train(corpus, { order: 1, device })).rejects.toThrow(/order/);
    await expect(
      NeuralNgramModel.train(corpus, { padding: 'none' as 'nltk', device }),
    ).rejects.toThrow(/single-end/);
    await expect(NeuralNgramModel.train(corpus, { hiddenSize: 0, device })).rejects.toThrow(
      /directConnections/,
    );
  });
});
