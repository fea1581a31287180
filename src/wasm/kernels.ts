// Finding, compiling and instantiating the kernels.
//
// Four builds of the same AssemblyScript sit in build/: kernels.wasm owns its memory;
// kernels-threads.wasm imports a shared memory, so that worker threads can run the same kernels on
// the same arrays; the two -relaxed variants use relaxed SIMD's fused multiply-add (opt-in, see
// `init`). Where shared memory exists (Node, Deno, Bun, cross-origin isolated pages) the threads
// build is the default, even for one thread: its results are the same bits.
//
// Instantiation goes through @assemblyscript/loader for one concrete reason: its `env.abort` import
// decodes an AssemblyScript abort's message, file and line from linear memory, so a failing kernel
// reports what failed instead of a bare trap. Kernels take and return only numbers, so nothing else
// of the loader's marshalling is needed.
//
// The module is compiled once per process; every model instantiates its own copy, and with it its
// own linear memory (its arena).

import { instantiateSync } from '@assemblyscript/loader';
import { InvalidArgumentError, KernelsUnavailableError, checkOptionKeys, describe } from '../errors.js';
import { compileBytes, compileSource, readUrl, type KernelSource } from './source.js';

/** The kernels' exports; pointers are byte offsets into `memory`. */
export interface Kernels {
  readonly memory: WebAssembly.Memory;
  heapBase(): number;
  denseForward(out: number, inp: number, weight: number, bias: number, mask: number, scale: number, batch: number, inDim: number, outDim: number, relu: boolean): void;
  denseForwardReference(out: number, inp: number, weight: number, bias: number, mask: number, scale: number, batch: number, inDim: number, outDim: number, relu: boolean): void;
  denseInputGradient(dinput: number, dout: number, weight: number, batch: number, inDim: number, outDim: number): void;
  denseInputGradientReference(dinput: number, dout: number, weight: number, batch: number, inDim: number, outDim: number): void;
  denseInputGradientTransposed(dinput: number, dout: number, weightT: number, batch: number, inDim: number, outDim: number, inStride: number, mask: number, scale: number, gate: number): void;
  denseInputGradientTransposedReference(dinput: number, dout: number, weight: number, batch: number, inDim: number, outDim: number): void;
  transpose(out: number, inp: number, rows: number, cols: number, outStride: number): void;
  denseWeightGradient(dweight: number, dout: number, inp: number, batch: number, inDim: number, outDim: number, inStride: number): void;
  denseWeightGradientReference(dweight: number, dout: number, inp: number, batch: number, inDim: number, outDim: number, inStride: number): void;
  denseBiasGradient(dbias: number, dout: number, batch: number, outDim: number, outStride: number): void;
  denseBiasGradientReference(dbias: number, dout: number, batch: number, outDim: number): void;
  denseForwardSparse(out: number, rowRange: number, entries: number, weight: number, bias: number, mask: number, scale: number, batch: number, inDim: number, outDim: number, outStride: number, relu: boolean, panel: number): void;
  denseWeightGradientSparse(dweight: number, columnStart: number, entries: number, dout: number, batch: number, inDim: number, outDim: number, outStride: number, panel: number): void;
  denseWeightUpdateSparse(weight: number, velocity: number, columnStart: number, entries: number, dout: number, batch: number, inDim: number, outDim: number, outStride: number, lr: number, momentum: number, weightDecay: number, nesterov: boolean, panel: number): void;
  transposeSparse(columnStart: number, cscEntries: number, rowRange: number, csrEntries: number, batch: number, fromColumn: number, toColumn: number): void;
  gatherRowsU8(out: number, data: number, order: number, from: number, count: number, width: number, table: number): void;
  gatherRowsF32(out: number, data: number, order: number, from: number, count: number, width: number): void;
  gatherSparseU8(rowRange: number, entries: number, data: number, order: number, from: number, count: number, width: number, table: number, first: number): void;
  gatherSparseF32(rowRange: number, entries: number, data: number, order: number, from: number, count: number, width: number, first: number): void;
  gatherSparseRows(rowRange: number, entries: number, ranges: number, source: number, order: number, from: number, count: number, first: number): void;
  reluForward(out: number, inp: number, count: number): void;
  reluForwardReference(out: number, inp: number, count: number): void;
  reluBackward(dinput: number, dout: number, out: number, count: number): void;
  reluBackwardReference(dinput: number, dout: number, out: number, count: number): void;
  dropoutApply(out: number, inp: number, mask: number, rows: number, units: number, scale: number): void;
  dropoutApplyReference(out: number, inp: number, mask: number, rows: number, units: number, scale: number): void;
  softmaxCrossEntropy(dlogits: number, rowStats: number, logits: number, targets: number, batch: number, classes: number, gradScale: number): void;
  softmax(probabilities: number, logits: number, batch: number, classes: number): void;
  augmentRows(out: number, data: number, order: number, from: number, count: number, width: number, height: number,
    params: number, paramStride: number, basisX: number, basisY: number, k: number, stride: number, scratch: number, cutoff: number): void;
  /** cols (batch·outHeight·outWidth, kernelH·kernelW·channels) = the convolution windows of NHWC input, 0 in the padding (assembly/conv.ts). */
  im2col(cols: number, input: number, batch: number, height: number, width: number, channels: number, outHeight: number, outWidth: number,
    kernelH: number, kernelW: number, strideH: number, strideW: number, padTop: number, padLeft: number): void;
  /** Scalar reference for `im2col`, the same bits. */
  im2colReference(cols: number, input: number, batch: number, height: number, width: number, channels: number, outHeight: number, outWidth: number,
    kernelH: number, kernelW: number, strideH: number, strideW: number, padTop: number, padLeft: number): void;
  /** The adjoint of `im2col`: dinput = 0, then each dcols element added where `im2col` read it, in the order oy, ox, ky, kx, c. */
  col2im(dinput: number, dcols: number, batch: number, height: number, width: number, channels: number, outHeight: number, outWidth: number,
    kernelH: number, kernelW: number, strideH: number, strideW: number, padTop: number, padLeft: number): void;
  /** Scalar reference for `col2im`, the same bits. */
  col2imReference(dinput: number, dcols: number, batch: number, height: number, width: number, channels: number, outHeight: number, outWidth: number,
    kernelH: number, kernelW: number, strideH: number, strideW: number, padTop: number, padLeft: number): void;
  /** NHWC max pooling: out and argmax (i32, (y·width + x)·channels + c within the image, first of ties, −1 for an all-padding window) (assembly/pool.ts). */
  maxPoolForward(out: number, argmax: number, input: number, batch: number, height: number, width: number, channels: number, outHeight: number, outWidth: number,
    poolH: number, poolW: number, strideH: number, strideW: number, padTop: number, padLeft: number): void;
  /** Scalar reference for `maxPoolForward`, the same bits. */
  maxPoolForwardReference(out: number, argmax: number, input: number, batch: number, height: number, width: number, channels: number, outHeight: number, outWidth: number,
    poolH: number, poolW: number, strideH: number, strideW: number, padTop: number, padLeft: number): void;
  /** dinput = 0, then dinput[b, argmax] += dout for every output of `maxPoolForward`, in order. */
  maxPoolBackward(dinput: number, dout: number, argmax: number, batch: number, height: number, width: number, channels: number, outHeight: number, outWidth: number): void;
  /** Scalar reference for `maxPoolBackward`, the same bits. */
  maxPoolBackwardReference(dinput: number, dout: number, argmax: number, batch: number, height: number, width: number, channels: number, outHeight: number, outWidth: number): void;
  sgdUpdate(param: number, grad: number, count: number, lr: number, weightDecay: number): void;
  sgdUpdateReference(param: number, grad: number, count: number, lr: number, weightDecay: number): void;
  sgdMomentumUpdate(param: number, grad: number, velocity: number, count: number, lr: number, momentum: number, weightDecay: number, nesterov: boolean): void;
  sgdMomentumUpdateReference(param: number, grad: number, velocity: number, count: number, lr: number, momentum: number, weightDecay: number, nesterov: boolean): void;
  adamUpdate(param: number, grad: number, m: number, v: number, count: number, lr: number, beta1: number, beta2: number, epsilon: number, weightDecay: number, correction1: number, correction2: number): void;
  adamUpdateReference(param: number, grad: number, m: number, v: number, count: number, lr: number, beta1: number, beta2: number, epsilon: number, weightDecay: number, correction1: number, correction2: number): void;
  /** RMSprop as Keras 3 computes it; `mom` 0 for no momentum, `mg` 0 when not centered (assembly/optimizers.ts). */
  rmspropUpdate(param: number, grad: number, ms: number, mom: number, mg: number, count: number, lr: number, rho: number, momentum: number, epsilon: number): void;
  /** Scalar reference for `rmspropUpdate`, the same bits. */
  rmspropUpdateReference(param: number, grad: number, ms: number, mom: number, mg: number, count: number, lr: number, rho: number, momentum: number, epsilon: number): void;
}

