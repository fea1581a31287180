// Worker threads for a model: a pool over its memory, with the engine's worker script.

import { MAX_THREADS } from '../threads/control.js';
import { WorkerPool } from '../threads/pool.js';
import { compiledModule, kernelBuild } from '../wasm/kernels.js';
import type { SessionModel } from './session.js';
import { spawnWorker } from './spawn.js';

/** A pool of `threads` threads over the model's memory, or undefined where one thread is all there can be. */
export async function startPool(model: Pick<SessionModel, 'arena' | 'regions'>, threads: number): Promise<WorkerPool | undefined> {
  const count = Math.min(threads, MAX_THREADS);
  if (count <= 1 || !kernelBuild()?.threads || !model.arena.shared) return undefined;
  return WorkerPool.start(count, spawnWorker, compiledModule(), model.arena.memory, model.regions.control);
}
