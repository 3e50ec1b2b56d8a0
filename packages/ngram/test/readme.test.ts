import { readFileSync } from 'node:fs';
import { expect, it, vi } from 'vitest';
import * as ngram from '../src/index.js';

it("runs the README snippet against this package's source", async () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const snippet = /```ts\n([\s\S]*?)```/.exec(readme)?.[1];
  expect(snippet).toBeDefined();
  const body = snippet!.replace(/^import[\s\S]*?from '@scratchseq\/ngram';\n/m, '');
  const names = [...snippet!.matchAll(/import \{([^}]*)\} from '@scratchseq\/ngram'/g)]
    .flatMap((match) => match[1].split(','))
    .map((name) => name.trim())
    .filter(Boolean);
  const lines: unknown[][] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...args) => {
    lines.push(args);
  });
  try {
    const run = new Function(...names, body);
    run(...names.map((name) => (ngram as Record<string, unknown>)[name]));
  } finally {
    log.mockRestore();
  }
  expect(lines).toHaveLength(4);
  const [[probability], [perplexity], [generated], [fromArpa]] = lines as [
    number[],
    number[],
    string[],
    number[],
  ];
  expect(probability).toBeGreaterThan(0);
  expect(probability).toBeLessThan(1);
  expect(Number.isFinite(perplexity)).toBe(true);
  expect(typeof generated).toBe('string');
  expect(Math.abs(fromArpa - probability)).toBeLessThan(1e-12);
});
