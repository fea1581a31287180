// What a careless or hostile caller does to a model: two fits at once, threads stopped from inside a
// fit, a schedule that returns NaN, a seed of "abc", a misspelt option, a layer larger than memory.
// Each gets a typed error at once, and never a hang, poisoned weights or a silent guess. The ways
// that once hung run in a child process with a timeout (test/hostile-scenarios.mjs), so that a
// regression fails here instead of hanging the run.

import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  InvalidArgumentError, ModelFormatError, OutOfMemoryError, Sequential, TrainingDivergedError, dense, relu, sgd, softmax,
} from 'mnist-wasm';
import { crc32 } from '../dist/model/format.js';

const SCENARIOS = fileURLToPath(new URL('./hostile-scenarios.mjs', import.meta.url));
const SEQUENCES = fileURLToPath(new URL('./api-sequences.mjs', import.meta.url));

function scenario(name: string): Record<string, unknown> {
  const result = spawnSync(process.execPath, [SCENARIOS, name], { encoding: 'utf8', timeout: 90_000 });
  expect(result.signal, `"${name}" hung and was killed after 90 s`).toBeNull();
  expect(result.status, result.stderr).toBe(0);
  return JSON.parse(result.stdout.trim().split('\n').pop()!) as Record<string, unknown>;
}

const ROWS = 256;
const x = new Float32Array(ROWS * 64).map((_, i) => ((i * 37) % 256) / 255);
const y = new Float32Array(ROWS * 4).map((_, i) => (i % 4 === Math.floor(i / 4) % 4 ? 1 : 0));

function model(learningRate: number | ((step: number) => number) = 0.05): Sequential {
  const m = new Sequential([dense(32, { inputDim: 64 }), relu(), dense(4), softmax()], { seed: 1 });
  m.compile({ loss: 'categoricalCrossentropy', optimizer: sgd({ learningRate }) });
  return m;
}

const allFinite = (weights: Float32Array[]) => weights.every((tensor) => tensor.every(Number.isFinite));

describe('one operation changes a model at a time, and nothing waits forever', () => {
  it('refuses a second fit while one runs, on threads and on one thread; the first goes on', () => {
    expect(scenario('two fits at once')).toEqual({
      2: ['ok', 'ModelBusyError MODEL_BUSY'], '2 then': 'ok',
      1: ['ok', 'ModelBusyError MODEL_BUSY'], '1 then': 'ok',
    });
  });

  it('refuses stopThreads from a callback of a fit on the model\'s threads; the fit ends and stopThreads works after', () => {
    expect(scenario('stopThreads in a callback')).toEqual({ inCallback: 'ModelBusyError MODEL_BUSY', fit: 'ok', after: 'ok' });
  });

  it('refuses startThreads awaited in a callback of a threaded fit', () => {
    expect(scenario('startThreads in a callback')).toEqual({ inCallback: 'ModelBusyError MODEL_BUSY', fit: 'ok', after: 'ok' });
  });

  it('refuses compile, setWeights and loadWeights during a fit, while predict and evaluate still work', () => {
    expect(scenario('other changes during a fit')).toEqual({
      compile: 'ModelBusyError MODEL_BUSY', setWeights: 'ModelBusyError MODEL_BUSY', loadWeights: 'ModelBusyError MODEL_BUSY',
      predict: 'ok', evaluate: 'ok', fit: 'ok',
    });
  });

  it('fails with ThreadsError when a worker dies, instead of waiting for it forever; new threads work', () => {
    expect(scenario('a worker that dies')).toEqual({
      whileBlocked: 'ThreadsError THREADS', again: 'ThreadsError THREADS', betweenCalls: 'ThreadsError THREADS', restarted: 'ok',
      blockedInTime: true, betweenAtOnce: true,
    });
  });
});

describe('learning rates and divergence', () => {
  it.each([NaN, -0.1, Infinity])('stops at a schedule that returns %s, naming the step, before it touches the weights', async (bad) => {
    const m = model((step) => (step === 5 ? bad : 0.05));
    let before: Float32Array[] = [];
    const error = await m.fit(x, y, { batchSize: 32, epochs: 1, seed: 1, threads: 1, callbacks: { onBatchEnd: () => void (before = m.getWeights()) } })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect((error as Error).message).toContain(`the learning rate for step 5 (epoch 1, batch 6) is ${bad}`);
    expect(m.getWeights()).toEqual(before);
    expect(allFinite(m.getWeights())).toBe(true);
  });

  it.each([1, 2])('on %i thread(s), a NaN or infinite loss leaves the weights of the step before it, all finite', async (threads) => {
    // A rate of 1e30 throws the weights far out in one step; the next step's logits overflow.
    const m = model(1e30);
    const seen: Float32Array[][] = [];
    const error = await m.fit(x, y, { batchSize: 32, epochs: 1, seed: 1, threads, callbacks: { onBatchEnd: () => void seen.push(m.getWeights()) } })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TrainingDivergedError);
    const { batch } = error as TrainingDivergedError;
    expect(batch).toBe(seen.length);
    expect(m.getWeights()).toEqual(seen[seen.length - 1]);
    expect(allFinite(m.getWeights())).toBe(true);
  });
});

