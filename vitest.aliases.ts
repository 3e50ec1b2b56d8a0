import { fileURLToPath } from 'node:url';

const packages = fileURLToPath(new URL('./packages/', import.meta.url));

/**
 * Vitest aliases that resolve every `@scratchseq/*` import to its TypeScript source, so a
 * package's tests run against the current code of the packages it depends on without waiting
 * for their builds (the published builds are checked by each package's own pack test).
 */
export const workspaceAliases = [
  { find: '#dawn', replacement: `${packages}gpu/src/dawn-node.ts` },
  { find: /^@scratchseq\/gpu\/node$/, replacement: `${packages}gpu/src/io/checkpoint-node.ts` },
  { find: /^@scratchseq\/([a-z0-9-]+)$/, replacement: `${packages}$1/src/index.ts` },
];
