// `pnpm bench:bundle`: bench/dist/bench.mjs, one file that runs with only Node (see README).
// Dawn's addon stays outside (SCRATCHSEQ_DAWN_NODE); tfjs-wasm's .wasm binaries are copied beside it.
import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(resolve(here, '../packages/gpu/package.json'));
const { build } = await import(require.resolve('esbuild'));
const outdir = resolve(here, 'dist');
mkdirSync(outdir, { recursive: true });
await build({
  entryPoints: [resolve(here, 'run.mjs')],
  outfile: resolve(outdir, 'bench.mjs'),
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  conditions: ['node'],
  external: ['webgpu', '../packages/ngram/bench/names.mjs', '../packages/hmm/dist/index.js'],
  banner: {
    js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
  },
  logLevel: 'warning',
});
const wasmDir = dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm'));
for (const f of readdirSync(wasmDir))
  if (f.endsWith('.wasm')) copyFileSync(resolve(wasmDir, f), resolve(outdir, f));
copyFileSync(resolve(here, 'torch_bench.py'), resolve(outdir, 'torch_bench.py'));
console.log(`wrote ${resolve(outdir, 'bench.mjs')}`);
