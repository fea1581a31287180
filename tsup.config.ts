import { defineConfig } from 'tsup';

export default defineConfig([
  // Unbundled ESM that mirrors src/: a module's place in dist/ matches its place in src/, so the
  // relative URLs of build/*.wasm and of the worker thread's script hold in both.
  {
    entry: ['src/**/*.ts', '!src/**/*.d.ts'],
    format: ['esm'],
    bundle: false,
    dts: true,
    target: 'es2022',
    outDir: 'dist',
  },
  // CommonJS for require(): one bundled file per entry at the same depth (dist/cjs/), so those relative
  // URLs still point at build/ and at dist/engine/worker.js (the worker itself is always ESM).
  {
    entry: { index: 'src/index.ts', infer: 'src/infer/index.ts' },
    format: ['cjs'],
    bundle: true,
    dts: true,
    shims: true,
    target: 'es2022',
    outDir: 'dist/cjs',
    external: ['@assemblyscript/loader'],
  },
]);
