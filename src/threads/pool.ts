// A pool of worker threads over one model's shared memory: for the duration of one fit, or from
// `model.startThreads()` to `model.stopThreads()`. Node uses worker_threads, browsers and Deno Web
// Workers; either way each worker instantiates the already compiled module over the same memory and
// then waits on the model's control block, so a phase costs two atomic operations, not a message.
// Each call (fit, evaluate, predict) has its own plan, which `load` hands to the workers by message.
//
// Workers spin for a short while before they sleep (Atomics.wait): between the two phases of a step
// the main thread only sums the loss, and waking a sleeping thread costs tens of microseconds.

import { ThreadsError } from '../errors.js';
import { FAILED, GENERATION, PENDING, PHASE, Phase, failureMessage } from '../engine/control.js';
import type { Plan } from '../engine/plan.js';
import { nodeModule } from '../platform/node.js';

/** What a worker receives once, at start. */
export interface WorkerStart {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  plan: Plan;
  index: number;
}

/** A started worker, whichever kind. */
interface WorkerHandle {
  post(message: WorkerStart | { plan: Plan }): void;
  onMessage(listener: (message: unknown) => void): void;
  onError(listener: (error: Error) => void): void;
  /** A Node worker's exit (Web Workers have none: they report through onError). */
  onExit(listener: () => void): void;
  /** Lets a Node process exit while the worker sleeps. */
  unref(): void;
  terminate(): void;
}

/**
 * Polls of the main thread before it sleeps in Atomics.wait. Kept short: with a busy neighbour on one
 * core, every poll is taken from the thread that shares that core, and the step waits for it. 4,096
 * polls (2^22 before) took the seed network's epoch with a spinning neighbour process from 1.87 s to
 * 1.33 s on two threads (one thread: 1.27 s), and changed nothing measurable on a quiet machine.
 */
const MAIN_SPINS = 1 << 12;

/**
 * How long the main thread waits for workers that make no progress at all before it gives up on them:
 * a worker that dies while the main thread is blocked in Atomics.wait cannot be heard of any other
 * way, since its exit event needs the event loop. A phase's share takes milliseconds on MNIST; the
 * wait also grows with the slowest phase seen (STALL_FACTOR times it), so that a model whose phases
 * are long is not taken for a dead one. A first phase longer than this is the case it can misjudge.
 */
export const STALL_MS = 60_000;
const STALL_FACTOR = 20;

export class WorkerPool {
  /** Threads including the main thread. */
  readonly threads: number;
  private readonly workers: WorkerHandle[];
  private readonly control: Int32Array;
  private readonly base: number;
  private canBlock = true;
  private loaded: Plan;
  /** Set by close(), or when workers stop answering: every later run fails instead of waiting. */
  private closed: string | undefined;
  /** Milliseconds without progress after which a run fails with ThreadsError (tests shorten it). */
  stallMs = STALL_MS;
  /** The longest any run has waited for its workers, in milliseconds. */
  private slowest = 0;

  private constructor(workers: WorkerHandle[], memory: WebAssembly.Memory, plan: Plan) {
    this.workers = workers;
    this.threads = workers.length + 1;
    this.control = new Int32Array(memory.buffer);
    this.base = plan.control >> 2;
    this.loaded = plan;
    // Heard between calls, when the main thread is not blocked: the next run fails at once.
    workers.forEach((worker, i) => {
      worker.onError((error) => this.close(`worker ${i + 1} failed: ${error.message}`));
      worker.onExit(() => this.close(`worker ${i + 1} exited`));
    });
  }



  /** Hands the workers another plan over the same memory and control block. */
  load(plan: Plan): void {
    if (plan === this.loaded) return;
    for (const worker of this.workers) worker.post({ plan });
    // Each worker leaves its wait loop, takes the message, and counts itself done.
    try {
      this.run(Phase.Reload, () => undefined);
    } catch (error) {
      // A worker that could not take the plan serves no more: no later run may wait for it.
      this.close('a worker could not take a new plan');
      throw error;
    }
    this.loaded = plan;
  }

