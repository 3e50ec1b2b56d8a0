import { NonFiniteLossError } from '@scratchseq/transformer';
import { Command, InvalidArgumentError, Option } from 'commander';
import { DEFAULT_OUT, type Io, sampleCommand, type TrainFlags, trainCommand } from './run.js';

const integer =
  (name: string, min = 1) =>
  (value: string) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min)
      throw new InvalidArgumentError(`${name} must be an integer ≥ ${min}`);
    return n;
  };
const number = (name: string) => (value: string) => {
  const n = Number(value);
  if (!Number.isFinite(n)) throw new InvalidArgumentError(`${name} must be a number`);
  return n;
};

/** The command-line program; `io` decides where output goes. */
export function buildProgram(io: Io): Command {
  const program = new Command('gpt-quickstart')
    .description(
      'Train a small GPT on a text file (default: the shipped village chronicle) with a progress bar; print samples; leave a checkpoint and a loss curve (loss.svg) in the output directory.',
    )
    .option('--data <file>', 'training text (UTF-8); default: data/corpus.txt')
    .option(
      '--config <file>',
      'JSON config: { "model": {...}, "training": {...}, "tokenizer": {...}, "seed": n }; flags override it',
    )
    .option('--out <dir>', 'output directory for the checkpoint and loss.svg', DEFAULT_OUT)
    .option('--resume', 'continue training from the checkpoint in --out (exactly where it stopped)')
    .option('--sample', 'sample-only mode: load the checkpoint in --out and print samples')
    .addOption(
      new Option('--backend <kind>', 'compute backend')
        .choices(['auto', 'webgpu', 'cpu'])
        .default('auto'),
    )
    .option('--layers <n>', 'transformer blocks (default 2)', integer('--layers'))
    .option('--heads <n>', 'attention heads (default 4)', integer('--heads'))
    .option('--width <n>', 'embedding width, divisible by heads (default 64)', integer('--width'))
    .option('--context <n>', 'context length in tokens (default 32)', integer('--context'))
    .option('--dropout <p>', 'dropout probability (default 0)', number('--dropout'))
    .option('--tokenizer <kind>', "'char' (default) or 'bpe'")
    .option(
      '--vocab-size <n>',
      'BPE vocabulary size (implies --tokenizer bpe; default 512)',
      integer('--vocab-size', 256),
    )
    .option('--batch <n>', 'sequences per micro-batch (default 32)', integer('--batch'))
    .option('--accum <n>', 'gradient accumulation steps (default 1)', integer('--accum'))
    .option(
      '--iters <n>',
      'optimizer steps (default 150); with --resume: the new total',
      integer('--iters'),
    )
    .option('--lr <x>', 'peak learning rate (default 1e-2)', number('--lr'))
    .option(
      '--min-lr <x>',
      'final learning rate of the cosine (default lr / 10)',
      number('--min-lr'),
    )
    .option('--warmup <n>', 'linear warmup steps (default 15)', integer('--warmup', 0))
    .option('--weight-decay <x>', 'AdamW weight decay (default 0.1)', number('--weight-decay'))
    .option(
      '--grad-clip <x>',
      'clip the global gradient norm; 0 disables (default 1)',
      number('--grad-clip'),
    )
    .option(
      '--eval-interval <n>',
      'evaluate every n steps (default 50)',
      integer('--eval-interval', 0),
    )
    .option('--eval-iters <n>', 'batches per evaluation (default 4)', integer('--eval-iters'))
    .option(
      '--sample-interval <n>',
      'print a sample every n steps (default: only at the end)',
      integer('--sample-interval', 0),
    )
    .option(
      '--seed <n>',
      'seed of weights, data order and dropout (default 1337)',
      integer('--seed', 0),
    )
    .option('--prompt <text>', 'text the samples continue (default: a newline)')
    .option('--tokens <n>', 'tokens per sample', integer('--tokens'), 200)
    .option('--samples <n>', 'number of samples', integer('--samples'), 2)
    .option('--temperature <t>', 'sampling temperature', number('--temperature'), 0.6)
    .option('--top-k <k>', 'sample among the k most likely tokens', integer('--top-k'))
    .option(
      '--top-p <p>',
      'nucleus sampling: the smallest set with this much probability',
      number('--top-p'),
    )
    .option('--greedy', 'always take the most likely token')
    .option('--beam <n>', 'beam search with n beams (via @scratchseq/decoding)', integer('--beam'))
    .option('--sample-seed <n>', 'seed of the sampler', integer('--sample-seed', 0), 0)
    .showHelpAfterError()
    .action(async (flags: TrainFlags & { sample?: boolean }) => {
      if (flags.sample) await sampleCommand(flags, io);
      else await trainCommand(flags, io);
    });
  return program;
}

/** Runs the CLI; returns the exit code (errors are printed, not thrown). */
export async function runCli(argv: string[], io: Io): Promise<number> {
  const program = buildProgram(io).exitOverride();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === 'commander.helpDisplayed' || code === 'commander.version') return 0;
    if (code?.startsWith('commander.')) return 2; // commander printed the problem already
    if (e instanceof NonFiniteLossError) io.log(`error: ${e.message}`);
    else io.log(`error: ${(e as Error).message}`);
    return 1;
  }
}
