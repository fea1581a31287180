// A worker thread of the pool: it instantiates the kernels over the model's shared memory, says
// "ready", then runs its share of every phase the main thread announces in the control block, until
// the pool terminates it. Node (worker_threads) and browsers/Deno (Web Workers) both land here.

import { FAILED, GENERATION, PENDING, PHASE, recordFailure } from '../train/control.js';
import { Runner } from '../train/runner.js';
import { instantiateShared } from '../wasm/kernels.js';
import type { WorkerStart } from './pool.js';

/** Polls before sleeping: a step's next phase usually comes within microseconds. */
const SPINS = 1 << 16;

interface Port {
  postMessage(message: unknown): void;
}

const scope = globalThis as unknown as { process?: { versions?: { node?: string } }; addEventListener?: (type: string, listener: (event: { data: WorkerStart }) => void) => void };
const nodePort = scope.process?.versions?.node ? (await import('node:worker_threads')).parentPort : null;

function start(message: WorkerStart, port: Port): void {
  const { module, memory, plan, index } = message;
  const runner = new Runner(instantiateShared(module, memory), plan);
  const control = new Int32Array(memory.buffer);
  const base = plan.control >> 2;
  port.postMessage('ready');
  let seen = Atomics.load(control, base + GENERATION);
  for (;;) {
    let spins = 0;
    while (Atomics.load(control, base + GENERATION) === seen) {
      if (++spins > SPINS) Atomics.wait(control, base + GENERATION, seen);
    }
    seen = Atomics.load(control, base + GENERATION);
    try {
      runner.run(control[base + PHASE], index);
    } catch (error) {
      if (!Atomics.load(control, base + FAILED)) recordFailure(control, base, `thread ${index}: ${(error as Error)?.message ?? String(error)}`);
    }
    if (Atomics.sub(control, base + PENDING, 1) === 1) Atomics.notify(control, base + PENDING);
  }
}

if (nodePort) {
  const port = nodePort;
  port.once('message', (message: WorkerStart) => start(message, port));
} else {
  const port = globalThis as unknown as Port;
  scope.addEventListener?.('message', (event) => start(event.data, port));
}
