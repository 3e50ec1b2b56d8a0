/**
 * A character-level language model: Embedding → RNN → Linear, trained with truncated BPTT
 * over the text as a long stream (state carried between chunks), with validation perplexity
 * and samples.
 *
 *   npx tsx packages/rnn/examples/char-lm.ts [--file my.txt] [--epochs 3] [--hidden 128]
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import * as g from '@scratchseq/gpu';
import { batchifyStream, clipGradNorm, RNN, StateCarrier, truncatedBPTT } from '@scratchseq/rnn';

/** A small default text (written for this example). */
export const DEFAULT_TEXT =
  `The river runs past the mill and under the old stone bridge. In spring the water is high
and brown, and the miller's children watch it from the bank. In summer the water is low and
clear, and the children wade across to the island where the herons stand. The herons stand
very still. They watch the water, and the water runs on past the mill and under the bridge.
In autumn the leaves fall into the river and float away, red and yellow, past the mill and
under the bridge and out of sight. In winter the river is quiet. Ice forms along the bank,
and the children walk on the frozen edge and listen to the water running under the ice.
`.repeat(3);

export interface CharLmOptions {
  text?: string;
  epochs?: number;
  hidden?: number;
  chunkLength?: number;
  batchSize?: number;
  lr?: number;
  sampleLength?: number;
  seed?: number;
  log?: (line: string) => void;
}

export interface CharLmResult {
  vocabulary: string;
  trainLosses: number[];
  validationPerplexity: number;
  /** exp(entropy of the unigram distribution): a model that ignores context. */
  unigramPerplexity: number;
  sample: string;
}

class CharModel extends g.nn.Module {
  embed: g.nn.Embedding;
  rnn: RNN;
  head: g.nn.Linear;
  constructor(vocab: number, hidden: number) {
    super();
    this.embed = new g.nn.Embedding(vocab, 32);
    this.rnn = new RNN(32, hidden);
    this.head = new g.nn.Linear(hidden, vocab);
  }
  /** ids (T, B) → logits (T, B, V), final state (1, B, H). */
  forward(ids: g.Tensor, h?: g.Tensor): { logits: g.Tensor; h: g.Tensor } {
    const { output, hN } = this.rnn.forward(this.embed.forward(ids), h);
    return { logits: this.head.forward(output), h: hN };
  }
}

export async function trainCharLm(options: CharLmOptions = {}): Promise<CharLmResult> {
  const log = options.log ?? console.log;
  const text = options.text ?? DEFAULT_TEXT;
  const vocabulary = [...new Set(text)].sort().join('');
  const V = vocabulary.length;
  const ids = Array.from(text, (c) => vocabulary.indexOf(c));
  const split = Math.floor(ids.length * 0.9);
  const B = options.batchSize ?? 8;
  const L = options.chunkLength ?? 32;
  g.manualSeed(options.seed ?? 0);
  const model = new CharModel(V, options.hidden ?? 128);
  const opt = new g.optim.Adam(model.parameters(), { lr: options.lr ?? 0.005 });
  const train = batchifyStream(ids.slice(0, split), B);
  const xent = (logits: g.Tensor, targets: g.Tensor) =>
    g.crossEntropy(g.reshape(logits, [-1, V]), g.reshape(targets, [-1]));
  const trainLosses: number[] = [];
  for (let epoch = 0; epoch < (options.epochs ?? 3); epoch++) {
    const start = performance.now();
    const { losses } = await truncatedBPTT<g.Tensor>({
      stream: train,
      chunkLength: L,
      step: ({ inputs, targets }, h) => {
        const { logits, h: hN } = model.forward(inputs, h);
        const loss = xent(logits, targets);
        loss.backward();
        clipGradNorm(model.parameters(), 1);
        opt.step();
        opt.zeroGrad();
        return { loss, state: hN };
      },
    });
    const mean = losses.reduce((a, b) => a + b, 0) / losses.length;
    trainLosses.push(mean);
    const secs = (performance.now() - start) / 1000;
    log(
      `epoch ${epoch + 1}: train loss ${mean.toFixed(3)} (${(losses.length / secs).toFixed(1)} chunks/s, ${secs.toFixed(1)} s)`,
    );
  }
  // Validation: the held-out tail as one stream, state carried chunk to chunk.
  const valid = batchifyStream(ids.slice(split), 1);
  const carrier = new StateCarrier<g.Tensor>();
  let nll = 0;
  let count = 0;
  for (let s = 0; s + 1 < valid.shape[0]; s += L) {
    const n = Math.min(L, valid.shape[0] - 1 - s);
    const loss = g.noGrad(() =>
      g.scope(() => {
        const { logits, h } = model.forward(g.slice(valid, 0, s, s + n), carrier.state);
        carrier.carry(h);
        return xent(logits, g.slice(valid, 0, s + 1, s + n + 1));
      }),
    );
    nll += (await loss.item()) * n;
    count += n;
  }
  const validationPerplexity = Math.exp(nll / count);
  const freq = new Array<number>(V).fill(0);
  for (const i of ids) freq[i]++;
  const unigramPerplexity = Math.exp(
    -freq.reduce((s, f) => (f ? s + (f / ids.length) * Math.log(f / ids.length) : s), 0),
  );
  // Sampling at temperature 0.8 from a prompt.
  let out = 'The ';
  const sampler = new StateCarrier<g.Tensor>();
  let next = Array.from(out, (c) => vocabulary.indexOf(c));
  const random = mulberry(options.seed ?? 0);
  for (let i = 0; i < (options.sampleLength ?? 120); i++) {
    const probs = await g
      .noGrad(() =>
        g.scope(() => {
          const { logits, h } = model.forward(
            g.tensor(Int32Array.from(next), { shape: [next.length, 1] }),
            sampler.state,
          );
          sampler.carry(h);
          return g.softmax(g.mul(g.slice(logits, 0, next.length - 1, next.length), 1 / 0.8), -1);
        }),
      )
      .toArray();
    let r = random();
    let k = 0;
    while (k < V - 1 && (r -= probs[k]) > 0) k++;
    out += vocabulary[k];
    next = [k];
  }
  log(
    `validation perplexity ${validationPerplexity.toFixed(2)} (unigram ${unigramPerplexity.toFixed(2)})`,
  );
  log(`sample: ${JSON.stringify(out)}`);
  return { vocabulary, trainLosses, validationPerplexity, unigramPerplexity, sample: out };
}

function mulberry(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: {
      file: { type: 'string' },
      epochs: { type: 'string', default: '3' },
      hidden: { type: 'string', default: '128' },
    },
  });
  const device = await g.init();
  console.log(device.describe());
  await trainCharLm({
    text: values.file ? readFileSync(values.file, 'utf8') : undefined,
    epochs: Number(values.epochs),
    hidden: Number(values.hidden),
  });
}
