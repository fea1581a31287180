// Starting one worker thread on the engine's entry (worker.ts), in Node and in browsers and Deno.
// Here rather than in threads/: the script a worker runs is the engine's, and its URL must be written
// out where the bundlers can see it.

import type { WorkerHandle } from '../threads/pool.js';
import { nodeModule } from '../platform/node.js';

// Each Worker is constructed as `new Worker(new URL('…', import.meta.url), …)`, written out in full:
// that is the form Vite, webpack and Parcel recognise, bundling the worker script with its imports.
// The path goes up a folder and back into engine/, so that it also holds from dist/cjs/.
export async function spawnWorker(): Promise<WorkerHandle> {
  const scope = globalThis as { process?: { versions?: { node?: string } }; window?: unknown };
  if (scope.process?.versions?.node && scope.window === undefined) {
    const { Worker } = await nodeModule('worker_threads');
    // Workers take the process's Node flags (loaders, conditions), but not those only for -e, nor V8's
    // and other per-process flags, which Worker refuses and which apply to the whole process anyway.
    let execArgv = process.execArgv.filter((flag) => !/^--(input-type|experimental-wasm-|wasm-)/.test(flag));
    let worker;
    try {
      worker = new Worker(new URL('../engine/worker.js', import.meta.url), { execArgv });
    } catch (error) {
      if ((error as { code?: string }).code !== 'ERR_WORKER_INVALID_EXEC_ARGV') throw error;
      const refused = (error as Error).message.split(': ').pop()!.split(', ');
      execArgv = execArgv.filter((flag) => !refused.includes(flag) && !refused.includes(flag.split('=')[0]));
      worker = new Worker(new URL('../engine/worker.js', import.meta.url), { execArgv });
    }
    return {
      post: (message) => worker.postMessage(message),
      onMessage: (listener) => worker.on('message', listener),
      onError: (listener) => worker.on('error', listener),
      onExit: (listener) => worker.on('exit', listener),
      unref: () => worker.unref(),
      terminate: () => void worker.terminate(),
    };
  }
  const worker = new Worker(new URL('../engine/worker.js', import.meta.url), { type: 'module' });
  return {
    post: (message) => worker.postMessage(message),
    onMessage: (listener) => worker.addEventListener('message', (event) => listener(event.data)),
    onError: (listener) => worker.addEventListener('error', (event) => listener(new Error(event.message))),
    onExit: () => undefined,
    unref: () => undefined,
    terminate: () => worker.terminate(),
  };
}