  /** Starts `threads - 1` workers on `plan` and waits until each is ready. */
  static async start(threads: number, module: WebAssembly.Module, memory: WebAssembly.Memory, plan: Plan): Promise<WorkerPool> {
    const workers: WorkerHandle[] = [];
    try {
      for (let index = 1; index < threads; index++) workers.push(await spawn());
      await Promise.all(workers.map((worker, i) => new Promise<void>((resolve, reject) => {
        worker.onMessage((message) => (message === 'ready' ? resolve() : reject(new ThreadsError(`worker ${i + 1}: ${String(message)}`))));
        worker.onError((error) => reject(new ThreadsError(`worker ${i + 1} failed to start: ${error.message}`)));
        worker.post({ module, memory, plan, index: i + 1 });
      })));
    } catch (error) {
      for (const worker of workers) worker.terminate();
      throw error;
    }
    for (const worker of workers) worker.unref();
    return new WorkerPool(workers, memory, plan);
  }

  /** Runs `phase`: wakes the workers, runs `own` (the main thread's share), waits for all. */
  run(phase: number, own: () => void): void {
    if (this.closed) throw this.notRunning();
    const c = this.control;
    const base = this.base;
    c[base + PHASE] = phase;
    Atomics.store(c, base + PENDING, this.workers.length);
    Atomics.add(c, base + GENERATION, 1);
    Atomics.notify(c, base + GENERATION);
    let failure: unknown;
    try {
      own();
    } catch (error) {
      failure = error;
    }
    this.waitForWorkers();
    if (failure !== undefined) throw failure;
    if (Atomics.load(c, base + FAILED)) {
      c[base + FAILED] = 0;
      throw new ThreadsError(`a worker thread failed: ${failureMessage(c, base)}`);
    }
  }

  /** Stops every worker. */
  close(reason = 'they were stopped (stopThreads)'): void {
    if (this.closed) return;
    this.closed = reason;
    for (const worker of this.workers) worker.terminate();
  }

  private notRunning(): ThreadsError {
    return new ThreadsError(`the worker threads are not running: ${this.closed}; stopThreads() and startThreads() give new ones`);
  }

  private waitForWorkers(): void {
    const c = this.control;
    const at = this.base + PENDING;
    for (let spins = 0; spins < MAIN_SPINS; spins++) if (Atomics.load(c, at) === 0) return;
    const started = performance.now();
    const patience = Math.max(this.stallMs, STALL_FACTOR * this.slowest);
    let last = Atomics.load(c, at);
    let since = started;
    for (;;) {
      const pending = Atomics.load(c, at);
      const now = performance.now();
      if (pending === 0) {
        this.slowest = Math.max(this.slowest, now - started);
        return;
      }
      if (pending !== last) [last, since] = [pending, now];
      else if (now - since > patience) {
        this.close(`${pending} of ${this.workers.length} stopped answering for ${Math.round(patience / 1000)} s`);
        throw this.notRunning();
      }
      if (!this.canBlock) continue;
      try {
        Atomics.wait(c, at, pending, 100);
      } catch {
        // A browser's main thread may not block; it spins instead.
        this.canBlock = false;
      }
    }
  }
}

/** Threads to use by default: every core in Node (and Deno, Bun); in a browser, every core if the page is cross-origin isolated. */
export async function defaultThreads(): Promise<number> {
  const scope = globalThis as { crossOriginIsolated?: boolean; navigator?: { hardwareConcurrency?: number }; process?: { versions?: { node?: string } } };
  if (scope.process?.versions?.node) {
    const os = await nodeModule('os');
    return os.availableParallelism?.() ?? os.cpus().length;
  }
  if (scope.crossOriginIsolated) return scope.navigator?.hardwareConcurrency ?? 1;
  return 1;
}

// Each Worker is constructed as `new Worker(new URL('…', import.meta.url), …)`, written out in full:
// that is the form Vite, webpack and Parcel recognise, bundling the worker script with its imports.
async function spawn(): Promise<WorkerHandle> {
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
