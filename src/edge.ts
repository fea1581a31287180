// The entry for edge runtimes (Cloudflare Workers, workerd), chosen by the "workerd" and "worker"
// export conditions. Those runtimes may not compile WebAssembly from bytes, and have no files to read
// beside the module; their bundler (wrangler's esbuild) turns this .wasm import into a module compiled
// ahead of time, so `await init()` works there as it does in Node, with nothing to pass.

import kernels from '../build/kernels.wasm';
import { init as initFrom, type InitOptions, type KernelSource } from './wasm/kernels.js';

export * from './index.js';

/**
 * Loads the WebAssembly kernels: by default the ones this package's bundle brought in as a compiled
 * module; any source `init` accepts elsewhere works too.
 *
 * @example
 * import { init, Sequential } from 'mnist-wasm';
 * await init();
 * const model = Sequential.fromBytes(bytes);
 */
export function init(source: KernelSource = kernels, options: InitOptions = {}): Promise<void> {
  return initFrom(source, options);
}
