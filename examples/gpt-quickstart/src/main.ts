// The quickstart's entry point (`npm start`): train a small GPT, print samples, save a checkpoint.
import { runCli } from './cli.js';

// `pnpm start -- --flag` passes the separator through (once per pnpm layer); drop it.
const args = process.argv.slice(2);
while (args[0] === '--') args.shift();
const code = await runCli(args, {
  log: (line) => console.log(line),
  progressBar: Boolean(process.stdout.isTTY),
});
// Dawn keeps the event loop alive; leave explicitly once the work is done.
process.exit(code);
