// Every kind of bad input is refused before any kernel runs, with an error of its own class and
// `code` and a message that names the argument and what was expected and found; and a kernel that
// traps anyway (a bug) surfaces as a KernelFaultError, never as a bare `RuntimeError: unreachable`.

import { updateRule } from '../dist/train/optimizers.js';
import { describe, expect, it } from 'vitest';
import {
  InvalidArgumentError, KernelFaultError, MnistWasmError, NotCompiledError, Sequential, ShapeError, adam, dense, dropout, init, relu, sgd, softmax,
  toCategorical,
} from 'mnist-wasm';
import { CONTROL_BYTES } from '../dist/engine/arguments.js';
import { resolveTopology } from '../dist/network/topology.js';
import { Random } from '../dist/random.js';
import { Session } from '../dist/engine/session.js';
import { Arena } from '../dist/wasm/arena.js';
import { instantiateKernels } from '../dist/wasm/kernels.js';

type ErrorClass = new (...args: never[]) => MnistWasmError;

async function failure(action: () => unknown): Promise<unknown> {
  try {
    await action();
  } catch (error) {
    return error;
  }
  return undefined;
}

function compiled(): Sequential {
  const model = new Sequential([dense(4, { inputDim: 3 }), relu(), dense(2), softmax()], { seed: 1 });
  model.compile({ loss: 'categoricalCrossentropy', optimizer: sgd() });
  return model;
}

const x = Float32Array.of(0, 0.5, 1, 1, 0.5, 0);
const y = toCategorical([0, 1], 2);

const cases: Array<[string, () => unknown, ErrorClass, string, string]> = [
  // x and y: dtypes, shapes, values
  ['x of the wrong dtype', () => compiled().fit(Int32Array.of(1, 2, 3) as never, y), ShapeError, 'SHAPE_MISMATCH', 'fit: x must be a Float32Array or Uint8Array of n × 3 values, got Int32Array of length 3'],
  ['x of the wrong width', () => compiled().fit(new Float32Array(7), y), ShapeError, 'SHAPE_MISMATCH', 'fit: x has 7 values, expected a positive multiple of the input width 3'],
  ['empty x', () => compiled().predict(new Float32Array(0)), ShapeError, 'SHAPE_MISMATCH', 'predict: x has 0 values'],
  ['NaN in x', () => compiled().fit(Float32Array.of(1, 2, NaN, 0, 0, 0), y), ShapeError, 'SHAPE_MISMATCH', 'fit: x[2] is NaN'],
  ['Infinity in x', () => compiled().predict(Float32Array.of(1, Infinity, 0)), ShapeError, 'SHAPE_MISMATCH', 'predict: x[1] is Infinity'],
  ['y of the wrong dtype', () => compiled().fit(x, Uint8Array.of(0, 1) as never), ShapeError, 'SHAPE_MISMATCH', 'fit: y must be a Float32Array of n × 2 one-hot values (see toCategorical), got Uint8Array of length 2'],
  ['y with too few rows', () => compiled().fit(x, toCategorical([0], 2)), ShapeError, 'SHAPE_MISMATCH', 'expected 2 rows × 2 classes = 4'],
  ['NaN in y', () => compiled().fit(x, Float32Array.of(1, 0, NaN, 1)), ShapeError, 'SHAPE_MISMATCH', 'fit: y[2] is NaN'],
  ['predicting with the wrong width', () => compiled().predict(new Float32Array(4)), ShapeError, 'SHAPE_MISMATCH', 'predict: x has 4 values, expected a positive multiple of the input width 3'],
  ['evaluating with other classes', () => compiled().evaluate(x, toCategorical([0, 2], 3)), ShapeError, 'SHAPE_MISMATCH', 'expected 2 rows × 2 classes = 4'],
  // labels
  ['a label beyond the classes', () => toCategorical([0, 3], 3), ShapeError, 'SHAPE_MISMATCH', 'toCategorical: label 1 is 3'],
  ['a negative label', () => toCategorical([-1], 3), ShapeError, 'SHAPE_MISMATCH', 'toCategorical: label 0 is -1'],
  ['a fractional label', () => toCategorical([1.5], 3), ShapeError, 'SHAPE_MISMATCH', 'toCategorical: label 0 is 1.5'],
  // hyper-parameters
  ['a dropout rate of 1', () => dropout(1), InvalidArgumentError, 'INVALID_ARGUMENT', 'dropout: rate must be in [0, 1), got 1'],
  ['a negative dropout rate', () => dropout(-0.1), InvalidArgumentError, 'INVALID_ARGUMENT', 'dropout: rate must be in [0, 1), got -0.1'],
  ['zero units', () => dense(0), InvalidArgumentError, 'INVALID_ARGUMENT', 'dense: units must be a positive integer, got 0'],
  ['a learning rate of 0', () => sgd({ learningRate: 0 }), InvalidArgumentError, 'INVALID_ARGUMENT', 'sgd: learningRate must be a finite number above 0'],
  ['a negative learning rate', () => adam({ learningRate: -1 }), InvalidArgumentError, 'INVALID_ARGUMENT', 'adam: learningRate must be a finite number above 0'],
  ['a momentum of 1', () => sgd({ momentum: 1 }), InvalidArgumentError, 'INVALID_ARGUMENT', 'sgd: momentum must be in [0, 1), got 1'],
  ['a batch size of 0', () => compiled().fit(x, y, { batchSize: 0 }), InvalidArgumentError, 'INVALID_ARGUMENT', 'fit: batchSize must be a positive integer, got 0'],
  ['a fractional batch size', () => compiled().fit(x, y, { batchSize: 1.5 }), InvalidArgumentError, 'INVALID_ARGUMENT', 'fit: batchSize must be a positive integer, got 1.5'],
  ['zero epochs', () => compiled().fit(x, y, { epochs: 0 }), InvalidArgumentError, 'INVALID_ARGUMENT', 'fit: epochs must be a positive integer, got 0'],
  ['zero threads', () => compiled().fit(x, y, { threads: 0 }), InvalidArgumentError, 'INVALID_ARGUMENT', 'fit: threads must be an integer from 1 to 16, got 0'],
  ['a batch size of 0 to predict', () => compiled().predict(x, { batchSize: 0 }), InvalidArgumentError, 'INVALID_ARGUMENT', 'predict: batchSize must be a positive integer, got 0'],
  // order of calls
  ['fit before compile', () => new Sequential([dense(2, { inputDim: 3 }), softmax()]).fit(x, y), NotCompiledError, 'NOT_COMPILED', 'fit() needs a compiled model'],
  ['evaluate before compile', () => new Sequential([dense(2, { inputDim: 3 }), softmax()]).evaluate(x, y), NotCompiledError, 'NOT_COMPILED', 'evaluate() needs a compiled model'],
  ['an unknown loss', () => compiled().compile({ loss: 'mse' as never, optimizer: 'sgd' }), InvalidArgumentError, 'INVALID_ARGUMENT', "compile: loss must be 'categoricalCrossentropy'"],
];

