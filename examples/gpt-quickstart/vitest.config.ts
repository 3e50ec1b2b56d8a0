import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { workspaceAliases } from '../../vitest.aliases';

const transformerNode = fileURLToPath(
  new URL('../../packages/transformer/src/node.ts', import.meta.url),
);

export default defineConfig({
  // The transformer's Node subpath resolves to its source too (before the generic aliases).
  resolve: {
    alias: [
      { find: /^@scratchseq\/transformer\/node$/, replacement: transformerNode },
      ...workspaceAliases,
    ],
  },
  test: { include: ['test/**/*.test.ts'], pool: 'forks', testTimeout: 300_000 },
});
