// ScratchSeq benchmark suite (issue 4). Not a test: nothing here runs in CI.
//
//   pnpm bench [group…] [--samples N] [--no-tfjs] [--no-torch] [--baseline DIR]
//   groups: roofs matmul softmax layernorm elementwise tiny, then the model packages' workloads
//   listed in PACKAGE_WORKLOADS (default: all)
//
// Prints one table and merges the records into bench/results.json (a record replaces the one
// with the same workload, shape, system and metric). Every system's result is checked against
// a JS (or float64) reference in the same run before its timing counts. See bench/README.md.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as gpu from '../packages/gpu/dist/index.js';
import { copyRoof, dispatchRoofs, fmaRoof } from './lib/roofs.mjs';
import {
  elementwiseCases,
  layerNormCase,
  matmulCase,
  softmaxCase,
  tinyOpsCase,
} from './lib/scratchseq.mjs';
import { TfjsRunner } from './lib/tfjs.mjs';
import { randomFloats, summarize } from './lib/timing.mjs';
import { EW_SIZE, MATMUL_CASES, TINY_SIZE } from './lib/workloads.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const KERNEL_GROUPS = ['roofs', 'matmul', 'softmax', 'layernorm', 'elementwise', 'tiny'];

/**
 * Workloads owned by model packages: each module's default export is
 * `async (ctx) => records[]`, with ctx = { gpu, device, tfjs, quietWait, samples, log, python,
 * attempt } (see runPackageWorkload). Only groups named here are valid arguments; a module that
 * does not exist yet is reported and skipped.
 */
const PACKAGE_WORKLOADS = {
  ngram: '../packages/ngram/bench/bench.mjs',
  hmm: '../packages/hmm/bench/bench.mjs',
  attention: '../packages/attention/bench/bench.mjs',
  rnn: '../packages/rnn/bench/bench.mjs',
  lstm: '../packages/lstm/bench/bench.mjs',
  gpt: '../packages/transformer/bench/gpt.mjs',
  'nanogpt-cpu': '../packages/transformer/bench/nanogpt.mjs',
};
const ALL = [...KERNEL_GROUPS, ...Object.keys(PACKAGE_WORKLOADS)];
// Long workloads that run only when named.
const ON_REQUEST = new Set(['nanogpt-cpu']);

function parseArgs(argv) {
  const args = { groups: [], samples: 5, tfjs: true, torch: true, wasm: true };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--samples') args.samples = Number(argv[++i]);
    else if (a === '--no-tfjs') args.tfjs = false;
    else if (a === '--no-wasm') args.wasm = false;
    else if (a === '--no-torch') args.torch = false;
    else if (a === '--baseline') args.baseline = argv[++i];
    else if (ALL.includes(a)) args.groups.push(a);
    else throw new Error(`unknown argument ${a}; workloads: ${ALL.join(' ')}`);
  }
  if (args.groups.length === 0) args.groups = ALL.filter((g) => !ON_REQUEST.has(g));
  return args;
}

const log = (...m) => console.log(...m);

/**
 * Dawn for Node: the `webgpu` package (resolved from packages/gpu), or, in the self-contained
 * bundle, the addon named by SCRATCHSEQ_DAWN_NODE (see bench/README.md).
 */
async function loadDawn() {
  if (process.env.SCRATCHSEQ_DAWN_NODE) {
    return createRequire(import.meta.url)(resolve(process.env.SCRATCHSEQ_DAWN_NODE));
  }
  try {
    return await import('webgpu');
  } catch {
    const req = createRequire(resolve(here, '../packages/gpu/package.json'));
    return await import(req.resolve('webgpu'));
  }
}

async function loadTf() {
  try {
    const tf = await import('@tensorflow/tfjs');
    await import('@tensorflow/tfjs-backend-webgpu');
    let wasm = false;
    try {
      await import('@tensorflow/tfjs-backend-wasm');
      wasm = true;
    } catch (e) {
      log(`  tfjs wasm backend unavailable: ${e.message}`);
    }
    return { tf, wasm };
  } catch (e) {
    log(`  TensorFlow.js unavailable (${e.message}); install the root devDependencies`);
    return undefined;
  }
}

// Debian's python3-torch lives under /usr/bin/python3 (a pyenv `python3` may shadow it).
const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

