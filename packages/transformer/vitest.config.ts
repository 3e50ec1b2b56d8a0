import { playwright } from '@vitest/browser-playwright';
import { defineConfig } from 'vitest/config';
import { workspaceAliases } from '../../vitest.aliases';
import { chromiumWebGPU } from '../../vitest.browser';

const dawnBrowser = new URL('../gpu/src/dawn-browser.ts', import.meta.url).pathname;

export default defineConfig({
  test: {
    projects: [
      {
        // Examples and the README import packages by name, as users do; tests run them on src.
        resolve: { alias: workspaceAliases },
        test: {
          name: 'node',
          include: ['test/**/*.test.ts', 'src/**/*.test.ts'],
          exclude: ['test/browser/**'],
          pool: 'forks',
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
      {
        // The same sources in Chromium: navigator.gpu instead of Dawn, no Node modules.
        resolve: {
          alias: [{ find: '#dawn', replacement: dawnBrowser }, ...workspaceAliases.slice(1)],
        },
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
