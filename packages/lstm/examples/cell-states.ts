/**
 * What do LSTM cells track? After Karpathy, Johnson & Fei-Fei, "Visualizing and Understanding
 * Recurrent Networks" (2015): train a character-level LSTM, read every cell state c_t over a
 * passage with `inspect: true`, find the cells that correlate best with two things a text
 * model must track — being inside a quotation, and the position within the line — and draw
 * the passage with each character shaded by that cell (blue negative, red positive).
 *
 *   npx tsx packages/lstm/examples/cell-states.ts [--steps 1500] [--hidden 128] [--out lstm-cells]
 *
 * Corpus: ../shared/data/tinyshakespeare.txt has line structure but no double quotes, so the
 * training text wraps a random span of words in about a third of its lines in quotes (seeded):
 * to close a quote the model has to remember that one is open.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as g from '@scratchseq/gpu';
import { escapeXml } from '@scratchseq/metrics';
import { seededRandom } from '@scratchseq/rnn';
import { LSTM } from '../src/index.js';

const DATA = new URL('../../../../shared/data/tinyshakespeare.txt', import.meta.url);

export interface CellStateOptions {
  steps: number;
  /** Text to learn (default ../shared/data/tinyshakespeare.txt). */
  dataPath?: string | URL;
  hidden?: number;
  /** Characters of the corpus used (default all). */
  corpusChars?: number;
  seqLength?: number;
  batchSize?: number;
  passageChars?: number;
  outDir?: string;
  log?: (line: string) => void;
}

export interface TrackedCell {
  feature: 'inside quotes' | 'position in line';
  cell: number;
  /** Pearson correlation of c_t with the feature over the passage. */
  correlation: number;
}

export interface CellStateResult {
  trainLoss: number;
  cells: TrackedCell[];
  svg: string;
}

/** Wraps a random word span of about a third of the lines in double quotes (seeded). */
export function quoteCorpus(text: string, seed = 1): string {
  const random = seededRandom(seed);
  return text
    .split('\n')
    .map((line) => {
      const words = line.split(' ');
      if (words.length < 3 || random() > 0.35) return line;
      const a = Math.floor(random() * (words.length - 1));
      const b = a + 1 + Math.floor(random() * (words.length - a - 1));
      words[a] = `"${words[a]}`;
      words[b] = `${words[b]}"`;
      return words.join(' ');
    })
    .join('\n');
}

/** Per-character features of a passage: inside a quotation (1/0), characters since the newline. */
function features(text: string): { quote: number[]; column: number[] } {
  const quote: number[] = [];
  const column: number[] = [];
  let open = false;
  let col = 0;
  for (const ch of text) {
    if (ch === '"') open = !open;
    quote.push(open ? 1 : 0);
    column.push(col);
    col = ch === '\n' ? 0 : col + 1;
  }
  return { quote, column };
}

function pearson(x: ArrayLike<number>, y: ArrayLike<number>): number {
  const n = x.length;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += x[i] / n;
    my += y[i] / n;
  }
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) ** 2;
    syy += (y[i] - my) ** 2;
  }
  return sxx > 0 && syy > 0 ? sxy / Math.sqrt(sxx * syy) : 0;
}

/** Blue (−1) – white (0) – red (+1). */
function shade(v: number): string {
  const t = Math.max(-1, Math.min(1, v));
  const a = Math.round(255 * (1 - Math.abs(t)));
  return t >= 0 ? `rgb(255,${a},${a})` : `rgb(${a},${a},255)`;
}