describe('bad input', () => {
  it.each(cases)('%s: a typed error that names it', async (_, action, kind, code, text) => {
    await init();
    const error = await failure(action);
    expect(error).toBeInstanceOf(kind);
    expect((error as MnistWasmError).code).toBe(code);
    expect((error as Error).message).toContain(text);
  });
});

describe('a kernel that traps', () => {
  it('is reported as a KernelFaultError saying what was running, not as RuntimeError', async () => {
    await init();
    const newSession = () => {
      const arena = new Arena(instantiateKernels());
      const topology = resolveTopology([dense(4, { inputDim: 3 }), relu(), dense(2), softmax()]);
      const bytes = topology.paramFloats * 4;
      const regions = { params: arena.reserve(bytes), grads: arena.reserve(bytes), state: [arena.reserve(bytes), arena.reserve(bytes), 0] as [number, number, number], control: arena.reserve(CONTROL_BYTES) };
      return new Session({ arena, topology, regions }, 2, [{ x, y, rows: 2, ordered: true }], updateRule(sgd()));
    };
    const sound = newSession();
    expect(() => sound.trainRows(0, 0, 2, false, new Random(1))).not.toThrow();
    sound.close();
    // A plan pointing beyond the memory, as only a bug in this library could make one. Threads write
    // a plan's calls down the first time they run it, so it is broken before that.
    const session = newSession();
    (session.plan as { params: number }).params = 0x7fff_fff0;
    for (const op of session.plan.training) (op as { weight?: number }).weight = 0x7fff_fff0;
    const error = await failure(() => session.trainRows(0, 0, 2, false, new Random(1)));
    expect(error).toBeInstanceOf(KernelFaultError);
    expect((error as KernelFaultError).code).toBe('KERNEL_FAULT');
    expect((error as Error).message).toMatch(/^a WebAssembly kernel failed during the forward and backward pass of a batch: .*out of bounds.*a bug in mnist-wasm/);
    session.close();
  });
});
