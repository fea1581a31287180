// Random sequences of calls on a tiny model, as careless user code makes them: fit, predict,
// evaluate, compile, startThreads, stopThreads, save, toBytes and setWeights, awaited or not, on
// one thread or two. After every sequence: no untyped error was met, nothing hung (each sequence has
// a deadline; test/hostile.test.ts runs this file in a child process with a timeout for hangs that
// block the main thread itself), and the model still predicts finite numbers.
//   node test/api-sequences.mjs [RUNS] [SEED]     prints one JSON line

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { MnistWasmError, Sequential, adam, dense, dropout, relu, sgd, softmax } from '../dist/index.js';

const RUNS = Number(process.argv[2] ?? 60);
const SEED = Number(process.argv[3] ?? 20261206);
const SEQUENCE_DEADLINE_MS = 30_000;

const ROWS = 96;
const x = new Uint8Array(ROWS * 36).map((_, i) => ((i * 2654435761) >>> 24) & 0xff);
const y = new Float32Array(ROWS * 3).map((_, i) => (i % 3 === Math.floor(i / 3) % 3 ? 1 : 0));
const folder = await mkdtemp(join(tmpdir(), 'mnist-wasm-sequences-'));

const call = fc.oneof(
  fc.record({ op: fc.constant('fit'), epochs: fc.integer({ min: 1, max: 2 }), batchSize: fc.integer({ min: 1, max: 64 }), threads: fc.constantFrom(undefined, 1, 2), seed: fc.nat() }),
  fc.record({ op: fc.constant('predict'), rows: fc.integer({ min: 1, max: ROWS }) }),
  fc.record({ op: fc.constant('evaluate') }),
  fc.record({ op: fc.constant('compile'), adam: fc.boolean(), learningRate: fc.double({ min: 1e-4, max: 0.5, noNaN: true }) }),
  fc.record({ op: fc.constant('startThreads'), threads: fc.constantFrom(undefined, 1, 2) }),
  fc.record({ op: fc.constant('stopThreads') }),
  fc.record({ op: fc.constant('save'), includeOptimizer: fc.boolean() }),
  fc.record({ op: fc.constant('toBytes'), includeOptimizer: fc.boolean() }),
  fc.record({ op: fc.constant('setWeights') }),
);
const step = fc.record({ call, awaited: fc.boolean() });

const untyped = [];
let calls = 0;

/** Runs one call; a typed error is an answer, any other is recorded. Returns the call's promise. */
function run(model, { op, ...args }, index) {
  calls++;
  const work = async () => {
    switch (op) {
      case 'fit': return model.fit(x, y, { epochs: args.epochs, batchSize: args.batchSize, threads: args.threads, seed: args.seed });
      case 'predict': return model.predict(x.subarray(0, args.rows * 36));
      case 'evaluate': return model.evaluate(x, y);
      case 'compile': return model.compile({ loss: 'categoricalCrossentropy', optimizer: args.adam ? adam({ learningRate: args.learningRate }) : sgd({ learningRate: args.learningRate, momentum: 0.9 }) });
      case 'startThreads': return model.startThreads(args.threads);
      case 'stopThreads': return model.stopThreads();
      case 'save': return model.save(join(folder, `model-${index}.mnwm`), { includeOptimizer: args.includeOptimizer });
      case 'toBytes': return model.toBytes({ includeOptimizer: args.includeOptimizer });
      case 'setWeights': return model.setWeights(model.getWeights());
    }
  };
  return work().catch((error) => {
    if (!(error instanceof MnistWasmError)) untyped.push(`${op}: ${error?.name}: ${error?.message}`);
  });
}

const started = performance.now();
await fc.assert(
  fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 8 }), async (steps) => {
    untyped.length = 0;
    const model = new Sequential([dense(16, { inputDim: 36 }), relu(), dropout(0.2), dense(3), softmax()], { seed: 1 });
    const pending = [];
    const sequence = (async () => {
      for (const [index, { call: c, awaited }] of steps.entries()) {
        const promise = run(model, c, index);
        if (awaited) await promise;
        else pending.push(promise);
      }
      await Promise.all(pending);
    })();
    let timer;
    const deadline = new Promise((_, reject) => void (timer = setTimeout(() => reject(new Error(`sequence did not end in ${SEQUENCE_DEADLINE_MS} ms`)), SEQUENCE_DEADLINE_MS)));
    try {
      await Promise.race([sequence, deadline]);
    } finally {
      clearTimeout(timer);
    }
    const probabilities = model.predict(x);
    model.stopThreads();
    if (untyped.length > 0) throw new Error(`untyped errors: ${untyped.join('; ')}`);
    return probabilities.length === ROWS * 3 && probabilities.every(Number.isFinite);
  }),
  { numRuns: RUNS, seed: SEED },
);
await rm(folder, { recursive: true, force: true });
console.log(JSON.stringify({ sequences: RUNS, calls, seconds: (performance.now() - started) / 1000 }));
