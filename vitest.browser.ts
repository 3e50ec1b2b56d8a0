// Debian's Chromium with its bundled SwiftShader provides WebGPU headless; never download a browser.
const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * The `test.browser` block shared by every package's browser project: headless Chromium with
 * WebGPU enabled, driven by Playwright (the flags CI needs on a machine without a GPU). The
 * package passes its own `playwright` provider factory (from `@vitest/browser-playwright`): the provider is a dependency of each
 * package with a browser project, not of the workspace root.
 */
export const chromiumWebGPU = <Provider>(
  provider: (options: { launchOptions: { executablePath: string; args: string[] } }) => Provider,
) => ({
  enabled: true,
  headless: true,
  provider: provider({
    launchOptions: {
      executablePath: chromium,
      args: [
        '--enable-unsafe-webgpu',
        '--no-sandbox',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  }),
  instances: [{ browser: 'chromium' as const }],
});
