// Totals the JSON reports every package's vitest wrote (packages/*/.test-results/*.json) and
// prints one line per package, the tests that ran on WebGPU, on the CPU backend and in the
// browser (from the [webgpu]/[cpu]/· webgpu/· cpu tags in test names and the browser project),
// and a closing 'N passed, N failed' line. Exits non-zero if a test failed or was skipped.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const totals = { passed: 0, failed: 0, skipped: 0, webgpu: 0, cpu: 0, browser: 0 };
const rows = [];
for (const dir of ['packages', 'examples']) {
  const base = join(root, dir);
  if (!existsSync(base)) continue;
  for (const pkg of readdirSync(base)) {
    const results = join(base, pkg, '.test-results');
    if (!existsSync(results)) continue;
    for (const file of readdirSync(results).filter((f) => f.endsWith('.json'))) {
      const report = JSON.parse(readFileSync(join(results, file), 'utf8'));
      const project = file.replace(/\.json$/, '');
      const row = { name: `${dir}/${pkg} (${project})`, passed: 0, failed: 0, skipped: 0 };
      for (const suite of report.testResults ?? []) {
        for (const t of suite.assertionResults ?? []) {
          const name = t.fullName ?? t.title ?? '';
          if (t.status === 'passed') row.passed++;
          else if (t.status === 'failed') row.failed++;
          else row.skipped++;
          if (t.status !== 'passed') continue;
          if (project === 'browser') totals.browser++;
          else if (/\[webgpu\]|· webgpu/.test(name)) totals.webgpu++;
          else if (/\[cpu\]|· cpu/.test(name)) totals.cpu++;
        }
      }
      totals.passed += row.passed;
      totals.failed += row.failed;
      totals.skipped += row.skipped;
      rows.push(row);
    }
  }
}
console.log('\nTest summary');
for (const r of rows)
  console.log(
    `  ${r.name.padEnd(40)} ${r.passed} passed, ${r.failed} failed, ${r.skipped} skipped`,
  );
console.log(
  `  on WebGPU (Dawn/Vulkan in Node): ${totals.webgpu}; on the CPU backend: ${totals.cpu}; in the browser (Chromium WebGPU): ${totals.browser}`,
);
console.log(
  `${totals.passed} passed, ${totals.failed} failed${totals.skipped ? `, ${totals.skipped} skipped` : ''}`,
);
if (rows.length === 0) {
  console.error('no test reports found');
  process.exit(1);
}
if (totals.failed > 0 || totals.skipped > 0) process.exit(1);