export type { KernelSource };

/** Options of {@link init}. */
export interface InitOptions {
  /**
   * Use the relaxed-SIMD build, whose multiply-adds become fused (FMA) where the CPU has them: faster,
   * but the last bits of results then differ from one CPU to another. Off by default; ignored, with
   * the portable build loaded instead, where the engine lacks relaxed SIMD (Node 20 needs
   * `--experimental-wasm-relaxed-simd`).
   */
  relaxedSimd?: boolean;
}

/** Which build is loaded. */
export interface KernelBuild {
  /** Imports a shared memory, so models can train with worker threads. */
  threads: boolean;
  /** Uses relaxed SIMD (FMA). */
  relaxedSimd: boolean;
}

/** Pages of 64 KiB a shared memory may grow to: 2 GiB, as declared by the threads build. */
const MAXIMUM_PAGES = 32768;

type BuildName = 'plain' | 'threads' | 'relaxed' | 'threadsRelaxed';

/**
 * Where each build sits beside this module. Computed when first needed, not at import, so that a
 * runtime without import.meta.url (an edge Worker that passes init a compiled module) can still
 * import the library; each URL is written out whole so that bundlers see and copy the files.
 */
function buildUrl(name: BuildName): URL {
  switch (name) {
    case 'plain':
      return new URL('../../build/kernels.wasm', import.meta.url);
    case 'threads':
      return new URL('../../build/kernels-threads.wasm', import.meta.url);
    case 'relaxed':
      return new URL('../../build/kernels-relaxed.wasm', import.meta.url);
    case 'threadsRelaxed':
      return new URL('../../build/kernels-threads-relaxed.wasm', import.meta.url);
  }
}