function runTorch(groups, samples) {
  const python = PYTHON;
  const probe = spawnSync(python, ['-c', 'import torch'], { encoding: 'utf8' });
  if (probe.status !== 0) {
    log(`  PyTorch: skipped (${python} -c "import torch" failed)`);
    return [];
  }
  const map = {
    matmul: 'matmul',
    softmax: 'softmax',
    layernorm: 'layernorm',
    elementwise: 'elementwise',
    tiny: 'tiny',
  };
  const wanted = groups.map((g) => map[g]).filter(Boolean);
  if (wanted.length === 0) return [];
  const r = spawnSync(
    python,
    [resolve(here, 'torch_bench.py'), '--samples', String(samples), ...wanted],
    {
      encoding: 'utf8',
      maxBuffer: 1 << 24,
    },
  );
  if (r.status !== 0) {
    log(`  PyTorch: failed: ${r.stderr.trim().split('\n').at(-1)}`);
    return [];
  }
  const records = [];
  for (const line of r.stdout.trim().split('\n')) {
    const obj = JSON.parse(line);
    if (obj.config) {
      const c = obj.config;
      log(
        `  PyTorch ${c.torch}: ${c.threads} threads, BLAS ${c.blas}, mkldnn ${c.mkldnn}, ${c.parallel}`,
      );
      records.config = c;
    } else records.push(obj);
  }
  return records;
}

function fmt(v) {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  return a >= 100
    ? v.toFixed(0)
    : a >= 10
      ? v.toFixed(1)
      : a >= 1
        ? v.toFixed(2)
        : v.toPrecision(3);
}

/** Times (µs, ms, s, possibly per something) are lower-is-better; rates are higher-is-better. */
const isTime = (unit) => /^(µs|us|ms|s)(\/|$| )/.test(unit);

function printTable(records, roofs) {
  const rows = [
    ['workload', 'shape', 'system', 'median', 'min–max', 'unit', 'vs roof', 'vs tfjs-webgpu'],
  ];
  const hasBaseline = records.some((r) => r.system === 'scratchseq-webgpu-baseline');
  if (hasBaseline) rows[0].push('vs baseline');
  const baselineOf = (r) =>
    records.find(
      (o) =>
        o.workload === r.workload &&
        o.shape === r.shape &&
        o.system === 'scratchseq-webgpu-baseline',
    );
  const tfjsOf = (r) =>
    records.find(
      (o) => o.workload === r.workload && o.shape === r.shape && o.system === 'tfjs-webgpu',
    );
  for (const r of records) {
    let roof = '';
    if (r.unit === 'GFLOP/s' && roofs.fma && r.workload !== 'roof')
      roof = `${((r.median / roofs.fma) * 100).toFixed(0)}% FMA`;
    if (r.unit === 'GB/s' && roofs.copy && r.workload !== 'roof')
      roof = `${((r.median / roofs.copy) * 100).toFixed(0)}% copy`;
    let vs = '';
    const t = tfjsOf(r);
    if (t && r.system !== 'tfjs-webgpu') {
      const ratio = isTime(r.unit) ? t.median / r.median : r.median / t.median;
      vs = `${ratio.toFixed(1)}×`;
    }
    const row = [r.workload, r.shape, r.system, fmt(r.median), `${fmt(r.min)}–${fmt(r.max)}`];
    row.push(r.unit, roof, vs);
    if (hasBaseline) {
      const b = r.system === 'scratchseq-webgpu' ? baselineOf(r) : undefined;
      const ratio = b && (isTime(r.unit) ? b.median / r.median : r.median / b.median);
      row.push(b ? `${ratio.toFixed(2)}×` : '');
    }
    rows.push(row);
  }
  const widths = rows[0].map((_, c) => Math.max(...rows.map((row) => row[c].length)));
  for (const [i, row] of rows.entries()) {
    log(row.map((cell, c) => cell.padEnd(widths[c])).join('  '));
    if (i === 0) log(widths.map((w) => '-'.repeat(w)).join('  '));
  }
}

/** Runs one package workload module; a missing or failing module is reported, not fatal. */
async function runPackageWorkload(group, ctx) {
  const file = resolve(here, PACKAGE_WORKLOADS[group]);
  if (!existsSync(file)) {
    ctx.log(`  skipped: ${PACKAGE_WORKLOADS[group]} does not exist yet`);
    return [];
  }
  try {
    const mod = await import(file);
    return (await mod.default(ctx)) ?? [];
  } catch (e) {
    ctx.log(`  failed: ${e.stack ?? e.message}`);
    return [];
  }
}

/** One record (or list of records) from per-round records: their samples pooled. */
function pool(rounds) {
  if (rounds.length === 0 || rounds.some((r) => r === undefined)) return undefined;
  const combine = (recs) => {
    const values = recs.flatMap((r) => r.values);
    const r = { ...recs[0], ...summarize(values) };
    Object.defineProperty(r, 'values', { value: values, enumerable: false });
    return r;
  };
  return Array.isArray(rounds[0])
    ? rounds[0].map((_, i) => combine(rounds.map((r) => r[i])))
    : combine(rounds);
}

