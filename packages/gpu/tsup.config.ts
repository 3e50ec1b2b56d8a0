import { defineConfig } from 'tsup';

export default defineConfig({
  // dawn-node / dawn-browser are the two targets of the `#dawn` import: Node resolves the
  // first (which loads the `webgpu` addon), bundlers for the browser the second (a stub).
  entry: ['src/index.ts', 'src/dawn-node.ts', 'src/dawn-browser.ts'],
  format: ['esm'],
  dts: { entry: 'src/index.ts' },
  tsconfig: 'tsconfig.build.json',
  sourcemap: true,
  clean: true,
  target: 'es2022',
  external: ['webgpu', '#dawn'],
});