interface Compiled {
  module: WebAssembly.Module;
  build: KernelBuild;
}

let compiled: Compiled | undefined;
let pending: Promise<Compiled> | undefined;

/**
 * Loads the WebAssembly kernels. Node finds the files beside the package by itself, and `fit` and
 * `loadMnist` call this for you; call it yourself where the file is served from elsewhere, in an edge
 * runtime that imports the module precompiled, or to opt in to relaxed SIMD.
 *
 * @example
 * import { init } from 'mnist-wasm';
 * await init(); // or: await init(new URL('/assets/kernels.wasm', location.href))
 * await init(undefined, { relaxedSimd: true }); // faster, CPU-dependent bits
 */
export async function init(source?: KernelSource, options: InitOptions = {}): Promise<void> {
  checkOptionKeys('init', options, ['relaxedSimd']);
  if (options.relaxedSimd !== undefined && typeof options.relaxedSimd !== 'boolean') {
    throw new InvalidArgumentError(`init: relaxedSimd must be true or false, got ${describe(options.relaxedSimd)}`);
  }
  const wanted = options.relaxedSimd;
  if (source === undefined) {
    // A plain init() (as fit and loadMnist make) keeps whichever build is loaded or loading: it must
    // not undo an earlier opt-in to relaxed SIMD.
    if (wanted === undefined && compiled) return;
    if (wanted === undefined && pending) return void (await pending);
    if (compiled && compiled.build.relaxedSimd === wanted) return;
  }
  const loading = (source === undefined ? compileDefault(wanted === true) : compile(source)).then((result) => (compiled = result));
  // A plain init() meanwhile waits for this one, whatever it loads; a failed load may be tried again.
  pending = loading;
  loading.catch(() => pending === loading && (pending = undefined));
  await loading;
}