/** Replaces stored records that share workload, shape, system and metric with the new ones. */
function mergeRecords(old, fresh) {
  const key = (r) => `${r.workload}\u0000${r.shape}\u0000${r.system}\u0000${r.metric}`;
  const replaced = new Set(fresh.map(key));
  return [...old.filter((r) => !replaced.has(key(r))), ...fresh];
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const opts = { samples: args.samples };
  // lavapipe splits each dispatch over LP_NUM_THREADS workers; on 2 cores 4 measured faster
  // than the default 2 (issue 4). Other drivers ignore the variable.
  process.env.LP_NUM_THREADS ??= '4';
  const dawn = await loadDawn();
  Object.assign(globalThis, dawn.globals);
  const dawnGPU = dawn.create([]); // referenced until exit: collecting it crashes Node
  const device = await gpu.init({ backend: 'webgpu', gpu: dawnGPU, requireWebGPU: true });
  const backend = device.backend;
  const adapter = device.describe();
  const date = new Date().toISOString();
  log(`adapter: ${adapter}  (LP_NUM_THREADS=${process.env.LP_NUM_THREADS})`);
  const wait = (p) => device.sync().then(() => p); // the runtime's quiet wait, then the promise
  const quietWait = async (p) => {
    let done = false;
    p.finally(() => {
      done = true;
    }).catch(() => {});
    // Park the main thread between event-loop turns, as the runtime does (backend/wait.ts).
    const cell = new Int32Array(new SharedArrayBuffer(4));
    while (!done) {
      Atomics.wait(cell, 0, 0, 0.2);
      await new Promise((r) => setImmediate(r));
    }
    return p;
  };
  void wait;

  // Another build of @scratchseq/gpu (a folder with package.json and dist/), timed right after
  // this one on each kernel workload as system 'scratchseq-webgpu-baseline': before/after
  // ratios from one run, on one machine state.
  let base;
  if (args.baseline) {
    const mod = await import(pathToFileURL(resolve(args.baseline, 'dist/index.js')).href);
    const baseDevice = await mod.createDevice({ backend: 'webgpu', gpu: dawnGPU });
    mod.setDevice(baseDevice);
    if (typeof mod.tuneMatmul === 'function') await mod.tuneMatmul();
    base = { gpu: { ...mod, benchSystem: 'scratchseq-webgpu-baseline' }, device: baseDevice };
    log(`baseline: ${resolve(args.baseline)}`);
  }
  /**
   * Runs a ScratchSeq case `fn(gpu, device, opts)` on this build; with --baseline, it takes
   * the samples one at a time, alternating between the two builds, so that load changes on
   * the machine hit both alike, and pools each build's samples into one record.
   */
  const both = async (fn) => {
    gpu.setDevice(device);
    if (!base) return [await fn(gpu, device, opts)];
    const one = { ...opts, samples: 1 };
    const mine = [];
    const theirs = [];
    for (let s = 0; s < opts.samples; s++) {
      gpu.setDevice(device);
      mine.push(await fn(gpu, device, one));
      base.gpu.setDevice(base.device);
      theirs.push(await attempt('baseline', () => fn(base.gpu, base.device, one)));
    }
    gpu.setDevice(device);
    return [pool(mine), pool(theirs)];
  };

  const records = [];
  const roofs = {};
  const push = (r) => {
    if (r === undefined) return;
    records.push(r);
    log(
      `  ${r.workload} ${r.shape} ${r.system}: ${fmt(r.median)} ${r.unit} (${fmt(r.min)}–${fmt(r.max)})`,
    );
  };
  const has = (g) => args.groups.includes(g);
  // A system that fails a workload (wrong result, missing op) is reported and skipped.
  const attempt = async (what, fn) => {
    try {
      return await fn();
    } catch (e) {
      log(`  ${what}: skipped: ${e.message.split('\n')[0]}`);
      return undefined;
    }
  };

  if (has('roofs') || has('matmul') || has('softmax') || has('layernorm') || has('elementwise')) {
    log('roofs (WGSL microbenchmarks)');
    const raw = backend.device;
    const fma = await fmaRoof(raw, quietWait, opts);
    push(fma);
    roofs.fma = fma.median;
    const copy = await copyRoof(raw, quietWait, opts);
    push(copy);
    roofs.copy = copy.median;
    if (has('roofs') || has('tiny'))
      for (const r of await dispatchRoofs(raw, quietWait, opts)) push(r);
  }

  let tfjs = [];
  if (args.tfjs) {
    globalThis.navigator = { gpu: dawnGPU };
    const loaded = await loadTf();
    if (loaded) {
      loaded.tf.env().set('WEBGPU_CPU_FORWARD', false);
      tfjs.push(new TfjsRunner(loaded.tf, 'webgpu', quietWait));
      if (loaded.wasm && args.wasm) tfjs.push(new TfjsRunner(loaded.tf, 'wasm', quietWait));
    }
  }
  const ew = has('elementwise')
    ? { a: randomFloats(EW_SIZE, 3).map((v) => v * 3), b: randomFloats(EW_SIZE, 4) }
    : undefined;
  const tiny = { x0: randomFloats(TINY_SIZE, 8), y: randomFloats(TINY_SIZE, 9) };

  // Slow systems get fewer samples on the largest matmul.
  const optsFor = (c, system) =>
    c.m >= 2048 && system !== 'scratchseq-webgpu' ? { samples: 3, minSeconds: 0 } : opts;

  if (has('matmul')) {
    log('matmul');
    if (typeof gpu.tuneMatmul === 'function') {
      // init() already chose (from the persisted choice or a tuning pass); this only reports it.
      const t = await gpu.tuneMatmul();
      const timed = Object.entries(t.timings).map(([k, v]) => `${k} ${v.toFixed(1)} ms`);
      log(
        `  matmul kernel: ${t.variant} (${timed.length > 0 ? timed.join(', ') : 'chosen by init()'})`,
      );
    }
    for (const c of MATMUL_CASES) {
      for (const r of await both((g, d, o) => g.noGrad(() => matmulCase(g, d, c, o)))) push(r);
    }
    for (const t of tfjs) {
      await t.activate();
      for (const c of MATMUL_CASES)
        push(
          await attempt(`${t.system} matmul ${c.shape}`, () =>
            t.matmulCase(c, optsFor(c, t.system)),
          ),
        );
    }
  }
  if (has('softmax')) {
    log('softmax');
    for (const r of await both((g, d, o) => softmaxCase(g, d, o))) push(r);
    for (const t of tfjs) {
      await t.activate();
      push(await attempt(`${t.system} softmax`, () => t.softmaxCase(opts)));
    }
  }
  if (has('layernorm')) {
    log('layer norm');
    for (const r of await both((g, d, o) => layerNormCase(g, d, o, log))) push(r);
    for (const t of tfjs) {
      await t.activate();
      push(await attempt(`${t.system} layer norm`, () => t.layerNormCase(opts)));
    }
  }
  if (has('elementwise')) {
    log('elementwise');
    for (const rs of await both((g, d, o) => elementwiseCases(g, d, o, ew)))
      for (const r of rs ?? []) push(r);
    for (const t of tfjs) {
      await t.activate();
      for (const r of (await attempt(`${t.system} elementwise`, () =>
        t.elementwiseCases(opts, ew),
      )) ?? [])
        push(r);
    }
  }
  if (has('tiny')) {
    log('tiny ops');
    for (const r of await both((g, d, o) => tinyOpsCase(g, d, o, tiny))) push(r);
    for (const t of tfjs) {
      await t.activate();
      push(await attempt(`${t.system} tiny ops`, () => t.tinyOpsCase(opts, tiny)));
    }
  }
  if (args.torch) {
    log('PyTorch (CPU)');
    for (const r of runTorch(args.groups, args.samples)) push(r);
  }
  for (const group of Object.keys(PACKAGE_WORKLOADS)) {
    if (!has(group)) continue;
    log(`${group} (${PACKAGE_WORKLOADS[group]})`);
    const ctx = {
      gpu,
      device,
      tfjs,
      quietWait,
      samples: args.samples,
      log,
      python: PYTHON,
      attempt,
    };
    for (const r of await runPackageWorkload(group, ctx)) push(r);
  }

  for (const r of records) {
    r.adapter =
      r.system.startsWith('pytorch') || r.workload.startsWith('ngram') || r.system.includes('cpu')
        ? (r.adapter ?? 'CPU')
        : adapter;
    r.date = date;
  }
  log('');
  printTable(records, roofs);
  const out = resolve(process.env.SCRATCHSEQ_BENCH_OUT ?? resolve(here, 'results.json'));
  const merged = mergeRecords(
    existsSync(out) ? JSON.parse(readFileSync(out, 'utf8')) : [],
    records,
  );
  writeFileSync(out, `${JSON.stringify(merged, null, 2)}\n`);
  log(`\nwrote ${records.length} records to ${out} (${merged.length} in the file)`);

  // Tear down so Node can exit: navigator.gpu keeps Dawn's event loop alive.
  for (const t of tfjs) if (t.backend === 'webgpu') t.tf.removeBackend?.('webgpu');
  delete globalThis.navigator;
  tfjs = [];
  device.destroy();
  base?.device.destroy();
  void dawnGPU;
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
