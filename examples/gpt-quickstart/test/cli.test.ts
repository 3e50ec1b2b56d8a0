import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCheckpoint } from '@scratchseq/gpu/node';
import { afterAll, expect, test } from 'vitest';
import { runCli } from '../src/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'gpt-quickstart-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function collect() {
  const lines: string[] = [];
  return {
    io: { log: (l: string) => lines.push(l), progressBar: false },
    lines,
    text: () => lines.join('\n'),
  };
}

const tiny = [
  '--layers',
  '1',
  '--heads',
  '2',
  '--width',
  '16',
  '--context',
  '16',
  '--batch',
  '4',
  '--eval-iters',
  '1',
  '--tokens',
  '20',
  '--samples',
  '1',
  '--backend',
  'webgpu',
];

test('[webgpu] the CLI trains a tiny config, resumes it, and samples from the checkpoint', async () => {
  const out = join(dir, 'run');
  const first = collect();
  expect(
    await runCli(
      [...tiny, '--iters', '4', '--eval-interval', '2', '--warmup', '1', '--out', out],
      first.io,
    ),
  ).toBe(0);
  expect(first.text()).toMatch(/step 4: train loss \d\.\d+, val loss \d\.\d+/);
  expect(first.text()).toMatch(/--- sample 1 ---/);
  expect(existsSync(join(out, 'checkpoint.json'))).toBe(true);
  expect(readFileSync(join(out, 'loss.svg'), 'utf8')).toMatch(/^<svg[\s\S]*<path d="M/);
  const saved = await loadCheckpoint(out);
  expect((saved.state as { iter: number }).iter).toBe(4);
  expect(Object.keys(saved.tensors)).toContain('transformer.wte.weight');

  const resumed = collect();
  expect(
    await runCli(
      [
        '--resume',
        '--iters',
        '6',
        '--out',
        out,
        '--tokens',
        '10',
        '--samples',
        '1',
        '--backend',
        'webgpu',
      ],
      resumed.io,
    ),
  ).toBe(0);
  expect(resumed.text()).toMatch(/resuming from .* at step 4/);
  expect(resumed.text()).toMatch(/step 6: train loss/);
  expect(((await loadCheckpoint(out)).state as { iter: number }).iter).toBe(6);

  const sampled = collect();
  expect(
    await runCli(
      [
        '--sample',
        '--out',
        out,
        '--prompt',
        'Day',
        '--tokens',
        '12',
        '--samples',
        '2',
        '--top-k',
        '5',
        '--backend',
        'webgpu',
      ],
      sampled.io,
    ),
  ).toBe(0);
  expect(sampled.text()).toMatch(/samples from .* \(step 6\):/);
  expect(sampled.lines.filter((l) => l.startsWith('--- sample')).length).toBe(2);
  expect(sampled.text()).toMatch(/--- sample 1 ---\nDay/);

  const beam = collect();
  expect(
    await runCli(
      [
        '--sample',
        '--out',
        out,
        '--beam',
        '3',
        '--samples',
        '2',
        '--tokens',
        '8',
        '--backend',
        'webgpu',
      ],
      beam.io,
    ),
  ).toBe(0);
  expect(beam.lines.filter((l) => l.startsWith('--- sample')).length).toBe(2);
});

test('[webgpu] a JSON config file and any text file; bad input names the fix', async () => {
  const config = join(dir, 'config.json');
  const data = join(dir, 'text.txt');
  writeFileSync(
    config,
    JSON.stringify({
      model: { nLayer: 1, nHead: 1, nEmbd: 8, blockSize: 8 },
      training: { maxIters: 2, batchSize: 2, evalIters: 1, warmupIters: 1 },
    }),
  );
  writeFileSync(data, 'abcabcabd '.repeat(30));
  const run = collect();
  const code = await runCli(
    [
      '--config',
      config,
      '--data',
      data,
      '--out',
      join(dir, 'json'),
      '--tokens',
      '5',
      '--samples',
      '1',
      '--backend',
      'webgpu',
    ],
    run.io,
  );
  expect(code, run.text()).toBe(0);
  expect(run.text()).toMatch(/1 layers, 1 heads, width 8, context 8/);
  expect(run.text()).toMatch(/vocabulary 5/);

  const bad = collect();
  writeFileSync(config, JSON.stringify({ modle: {} }));
  expect(await runCli(['--config', config, '--out', join(dir, 'bad')], bad.io)).toBe(1);
  expect(bad.text()).toMatch(/unknown keys modle; expected model, training/);
  const missing = collect();
  expect(await runCli(['--sample', '--out', join(dir, 'nothing')], missing.io)).toBe(1);
  expect(missing.text()).toMatch(/no complete checkpoint/);
});

test('--help lists the options', () => {
  const tsx = new URL('../../../node_modules/.bin/tsx', import.meta.url).pathname;
  const r = spawnSync(tsx, ['src/main.ts', '--help'], {
    cwd: new URL('..', import.meta.url).pathname,
    encoding: 'utf8',
  });
  expect(r.status).toBe(0);
  for (const flag of [
    '--data',
    '--config',
    '--resume',
    '--sample',
    '--layers',
    '--heads',
    '--width',
    '--context',
    '--batch',
    '--iters',
    '--lr',
    '--temperature',
    '--top-k',
    '--top-p',
    '--beam',
    '--out',
  ]) {
    expect(r.stdout).toContain(flag);
  }
});
