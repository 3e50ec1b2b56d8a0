import { defineConfig } from 'vitest/config';
import { workspaceAliases } from '../../vitest.aliases';

export default defineConfig({
  // Examples and the README import packages by name, as users do; tests run them on src.
  resolve: { alias: workspaceAliases },
  test: {
    include: ['test/**/*.test.ts', 'src/**/*.test.ts'],
    // The neural model runs on Dawn, a native addon: child processes, not worker threads.
    pool: 'forks',
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
