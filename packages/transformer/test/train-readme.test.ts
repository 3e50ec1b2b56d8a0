import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test, vi } from 'vitest';

/** Runs the README's ```ts block that uses the Trainer, as written (imports pointed at src). */
async function runTrainingSnippet(): Promise<unknown[][]> {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const snippet = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)]
    .map((m) => m[1])
    .find((c) => c.includes('new Trainer('));
  if (!snippet) throw new Error('no ```ts block with the Trainer in README.md');
  const node = new URL('../src/node.ts', import.meta.url).pathname;
  const dir = mkdtempSync(join(new URL('.', import.meta.url).pathname, '.readme-train-'));
  const file = join(dir, 'snippet.ts');
  writeFileSync(
    file,
    `${snippet.replace("'@scratchseq/transformer/node'", `'${node}'`)}\nexport {};\n`,
  );
  const printed: unknown[][] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...args) => printed.push(args));
  try {
    await import(/* @vite-ignore */ file);
  } finally {
    log.mockRestore();
    rmSync(dir, { recursive: true, force: true });
  }
  return printed;
}

test('[webgpu] the README training snippet: BPE round trip, falling loss, checkpoint and resume', async () => {
  process.env.SCRATCHSEQ_REQUIRE_WEBGPU = '1';
  const printed = await runTrainingSnippet();
  expect(printed[0]).toEqual([270, true]);
  const steps = printed.filter((p) => p.length === 3);
  expect(steps.map((p) => p[0])).toEqual([20, 40]);
  expect(steps[1][1] as number).toBeLessThan(steps[0][1] as number);
  const vals = printed.filter((p) => p[0] === 'val loss').map((p) => p[1] as number);
  expect(vals.length).toBe(2);
  expect(vals[1]).toBeLessThan(Math.log(270));
  expect(printed.at(-1)).toEqual([40]);
});
