import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { vi } from 'vitest';

export interface ReadmeSnippetOptions {
  /** The package folder (ending in `/`) whose README.md runs; default `@scratchseq/gpu`'s. */
  packageDir?: URL;
  /**
   * Import specifiers to point at files (specifier → path), for those the vitest aliases do
   * not cover (subpath exports, or a file outside vitest); `@scratchseq/gpu` always goes to
   * its sources.
   */
  imports?: Record<string, string>;
  /** Last edit of the code before it runs (e.g. to pin a backend). */
  edit?: (code: string) => string;
}

const gpuDir = new URL('../../', import.meta.url);

/**
 * Runs a ```ts block of a package README as written (the first one `pick` accepts, or the
 * first one) and returns what it printed with console.log, one array of arguments per call.
 * Shared by every package's README test, so each states only its snippet and expectations.
 */
export async function runReadmeSnippet(
  pick: (code: string) => boolean = () => true,
  options: ReadmeSnippetOptions = {},
): Promise<unknown[][]> {
  const packageDir = options.packageDir ?? gpuDir;
  const readme = readFileSync(new URL('README.md', packageDir), 'utf8');
  const snippet = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]).find(pick);
  if (!snippet)
    throw new Error(`no matching \`\`\`ts block in ${new URL('README.md', packageDir).pathname}`);
  const imports = {
    '@scratchseq/gpu': new URL('src/index.ts', gpuDir).pathname,
    ...options.imports,
  };
  let code = snippet;
  for (const [specifier, path] of Object.entries(imports))
    code = code.replaceAll(`'${specifier}'`, `'${path}'`);
  if (options.edit) code = options.edit(code);
  const dir = mkdtempSync(join(new URL('test/', packageDir).pathname, '.readme-'));
  const file = join(dir, 'snippet.ts');
  writeFileSync(file, `${code}\nexport {};\n`);
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
