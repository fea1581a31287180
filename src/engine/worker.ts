// A worker thread of the pool: it instantiates the kernels over the model's shared memory, says
// "ready", then runs its share of every phase the main thread announces in the control block, until
// the pool terminates it; between calls it receives each call's plan by message. Node
// (worker_threads) and browsers/Deno (Web Workers) both land here.

import { FAILED, GENERATION, PENDING, PHASE, Phase, recordFailure } from './control.js';
import type { Plan } from './plan.js';
import { Runner } from './runner.js';
import { Arena } from '../wasm/arena.js';
import { instantiateShared, type Kernels } from '../wasm/kernels.js';
import type { WorkerStart } from '../threads/pool.js';
import { nodeModule } from '../platform/node.js';

/**
 * Polls before sleeping: a step's next phase usually comes within microseconds. Few (2^16 before),
 * because a worker polling on a core it shares with other work takes that core from the thread the
 * step waits for (see MAIN_SPINS in pool.ts for the figures).
 */
const SPINS = 1 << 10;

interface Port {
  postMessage(message: unknown): void;
}

const scope = globalThis as unknown as { process?: { versions?: { node?: string } }; addEventListener?: (type: string, listener: (event: { data: Message }) => void) => void };
const nodePort = scope.process?.versions?.node ? (await nodeModule('worker_threads')).parentPort : null;

/** The first message brings the module, the memory and a plan; later ones a new plan only. */
type Message = WorkerStart | { plan: Plan };

let kernels: Kernels | undefined;
let index = 0;

function receive(message: Message, port: Port): void {
  const { plan } = message;
  let runner: Runner;
  let control: Int32Array;
  const base = plan.control >> 2;
  try {
    if ('module' in message) {
      index = message.index;
      kernels = instantiateShared(message.module, message.memory);
    }
    runner = new Runner(new Arena(kernels!), plan);
    control = new Int32Array(kernels!.memory.buffer);
  } catch (error) {
    // Said, never swallowed: at start the pool hears it as a message; on a new plan the main thread
    // waits in the control block, so the failure is written there and this thread counts itself done.
    if ('module' in message || !kernels) return void port.postMessage(failureText(error));
    control = new Int32Array(kernels.memory.buffer);
    fail(control, base, error);
    countDone(control, base);
    return;
  }
  // Read before saying so: the main thread may announce the next phase as soon as it hears.
  const seen = Atomics.load(control, base + GENERATION);
  if ('module' in message) port.postMessage('ready');
  else countDone(control, base);
  serve(runner, control, base, seen);
}

/** Runs this thread's share of every phase announced after generation `seen`, until told to reload. */
function serve(runner: Runner, control: Int32Array, base: number, seen: number): void {
  for (;;) {
    let spins = 0;
    while (Atomics.load(control, base + GENERATION) === seen) {
      if (++spins > SPINS) Atomics.wait(control, base + GENERATION, seen);
    }
    seen = Atomics.load(control, base + GENERATION);
    const phase = control[base + PHASE];
    // Back to the event loop, where the new plan waits; its arrival counts as this phase's end.
    if (phase === Phase.Reload) return;
    try {
      runner.run(phase, index);
    } catch (error) {
      fail(control, base, error);
    }
    countDone(control, base);
  }
}

/** Counts this thread's share of the phase done; the last thread to finish wakes the main thread. */
function countDone(control: Int32Array, base: number): void {
  if (Atomics.sub(control, base + PENDING, 1) === 1) Atomics.notify(control, base + PENDING);
}

/** Writes the failure into the control block for the main thread to throw, unless another thread's is there already. */
function fail(control: Int32Array, base: number, error: unknown): void {
  if (!Atomics.load(control, base + FAILED)) recordFailure(control, base, failureText(error));
}

function failureText(error: unknown): string {
  return `thread ${index}: ${(error as Error)?.message ?? String(error)}`;
}

if (nodePort) {
  const port = nodePort;
  port.on('message', (message: Message) => receive(message, port));
} else {
  const port = globalThis as unknown as Port;
  scope.addEventListener?.('message', (event) => receive(event.data, port));
}
