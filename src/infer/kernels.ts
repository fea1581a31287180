// The forward-only kernels (build/kernels-infer.wasm, from assembly/infer.ts): found and compiled
// once per process, instantiated once per model, each instance with a linear memory of its own.
//
// Instantiated directly, not through @assemblyscript/loader (2.4 KB gzipped, more than this whole
// entry's own code): the kernels take and return only numbers, and the one import AssemblyScript may
// ask for, `env.abort`, needs no decoding here, since none of these kernels asserts anything.

import { KernelFaultError, KernelsUnavailableError } from '../errors.js';
import { nodeModule } from '../platform/node.js';
import type { Kernels } from '../wasm/kernels.js';

/** The forward-only kernels' exports, typed as the training build's; pointers are byte offsets into `memory`. */
export type InferenceKernels = Pick<
  Kernels, 'memory' | 'heapBase' | 'denseForward' | 'denseForwardSparse' | 'gatherSparseU8' | 'gatherSparseF32' | 'reluForward' | 'softmax'
>;

/** What `init` accepts: a compiled module, the file's bytes, a fetch Response, or the file's URL. */
export type KernelSource = WebAssembly.Module | BufferSource | Response | URL | string;

let compiled: WebAssembly.Module | undefined;
let pending: Promise<void> | undefined;

/**
 * Compiles the kernels from `source`; without one, from `fallback()` unless a module is loaded or
 * loading already (so the plain init that loadModel makes keeps one given before).
 */
export function loadKernels(source: KernelSource | undefined, fallback: () => KernelSource): Promise<void> {
  if (source === undefined && compiled) return Promise.resolve();
  if (source === undefined && pending) return pending;
  const loading = compile(source ?? fallback()).then((module) => void (compiled = module));
  // A plain init() meanwhile waits for this one, whatever it loads; a failed load may be tried again.
  pending = loading;
  loading.catch(() => pending === loading && (pending = undefined));
  return loading;
}

/** Where the kernels sit beside this module, in dist/infer/ as in dist/cjs/: build/ is two folders up. */
export function kernelsUrl(): URL {
  return new URL('../../build/kernels-infer.wasm', import.meta.url);
}

/** A fresh instance of the kernels, with its own memory; a kernel loaded by init is needed. */
export function instantiate(): InferenceKernels {
  if (!compiled) throw new KernelsUnavailableError('the WebAssembly kernels are not loaded yet: await init() first');
  const abort = () => {
    throw new KernelFaultError('an inference kernel aborted');
  };
  return new WebAssembly.Instance(compiled, { env: { abort } }).exports as unknown as InferenceKernels;
}

async function compile(source: KernelSource): Promise<WebAssembly.Module> {
  if (source instanceof WebAssembly.Module) return source;
  let bytes: BufferSource;
  if (source instanceof URL || typeof source === 'string') bytes = await readUrl(new URL(source, kernelsUrl()));
  else if (typeof Response !== 'undefined' && source instanceof Response) bytes = await source.arrayBuffer();
  else bytes = source as BufferSource;
  try {
    return await WebAssembly.compile(bytes);
  } catch (error) {
    throw new KernelsUnavailableError(`could not compile the WebAssembly kernels: ${(error as Error).message}`);
  }
}

async function readUrl(url: URL): Promise<Uint8Array<ArrayBuffer>> {
  try {
    if (url.protocol === 'file:') return new Uint8Array(await (await nodeModule('fs/promises')).readFile(url));
    const response = await fetch(url);
    if (response.ok) return new Uint8Array(await response.arrayBuffer());
    throw new Error(`HTTP ${response.status}`);
  } catch (error) {
    throw new KernelsUnavailableError(`could not load the WebAssembly kernels from ${url.href}: ${(error as Error).message}`);
  }
}
