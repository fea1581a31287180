// Finding, compiling and instantiating the kernels (build/kernels.wasm).
//
// Instantiation goes through @assemblyscript/loader for one concrete reason: its `env.abort` import
// decodes an AssemblyScript abort's message, file and line from linear memory, so a failing kernel
// reports what failed instead of a bare trap. Kernels take and return only numbers, so nothing else
// of the loader's marshalling is needed.
//
// The module is compiled once per process; every model instantiates its own copy, and with it its
// own linear memory (its arena).

import { instantiateSync } from '@assemblyscript/loader';
import { KernelsUnavailableError } from '../errors.js';

/** The kernels' exports; pointers are byte offsets into `memory`. */
export interface Kernels {
  readonly memory: WebAssembly.Memory;
  heapBase(): number;
  denseForward(out: number, inp: number, weight: number, bias: number, batch: number, inDim: number, outDim: number, relu: boolean): void;
  denseForwardReference(out: number, inp: number, weight: number, bias: number, batch: number, inDim: number, outDim: number, relu: boolean): void;
  denseBackward(dinp: number, dweight: number, dbias: number, dout: number, inp: number, weight: number, batch: number, inDim: number, outDim: number): void;
  denseBackwardReference(dinp: number, dweight: number, dbias: number, dout: number, inp: number, weight: number, batch: number, inDim: number, outDim: number): void;
  denseBackwardBias(dbias: number, dout: number, batch: number, outDim: number): void;
  denseForwardSparse(out: number, rowStart: number, columns: number, values: number, weight: number, bias: number, batch: number, outDim: number, relu: boolean): void;
  denseWeightGradientSparse(dweight: number, columnStart: number, rows: number, values: number, dout: number, inDim: number, outDim: number): void;
  reluForward(out: number, inp: number, count: number): void;
  reluForwardReference(out: number, inp: number, count: number): void;
  reluBackward(dinp: number, dout: number, out: number, count: number): void;
  reluBackwardReference(dinp: number, dout: number, out: number, count: number): void;
  dropoutApply(out: number, inp: number, mask: number, count: number, scale: number): void;
  dropoutApplyReference(out: number, inp: number, mask: number, count: number, scale: number): void;
  softmaxCrossEntropy(dlogits: number, stats: number, logits: number, targets: number, batch: number, classes: number, gradScale: number): void;
  softmax(probabilities: number, logits: number, batch: number, classes: number): void;
  sgdUpdate(param: number, grad: number, count: number, lr: number, weightDecay: number): void;
  sgdUpdateReference(param: number, grad: number, count: number, lr: number, weightDecay: number): void;
  sgdMomentumUpdate(param: number, grad: number, velocity: number, count: number, lr: number, momentum: number, weightDecay: number, nesterov: boolean): void;
  sgdMomentumUpdateReference(param: number, grad: number, velocity: number, count: number, lr: number, momentum: number, weightDecay: number, nesterov: boolean): void;
  adamUpdate(param: number, grad: number, m: number, v: number, count: number, lr: number, beta1: number, beta2: number, epsilon: number, weightDecay: number, correction1: number, correction2: number): void;
  adamUpdateReference(param: number, grad: number, m: number, v: number, count: number, lr: number, beta1: number, beta2: number, epsilon: number, weightDecay: number, correction1: number, correction2: number): void;
}

/** What `init` accepts: a compiled module, the file's bytes, a fetch Response, or the file's URL. */
export type KernelSource = WebAssembly.Module | BufferSource | Response | URL | string;

const defaultUrl = new URL('../../build/kernels.wasm', import.meta.url);
let compiled: WebAssembly.Module | undefined;
let pending: Promise<WebAssembly.Module> | undefined;

/**
 * Loads the WebAssembly kernels. Node finds the file beside the package by itself, and `fit` and
 * `loadMnist` call this for you; call it yourself where the file is served from elsewhere, or in an
 * edge runtime that imports the module precompiled.
 *
 * @example
 * import { init } from 'mnist-wasm';
 * await init(); // or: await init(new URL('/assets/kernels.wasm', location.href))
 */
export function init(source?: KernelSource): Promise<void> {
  if (source === undefined && compiled) return Promise.resolve();
  if (source === undefined && pending) return pending.then(() => undefined);
  const loading = compile(source ?? defaultUrl).then((module) => (compiled = module));
  if (source === undefined) pending = loading;
  return loading.then(() => undefined);
}

/** A fresh instance of the kernels with its own memory; `init` must have completed. */
export function instantiateKernels(): Kernels {
  if (!compiled) {
    throw new KernelsUnavailableError('the WebAssembly kernels are not loaded yet: await init() (or fit/loadMnist) first');
  }
  return instantiateSync(compiled, {}).exports as unknown as Kernels;
}

async function compile(source: KernelSource): Promise<WebAssembly.Module> {
  try {
    if (source instanceof WebAssembly.Module) return source;
    if (source instanceof URL || typeof source === 'string') return await WebAssembly.compile(await readUrl(new URL(source, defaultUrl)));
    if (isResponse(source)) return await WebAssembly.compile(await source.arrayBuffer());
    return await WebAssembly.compile(source);
  } catch (error) {
    if (error instanceof KernelsUnavailableError) throw error;
    throw new KernelsUnavailableError(`could not compile the WebAssembly kernels: ${(error as Error).message}`);
  }
}

function isResponse(source: KernelSource): source is Response {
  return typeof Response !== 'undefined' && source instanceof Response;
}

async function readUrl(url: URL): Promise<BufferSource> {
  if (url.protocol === 'file:') {
    const { readFile } = await import('node:fs/promises');
    try {
      return new Uint8Array(await readFile(url));
    } catch (error) {
      throw new KernelsUnavailableError(
        `could not read the WebAssembly kernels at ${url.pathname}: ${(error as Error).message} (run "npm run build")`,
      );
    }
  }
  const response = await fetch(url);
  if (!response.ok) throw new KernelsUnavailableError(`could not fetch the WebAssembly kernels from ${url.href}: HTTP ${response.status}`);
  return response.arrayBuffer();
}
