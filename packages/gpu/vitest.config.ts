import { fileURLToPath } from 'node:url';
import { playwright } from '@vitest/browser-playwright';
import { defineConfig } from 'vitest/config';
import { chromiumWebGPU } from '../../vitest.browser';

const src = (file: string) => fileURLToPath(new URL(`./src/${file}`, import.meta.url));

export default defineConfig({
  test: {
    projects: [
      {
        resolve: { alias: { '#dawn': src('dawn-node.ts') } },
        test: {
          name: 'node',
          include: ['test/**/*.test.ts'],
          exclude: ['test/browser/**'],
          // Dawn is a native addon: run it in child processes, not worker threads.
          pool: 'forks',
          testTimeout: 120_000,
          hookTimeout: 120_000,
          globalSetup: ['test/global-setup.ts'],
        },
      },
      {
        resolve: { alias: { '#dawn': src('dawn-browser.ts') } },
        test: {
          name: 'browser',
          include: ['test/browser/**/*.test.ts'],
          testTimeout: 120_000,
          browser: chromiumWebGPU(playwright),
        },
      },
    ],
  },
});
