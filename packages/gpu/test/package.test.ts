import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { describe, expect, test } from 'vitest';

const pkgDir = new URL('..', import.meta.url).pathname;

describe('the built package', () => {
  test('[cpu] bundled for the browser, it contains no import of the Node webgpu addon', async () => {
    expect(existsSync(join(pkgDir, 'dist/index.js')), 'build the package first (pnpm build)').toBe(
      true,
    );
    // The published entry, resolved with browser conditions as a user's bundler would
    // (the package's `#dawn` import then maps to its browser stub).
    const result = await build({
      entryPoints: [join(pkgDir, 'dist/index.js')],
      bundle: true,
      platform: 'browser',
      format: 'esm',
      write: false,
      logLevel: 'silent',
    });
    const code = result.outputFiles[0].text;
    expect(code.length).toBeGreaterThan(10_000);
    expect(code).not.toMatch(/from\s*["']webgpu["']|import\(\s*["']webgpu["']\)|dawn\.node/);
    expect(code).toContain('navigator');
  });

  test('[webgpu] packed and installed with npm into a fresh project, it runs a matmul in Node', () => {
    const work = mkdtempSync(join(tmpdir(), 'scratchseq-install-'));
    try {
      const tarball = execFileSync('npm', ['pack', '--silent', '--pack-destination', work], {
        cwd: pkgDir,
        encoding: 'utf8',
      })
        .trim()
        .split('\n')
        .pop()!;
      writeFileSync(
        join(work, 'package.json'),
        JSON.stringify({ name: 'consumer', private: true, type: 'module' }),
      );
      execFileSync('npm', ['install', '--silent', '--no-audit', '--no-fund', join(work, tarball)], {
        cwd: work,
        stdio: 'pipe',
      });
      writeFileSync(
        join(work, 'main.mjs'),
        `import { init, tensor, matmul } from '@scratchseq/gpu';
const device = await init({ backend: 'webgpu' });
const c = matmul(tensor([[1, 2], [3, 4]]), tensor([[5, 6], [7, 8]]));
console.log(JSON.stringify({ backend: device.kind, result: Array.from(await c.toArray()) }));
process.exit(0);
`,
      );
      const out = execFileSync('node', ['main.mjs'], { cwd: work, encoding: 'utf8' });
      const json = JSON.parse(out.trim().split('\n').pop()!);
      expect(json).toEqual({ backend: 'webgpu', result: [19, 22, 43, 50] });
      const installed = JSON.parse(
        readFileSync(join(work, 'node_modules/@scratchseq/gpu/package.json'), 'utf8'),
      );
      expect(installed.name).toBe('@scratchseq/gpu');
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }, 300_000);
});
