import { defineConfig } from 'tsup';

export default defineConfig({
  // node.ts is the `./node` subpath (file checkpoints for the Trainer), kept out of the
  // browser-safe main entry.
  entry: ['src/index.ts', 'src/node.ts'],
  format: ['esm'],
  dts: true,
  tsconfig: 'tsconfig.build.json',
  sourcemap: true,
  clean: true,
  target: 'es2022',
  external: ['@scratchseq/gpu', '@scratchseq/gpu/node'],
});
