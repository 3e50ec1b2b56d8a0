import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test, vi } from 'vitest';

/** Runs the README's first ```ts block as written; vitest's aliases point its imports at src. */
async function runReadmeSnippet(): Promise<unknown[][]> {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const snippet = readme.match(/```ts\n([\s\S]*?)```/)?.[1];
  if (!snippet) throw new Error('no ```ts block in README.md');
  const dir = mkdtempSync(join(new URL('.', import.meta.url).pathname, '.readme-'));
  const file = join(dir, 'snippet.ts');
  writeFileSync(file, `${snippet}\nexport {};\n`);
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

test('[webgpu] the README snippet trains a tiny GPT and samples what it learned', async () => {
  process.env.SCRATCHSEQ_REQUIRE_WEBGPU = '1';
  const printed = await runReadmeSnippet();
  expect(printed[0]).toEqual([26784]);
  expect(printed.slice(1, 3).map((line) => line[0])).toEqual([20, 40]);
  expect(printed[2][1]).toBeLessThan(0.1);
  // Learned well enough that a temperature-0.5 sample repeats the text.
  expect(printed[3][0]).toBe('hello world! hello world!');
});
