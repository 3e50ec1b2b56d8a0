import { defineConfig } from 'tsup';

export default defineConfig({
  // dawn-node / dawn-browser are the two targets of the `#dawn` import: Node resolves the
  // first (which loads the `webgpu` addon), bundlers for the browser the second (a stub).
  // io/checkpoint-node is the `./node` subpath (file-system checkpoints), kept out of the main entry.
  entry: ['src/index.ts', 'src/dawn-node.ts', 'src/dawn-browser.ts', 'src/io/checkpoint-node.ts'],
  format: ['esm'],
  dts: { entry: ['src/index.ts', 'src/io/checkpoint-node.ts'] },
  tsconfig: 'tsconfig.build.json',
  sourcemap: true,
  clean: true,
  target: 'es2022',
  external: ['webgpu', '#dawn'],
});
