// A worker thread of the pool: it instantiates the kernels over the model's shared memory, says
// "ready", then runs its claims of every phase the main thread announces (threads/serve.ts), with
// the plan of the current call, which it receives by message between calls. Node (worker_threads)
// and browsers/Deno (Web Workers) both land here.

import { recordFailure } from '../threads/control.js';
import type { WorkerPlan, WorkerStart } from '../threads/pool.js';
import { countDone, serve } from '../threads/serve.js';
import { GENERATION } from '../threads/control.js';
import type { Plan } from './plan-types.js';
import { Runner } from './runner.js';
import { Arena } from '../wasm/arena.js';
import { instantiateShared, type Kernels } from '../wasm/kernels.js';
import { nodeModule } from '../platform/node.js';

interface Port {
  postMessage(message: unknown): void;
}

type Message = WorkerStart | WorkerPlan;

const scope = globalThis as unknown as { process?: { versions?: { node?: string } }; addEventListener?: (type: string, listener: (event: { data: Message }) => void) => void };
const nodePort = scope.process?.versions?.node ? (await nodeModule('worker_threads')).parentPort : null;

let kernels: Kernels | undefined;
let control = new Int32Array(0);
let base = 0;
let index = 0;
let runner: Runner | undefined;

function receive(message: Message, port: Port): void {
  if ('module' in message) {
    try {
      ({ index } = message);
      base = message.control >> 2;
      kernels = instantiateShared(message.module, message.memory);
      control = new Int32Array(kernels.memory.buffer);
    } catch (error) {
      // Said, never swallowed: the pool hears it as an answer other than "ready".
      return void port.postMessage(failureText(error));
    }
    const seen = Atomics.load(control, base + GENERATION);
    port.postMessage('ready');
    return run(seen);
  }
  try {
    runner = new Runner(new Arena(kernels!), message.plan as Plan, index);
  } catch (error) {
    // The main thread waits in the control block: the failure is written there, and this thread
    // counts the reload done, as the plan's arrival always does.
    runner = undefined;
    recordFailure(control, base, failureText(error));
  }
  // Read before saying so: the main thread may announce the next phase as soon as it hears.
  const seen = Atomics.load(control, base + GENERATION);
  countDone(control, base);
  run(seen);
}

function run(seen: number): void {
  serve(control, base, seen, (phase) => {
    if (!runner) throw new Error('no plan to run');
    runner.run(phase);
  }, failureText);
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
