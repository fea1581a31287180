import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import type { Reporter, TestModule } from 'vitest/node';

// Ends the run with a plain "N passed, N failed" line, which CI reads whatever the runner.
const plainSummary: Reporter = {
  onTestRunEnd(modules: ReadonlyArray<TestModule>) {
    const counts = { passed: 0, failed: 0, skipped: 0 };
    for (const module of modules) {
      for (const test of module.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed' || state === 'failed') counts[state]++;
        else counts.skipped++;
      }
    }
    console.log(`\n${counts.passed} passed, ${counts.failed} failed${counts.skipped ? `, ${counts.skipped} skipped` : ''}`);
  },
};

export default defineConfig({
  resolve: {
    // Tests import the public API by its package name, exactly as users do, and run the built
    // package (npm test builds it first): the worker threads load dist/threads/worker.js.
    alias: [
      { find: /^mnist-wasm\/infer$/, replacement: fileURLToPath(new URL('./dist/infer/index.js', import.meta.url)) },
      { find: /^mnist-wasm$/, replacement: fileURLToPath(new URL('./dist/index.js', import.meta.url)) },
    ],
  },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    reporters: ['default', plainSummary],
  },
});
