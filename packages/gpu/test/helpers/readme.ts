import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { vi } from 'vitest';

/**
 * Runs a ```ts block of the package README as written (its `@scratchseq/gpu` import pointed
 * at the sources) and returns what it printed with console.log, one array of arguments per call.
 */
export async function runReadmeSnippet(pick: (code: string) => boolean): Promise<unknown[][]> {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const snippet = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]).find(pick);
  if (!snippet) throw new Error('no matching ```ts block in README.md');
  const src = new URL('../../src/index.ts', import.meta.url).pathname;
  const dir = mkdtempSync(join(new URL('..', import.meta.url).pathname, '.readme-'));
  const file = join(dir, 'snippet.ts');
  writeFileSync(file, `${snippet.replace("'@scratchseq/gpu'", `'${src}'`)}\nexport {};\n`);
  const printed: unknown[][] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...args) => printed.push(args));
  try {
    await import(file);
  } finally {
    log.mockRestore();
    rmSync(dir, { recursive: true, force: true });
  }
  return printed;
}