/**
 * Which build of the kernels `init` loaded (threads, relaxed SIMD), or undefined before it has.
 *
 * @example
 * await init();
 * kernelBuild(); // { threads: true, relaxedSimd: false } in Node
 */
export function kernelBuild(): KernelBuild | undefined {
  return compiled && { ...compiled.build };
}

/** The compiled module, for worker threads to instantiate over the same memory. */
export function compiledModule(): WebAssembly.Module {
  return loaded().module;
}

/**
 * A fresh instance of the kernels: over `memory` if given (a worker joining a model's memory), else
 * with a memory of its own, shared for the threads build. `init` must have completed.
 */
export function instantiateKernels(memory?: WebAssembly.Memory): Kernels {
  const { module, build } = loaded();
  if (!build.threads) return ownExports(instantiateSync(module, {}).instance);
  return instantiateShared(module, memory ?? new WebAssembly.Memory({ initial: 1, maximum: MAXIMUM_PAGES, shared: true }));
}

/** Instantiates a module posted to a worker over the model's memory. */
export function instantiateShared(module: WebAssembly.Module, memory: WebAssembly.Memory): Kernels {
  return { ...ownExports(instantiateSync(module, { env: { memory } }).instance), memory };
}

/**
 * The instance's exports themselves, not the loader's wrappers around them: a wrapper gathers its
 * arguments into an array and spreads them again on every call, for nothing here, since every kernel
 * takes all its arguments. The loader's `abort` import still reports a failing kernel.
 */
function ownExports(instance: WebAssembly.Instance): Kernels {
  return { ...instance.exports } as unknown as Kernels;
}

function loaded(): Compiled {
  if (!compiled) {
    throw new KernelsUnavailableError('the WebAssembly kernels are not loaded yet: await init() (or fit/loadMnist) first');
  }
  return compiled;
}

/** Whether this runtime can share a WebAssembly memory between threads. */
function sharedMemorySupported(): boolean {
  try {
    return new WebAssembly.Memory({ initial: 0, maximum: 1, shared: true }).buffer instanceof SharedArrayBuffer;
  } catch {
    return false;
  }
}

async function compileDefault(relaxed: boolean): Promise<Compiled> {
  const threads = sharedMemorySupported();
  if (relaxed) {
    const bytes = await readUrl(buildUrl(threads ? 'threadsRelaxed' : 'relaxed'));
    if (WebAssembly.validate(bytes)) return describeModule(await compileBytes(bytes), true);
  }
  return compile(buildUrl(threads ? 'threads' : 'plain'));
}

async function compile(source: KernelSource): Promise<Compiled> {
  return describeModule(await compileSource(source, () => buildUrl('plain')), false);
}

/** A module that imports its memory is a threads build. */
function describeModule(module: WebAssembly.Module, relaxedSimd: boolean): Compiled {
  const threads = WebAssembly.Module.imports(module).some((entry) => entry.kind === 'memory');
  return { module, build: { threads, relaxedSimd } };
}
