// Memory: models trained and thrown away give their memory back, and a model larger than the initial
// WebAssembly memory grows it and keeps working (every typed-array view is refreshed after growth).

import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Sequential, dense, loadMnist, relu, sgd, softmax, toCategorical } from 'mnist-wasm';

interface Sample {
  models: number;
  rss: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
}

describe('memory', () => {
  it('does not grow while 200 small models are trained on threads, used and dropped', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'mnist-wasm-memory-'));
    const library = fileURLToPath(new URL('../dist/index.js', import.meta.url));
    const script = join(folder, 'models.mjs');
    // Each model owns a WebAssembly memory of about 2 MB here (weights, gradients, momentum, data); kept
    // alive by mistake, 200 of them would hold some 400 MB.
    await writeFile(script, `
      import { Sequential, dense, dropout, loadMnist, relu, sgd, softmax, toCategorical } from ${JSON.stringify(library)};
      const { train } = await loadMnist();
      const x = train.images.subarray(0, 500 * 784);
      const y = toCategorical(train.labels.subarray(0, 500), 10);
      const samples = [];
      for (let models = 1; models <= 200; models++) {
        const model = new Sequential([dense(64, { inputDim: 784 }), relu(), dropout(0.2), dense(10), softmax()], { seed: models });
        model.compile({ loss: 'categoricalCrossentropy', optimizer: sgd({ learningRate: 0.1, momentum: 0.9 }) });
        await model.fit(x, y, { batchSize: 100, seed: models, threads: 2 });
        model.predict(x);
        if (models % 20 === 0) {
          gc();
          await new Promise((resolve) => setTimeout(resolve, 20));
          gc();
          samples.push({ models, ...process.memoryUsage() });
        }
      }
      console.log(JSON.stringify(samples));
    `);
    try {
      const samples = JSON.parse(execFileSync(process.execPath, ['--expose-gc', script], { encoding: 'utf8', timeout: 120_000 })) as Sample[];
      const first = samples[0];
      const last = samples[samples.length - 1];
      const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(1);
      console.log(
        `200 models: after 20 / after 200, RSS ${mib(first.rss)} / ${mib(last.rss)} MiB, JS heap ${mib(first.heapUsed)} / ${mib(last.heapUsed)} MiB, ` +
          `array buffers and WebAssembly memories ${mib(first.arrayBuffers)} / ${mib(last.arrayBuffers)} MiB`,
      );
      expect(last.arrayBuffers - first.arrayBuffers).toBeLessThan(2 * 2 ** 20);
      expect(last.external - first.external).toBeLessThan(2 * 2 ** 20);
      expect(last.heapUsed - first.heapUsed).toBeLessThan(4 * 2 ** 20);
      // The process's size drifts by a few MiB as threads come and go (the C allocator's arenas),
      // far below what 180 leaked models would hold.
      expect(last.rss - first.rss).toBeLessThan(40 * 2 ** 20);
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });

  it('grows the WebAssembly memory for a 784-4096-4096-10 model and keeps training and predicting', async () => {
    const { train, test } = await loadMnist();
    const model = new Sequential([dense(4096, { inputDim: 784 }), relu(), dense(4096), relu(), dense(10), softmax()], { seed: 1 });
    expect(model.countParams()).toBe(784 * 4096 + 4096 + 4096 * 4096 + 4096 + 4096 * 10 + 10);
    model.compile({ loss: 'categoricalCrossentropy', optimizer: sgd({ learningRate: 0.01, momentum: 0.9 }) });
    const rows = 512;
    const history = await model.fit(train.images.subarray(0, rows * 784), toCategorical(train.labels.subarray(0, rows), 10), { batchSize: 64, epochs: 2, seed: 1 });
    expect(history.history.loss[1]).toBeLessThan(history.history.loss[0]);
    // Weights, gradients and momentum of 20.1 million parameters: 241 MB, all in one grown memory.
    const weights = model.getWeights();
    expect(weights.every((w) => w.every(Number.isFinite))).toBe(true);
    const probabilities = model.predict(test.images.subarray(0, 100 * 784));
    expect(probabilities.length).toBe(1000);
    for (let row = 0; row < 100; row++) {
      const sum = probabilities.subarray(row * 10, row * 10 + 10).reduce((a, b) => a + b, 0);
      expect(sum).toBeCloseTo(1, 5);
    }
    const [, accuracy] = model.evaluate(test.images.subarray(0, 1000 * 784), toCategorical(test.labels.subarray(0, 1000), 10));
    console.log(`784-4096-4096-10: ${model.countParams().toLocaleString('en-US')} parameters, loss ${history.history.loss.map((l) => l.toFixed(3)).join(' → ')}, accuracy on 1,000 test images ${accuracy}`);
    expect(accuracy).toBeGreaterThan(0.5);
  });
});
