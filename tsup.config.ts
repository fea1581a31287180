import { defineConfig } from 'tsup';

// Unbundled ESM that mirrors src/: a module's place in dist/ matches its place in src/, so the
// relative URL of build/kernels.wasm is the same whether the source or the build is running.
export default defineConfig({
  entry: ['src/**/*.ts'],
  format: ['esm'],
  bundle: false,
  dts: true,
  clean: true,
  target: 'es2022',
  outDir: 'dist',
});