describe('no silent coercion', () => {
  it.each([['"abc"', 'abc'], ['NaN', NaN], ['2**32', 2 ** 32], ['-1', -1], ['1.5', 1.5]])('refuses the seed %s in fit and in Sequential', async (_, seed) => {
    await expect(model().fit(x, y, { seed: seed as number })).rejects.toThrow(/fit: seed must be an integer from 0 to 4294967295/);
    expect(() => new Sequential([dense(4, { inputDim: 64 }), softmax()], { seed: seed as number })).toThrow(/Sequential: seed must be an integer/);
  });

  it('accepts the seeds 0 and 2**32 - 1, which differ', async () => {
    const [a, b] = [model(), model()];
    await a.fit(x, y, { seed: 0, threads: 1 });
    await b.fit(x, y, { seed: 2 ** 32 - 1, threads: 1 });
    expect(a.getWeights()).not.toEqual(b.getWeights());
  });

  it('refuses threads beyond 16 instead of quietly using 16', async () => {
    await expect(model().fit(x, y, { threads: 1000 })).rejects.toThrow(/fit: threads must be an integer from 1 to 16, got 1000/);
    await expect(model().startThreads(17)).rejects.toThrow(/startThreads: threads must be an integer from 1 to 16/);
  });

  it('names a misspelt option and the one meant, in fit, compile, predict and the constructor', async () => {
    await expect(model().fit(x, y, { batchsize: 10 } as never)).rejects.toThrow(/fit: unknown option "batchsize"; did you mean "batchSize"\?/);
    await expect(model().fit(x, y, { callbacks: 5 } as never)).rejects.toThrow(/fit: callbacks must be an object of hooks/);
    await expect(model().fit(x, y, { callbacks: { onEpochEnds: () => undefined } } as never)).rejects.toThrow(/unknown hook "onEpochEnds"; did you mean "onEpochEnd"\?/);
    await expect(model().fit(x, y, { shuffle: 'no' } as never)).rejects.toThrow(/fit: shuffle must be true or false/);
    await expect(model().fit(x, y, { checkpoint: { path: 'a', evry: 3 } } as never)).rejects.toThrow(/unknown option "evry"; did you mean "every"\?/);
    expect(() => model().compile({ loss: 'categoricalCrossentropy', optimizer: 'sgd', metric: ['accuracy'] } as never)).toThrow(/did you mean "metrics"/);
    expect(() => model().predict(x, { batch_size: 10 } as never)).toThrow(/predict: unknown option "batch_size"; did you mean "batchSize"\?/);
    expect(() => model().toBytes({ includeOptimiser: true } as never)).toThrow(/did you mean "includeOptimizer"/);
    expect(() => new Sequential([dense(4, { inputDim: 64 }), softmax()], { sed: 1 } as never)).toThrow(/did you mean "seed"/);
  });
});

describe('init', () => {
  it('keeps relaxed SIMD once opted in: the plain init() that fit and loadMnist make does not undo it', () => {
    const script = `
      const { init, kernelBuild } = await import(${JSON.stringify(fileURLToPath(new URL('../dist/index.js', import.meta.url)))});
      await init(undefined, { relaxedSimd: true });
      const opted = kernelBuild().relaxedSimd;
      await init();
      const kept = kernelBuild().relaxedSimd;
      await init(undefined, { relaxedSimd: false });
      console.log(JSON.stringify([opted, kept, kernelBuild().relaxedSimd]));`;
    const result = spawnSync(process.execPath, ['--experimental-wasm-relaxed-simd', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toEqual([true, true, false]);
  });
});

describe('every error is typed', () => {
  it('refuses non-finite weights in setWeights and in a model file', () => {
    const m = model();
    const weights = m.getWeights();
    weights[2][7] = NaN;
    expect(() => m.setWeights(weights)).toThrow(InvalidArgumentError);
    expect(() => m.setWeights(weights)).toThrow(/layer 2 kernel has NaN at index 7/);
    expect(allFinite(m.getWeights())).toBe(true);

    // A file sealed with a valid checksum around an infinite weight.
    const bytes = model().toBytes();
    const headerBytes = new DataView(bytes.buffer).getUint32(8, true);
    new DataView(bytes.buffer).setFloat32(12 + headerBytes + 4 * 5, Infinity, true);
    new DataView(bytes.buffer).setUint32(bytes.length - 4, crc32(bytes.subarray(0, bytes.length - 4)), true);
    expect(() => Sequential.fromBytes(bytes)).toThrow(ModelFormatError);
    expect(() => Sequential.fromBytes(bytes)).toThrow(/weight tensor 0 has Infinity at index 5/);
  });

  it('reports a layer larger than WebAssembly memory as OutOfMemoryError', () => {
    const huge = new Sequential([dense(2_000_000, { inputDim: 784 }), softmax()]);
    expect(() => huge.predict(new Float32Array(784))).toThrow(OutOfMemoryError);
    expect(() => huge.predict(new Float32Array(784))).toThrow(/need [\d,]+ MiB of WebAssembly memory/);
  });
});

describe('random sequences of calls (fast-check)', () => {
  it('never hang, never throw an untyped error, and leave a model that predicts finite numbers', () => {
    const runs = 500;
    const result = spawnSync(process.execPath, [SEQUENCES, String(runs)], { encoding: 'utf8', timeout: 240_000 });
    expect(result.signal, 'a sequence of calls hung; the run was killed after 240 s').toBeNull();
    expect(result.status, result.stderr).toBe(0);
    const { sequences, calls, seconds } = JSON.parse(result.stdout.trim().split('\n').pop()!) as { sequences: number; calls: number; seconds: number };
    expect(sequences).toBe(runs);
    console.log(`API sequences: ${sequences} sequences, ${calls} calls, in ${seconds.toFixed(1)} s`);
  }, 300_000);
});
