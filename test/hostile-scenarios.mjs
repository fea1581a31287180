// Ways user code has hung a model's fit forever (the main thread blocked in Atomics.wait, timers
// stopped, no error). test/hostile.test.ts runs each here, in a child process with a timeout, so a
// regression fails the test instead of hanging the run. Prints one JSON line: what each call gave.
//   node test/hostile-scenarios.mjs NAME

import { MnistWasmError, Sequential, dense, relu, sgd, softmax } from '../dist/index.js';

const ROWS = 512;
const x = new Uint8Array(ROWS * 64).map((_, i) => (i * 37) % 256);
const y = new Float32Array(ROWS * 4).map((_, i) => (i % 4 === Math.floor(i / 4) % 4 ? 1 : 0));

function model() {
  const m = new Sequential([dense(32, { inputDim: 64 }), relu(), dense(4), softmax()], { seed: 1 });
  m.compile({ loss: 'categoricalCrossentropy', optimizer: sgd({ learningRate: 0.05 }) });
  return m;
}

/** What a promise or a call came to: 'ok', or the error's class and code. */
async function outcome(work) {
  try {
    await work();
    return 'ok';
  } catch (error) {
    return error instanceof MnistWasmError ? `${error.constructor.name} ${error.code}` : `untyped ${error?.name}: ${error?.message}`;
  }
}

const scenarios = {
  // React's StrictMode runs an effect twice: two fits at once, on threads and on one thread.
  async 'two fits at once'() {
    const results = {};
    for (const threads of [2, 1]) {
      const m = model();
      const first = outcome(() => m.fit(x, y, { epochs: 2, batchSize: 32, threads, seed: 1 }));
      const second = outcome(() => m.fit(x, y, { epochs: 2, batchSize: 32, threads, seed: 1 }));
      results[threads] = [await first, await second];
      results[`${threads} then`] = await outcome(() => m.fit(x, y, { epochs: 1, batchSize: 32, threads, seed: 1 }));
    }
    return results;
  },
  async 'stopThreads in a callback'() {
    const m = model();
    await m.startThreads(2);
    let inCallback;
    const fit = await outcome(() => m.fit(x, y, {
      epochs: 2, batchSize: 32, seed: 1,
      callbacks: { onBatchEnd: async (batch) => void (batch === 3 && (inCallback = await outcome(() => m.stopThreads()))) },
    }));
    const after = await outcome(() => m.stopThreads());
    return { inCallback, fit, after };
  },
  async 'startThreads in a callback'() {
    const m = model();
    let inCallback;
    const fit = await outcome(() => m.fit(x, y, {
      epochs: 1, batchSize: 32, seed: 1, threads: 2,
      callbacks: { onBatchEnd: async (batch) => void (batch === 2 && (inCallback = await outcome(() => m.startThreads(2)))) },
    }));
    const after = await outcome(async () => {
      await m.startThreads(2);
      m.predict(x);
      m.stopThreads();
    });
    return { inCallback, fit, after };
  },
  async 'other changes during a fit'() {
    const m = model();
    const seen = {};
    const fit = await outcome(() => m.fit(x, y, {
      epochs: 1, batchSize: 32, seed: 1, threads: 2,
      callbacks: {
        onBatchEnd: async (batch) => {
          if (batch !== 2) return;
          seen.compile = await outcome(() => m.compile({ loss: 'categoricalCrossentropy', optimizer: 'adam' }));
          seen.setWeights = await outcome(() => m.setWeights(m.getWeights()));
          seen.loadWeights = await outcome(() => m.loadWeights(m.toBytes()));
          seen.predict = await outcome(() => m.predict(x));
          seen.evaluate = await outcome(() => m.evaluate(x, y));
        },
      },
    }));
    return { ...seen, fit };
  },
  // A worker gone behind the pool's back (terminated, or crashed). While the main thread is blocked
  // in Atomics.wait it cannot hear the worker's exit, so the pool gives up after stallMs without
  // progress; between calls it hears the exit, and the next call fails at once.
  async 'a worker that dies'() {
    const m = model();
    await m.startThreads(2);
    m.pool.stallMs = 1000;
    let started = performance.now();
    m.pool.workers[0].terminate();
    const whileBlocked = await outcome(() => m.predict(x));
    const blockedSeconds = (performance.now() - started) / 1000;
    const again = await outcome(() => m.predict(x));
    await outcome(() => m.stopThreads());
    await m.startThreads(2);
    m.pool.workers[0].terminate();
    await new Promise((resolve) => setTimeout(resolve, 200));
    started = performance.now();
    const betweenCalls = await outcome(() => m.predict(x));
    const betweenSeconds = (performance.now() - started) / 1000;
    const restarted = await outcome(async () => {
      m.stopThreads();
      await m.startThreads(2);
      m.predict(x);
      m.stopThreads();
    });
    return { whileBlocked, again, betweenCalls, restarted, blockedInTime: blockedSeconds < 20, betweenAtOnce: betweenSeconds < 0.5 };
  },
};

const name = process.argv[2];
const result = await scenarios[name]();
console.log(JSON.stringify(result));