/** The passage drawn once per tracked cell, each character on a background of tanh(c_t). */
export function cellTextSvg(
  text: string,
  panels: { title: string; values: ArrayLike<number> }[],
): string {
  const cw = 8;
  const lh = 16;
  const lines = text.split('\n');
  const width = Math.max(...lines.map((l) => l.length), 20) * cw + 20;
  const panelHeight = (lines.length + 2) * lh;
  const parts: string[] = [];
  panels.forEach((p, k) => {
    const y0 = k * panelHeight;
    parts.push(
      `<text x="10" y="${y0 + lh}" font-family="system-ui, sans-serif" font-size="13" font-weight="bold">${escapeXml(p.title)}</text>`,
    );
    let i = 0;
    lines.forEach((line, r) => {
      const y = y0 + (r + 2) * lh;
      for (let c = 0; c <= line.length; c++, i++) {
        const x = 10 + c * cw;
        parts.push(
          `<rect x="${x}" y="${y - 12}" width="${cw}" height="${lh - 1}" fill="${shade(p.values[i])}"/>`,
        );
        if (c < line.length)
          parts.push(
            `<text x="${x + 1}" y="${y}" font-family="monospace" font-size="12">${escapeXml(line[c])}</text>`,
          );
      }
    });
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${panels.length * panelHeight}" viewBox="0 0 ${width} ${panels.length * panelHeight}"><rect width="100%" height="100%" fill="white"/>${parts.join('')}</svg>\n`;
}

export async function cellStates(options: CellStateOptions): Promise<CellStateResult> {
  const log = options.log ?? console.log;
  const raw = readFileSync(options.dataPath ?? DATA, 'utf8');
  const text = quoteCorpus(options.corpusChars ? raw.slice(0, options.corpusChars) : raw);
  const vocab = [...new Set(text)].sort();
  const id = new Map(vocab.map((ch, i) => [ch, i]));
  const V = vocab.length;
  const H = options.hidden ?? 128;
  const T = options.seqLength ?? 64;
  const B = options.batchSize ?? 32;
  const split = Math.floor(text.length * 0.9);
  g.manualSeed(0);
  const embed = new g.nn.Embedding(V, 32);
  const lstm = new LSTM(32, H, { forgetBias: 1 });
  const head = new g.nn.Linear(H, V);
  const params = [...embed.parameters(), ...lstm.parameters(), ...head.parameters()];
  const opt = new g.optim.Adam(params, { lr: 0.005 });
  const random = seededRandom(3);
  const ids = (s: string) => Int32Array.from(s, (ch) => id.get(ch)!);
  const start = performance.now();
  let trainLoss = Number.NaN;
  for (let step = 0; step < options.steps; step++) {
    const x = new Int32Array(T * B);
    const y = new Int32Array(T * B);
    for (let b = 0; b < B; b++) {
      const at = Math.floor(random() * (split - T - 1));
      const chunk = ids(text.slice(at, at + T + 1));
      for (let t = 0; t < T; t++) {
        x[t * B + b] = chunk[t];
        y[t * B + b] = chunk[t + 1];
      }
    }
    const loss = g.scope(() => {
      const h = lstm.forward(embed.forward(g.tensor(x, { shape: [T, B] }))).output; // (T, B, H)
      const l = g.crossEntropy(head.forward(g.reshape(h, [T * B, H])), g.tensor(y));
      l.backward();
      g.optim.clipGradNorm(params, 1);
      opt.step();
      opt.zeroGrad();
      return l.detach();
    });
    if (
      (step + 1) % Math.max(1, Math.floor(options.steps / 10)) === 0 ||
      step === options.steps - 1
    ) {
      trainLoss = await loss.item();
      const rate = (step + 1) / ((performance.now() - start) / 1000);
      log(
        `  step ${step + 1}/${options.steps}: loss ${trainLoss.toFixed(3)} (${rate.toFixed(1)} steps/s, ETA ${((options.steps - step - 1) / rate).toFixed(0)} s)`,
      );
    }
    loss.dispose();
    if ((step + 1) % 50 === 0) await g.getDevice().sync(); // keep the queue bounded
  }
  // A held-out passage with at least one quotation, read with inspect: true.
  const want = options.passageChars ?? 600;
  let from = split + text.slice(split).indexOf('\n"') + 1;
  if (from <= split) from = split;
  from = text.lastIndexOf('\n', from - 2) + 1;
  const passage = text.slice(from, from + want);
  const run = g.noGrad(() =>
    lstm.forward(embed.forward(g.tensor(ids(passage), { shape: [passage.length, 1] })), null, {
      inspect: true,
    }),
  );
  const cells = await run.inspection!.cells[0].toArray(); // (T, 1, H)
  const { quote, column } = features(passage);
  const cellSeries = (j: number) =>
    Array.from({ length: passage.length }, (_, t) => cells[t * H + j]);
  const best = (feature: number[]) => {
    let cell = 0;
    let corr = 0;
    for (let j = 0; j < H; j++) {
      const r = pearson(cellSeries(j), feature);
      if (Math.abs(r) > Math.abs(corr)) [cell, corr] = [j, r];
    }
    return { cell, corr };
  };
  const q = best(quote);
  const c = best(column);
  const tracked: TrackedCell[] = [
    { feature: 'inside quotes', cell: q.cell, correlation: q.corr },
    { feature: 'position in line', cell: c.cell, correlation: c.corr },
  ];
  const svg = cellTextSvg(
    passage,
    tracked.map((t) => ({
      title: `cell ${t.cell}: ${t.feature} (r = ${t.correlation.toFixed(2)}), shading tanh(c_t)`,
      values: cellSeries(t.cell).map(Math.tanh),
    })),
  );
  for (const t of tracked)
    log(`cell ${t.cell} tracks ${t.feature}: r = ${t.correlation.toFixed(3)}`);
  if (options.outDir) {
    mkdirSync(options.outDir, { recursive: true });
    writeFileSync(join(options.outDir, 'cell-states.svg'), svg);
    writeFileSync(
      join(options.outDir, 'cell-states.json'),
      JSON.stringify({ trainLoss, tracked }, null, 2),
    );
  }
  for (const p of params) p.dispose();
  return { trainLoss, cells: tracked, svg };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: {
      steps: { type: 'string', default: '1500' },
      hidden: { type: 'string', default: '128' },
      out: { type: 'string', default: 'lstm-cells' },
    },
  });
  const device = await g.init();
  console.log(device.describe());
  await cellStates({
    steps: Number(values.steps),
    hidden: Number(values.hidden),
    outDir: values.out,
  });
}
