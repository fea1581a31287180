// A pool of worker threads over one shared memory: for the duration of one fit, or from
// `model.startThreads()` to `model.stopThreads()`. Node uses worker_threads, browsers and Deno Web
// Workers; either way each worker instantiates the already compiled module over the same memory and
// then waits on a control block (control.ts), so a phase costs a few atomic operations, not a message.
// The pool does not know what a phase or a plan means: its user hands the workers a plan by message
// (`load`), announces numbered phases and says how many work items each has; every thread, the main
// thread too, claims items (queue.ts) and runs them with the plan it was given.
//
// Workers spin for a short while before they sleep (Atomics.wait): between the phases of a step the
// main thread has little to do, and waking a sleeping thread costs tens of microseconds.

import { ThreadsError } from '../errors.js';
import { GENERATION, PENDING, PHASE, RELOAD, takeFailure } from './control.js';
import { MAX_ITEMS, shareItems } from './queue.js';
import { nodeModule } from '../platform/node.js';

/** What a worker receives once, at start: the module and memory, its index, and where the control block is. */
export interface WorkerStart {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  control: number;
  index: number;
}

/** A later message: the plan to run the next phases with. */
export interface WorkerPlan {
  plan: unknown;
}

/** A started worker, whichever kind (see engine/spawn.ts). */
export interface WorkerHandle {
  post(message: WorkerStart | WorkerPlan): void;
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
const STALL_MS = 60_000;
const STALL_FACTOR = 20;

export class WorkerPool {
  /** Threads including the main thread. */
  readonly threads: number;
  private readonly workers: WorkerHandle[];
  private readonly control: Int32Array;
  private readonly base: number;
  private canBlock = true;
  private loaded: unknown;
  /** Set by close(), or when workers stop answering: every later run fails instead of waiting. */
  private closed: string | undefined;
  /** Milliseconds without progress after which a run fails with ThreadsError (tests shorten it). */
  stallMs = STALL_MS;
  /** The longest any run has waited for its workers, in milliseconds. */
  private slowest = 0;

  private constructor(workers: WorkerHandle[], memory: WebAssembly.Memory, control: number) {
    this.workers = workers;
    this.threads = workers.length + 1;
    this.control = new Int32Array(memory.buffer);
    this.base = control >> 2;
    // Heard between calls, when the main thread is not blocked: the next run fails at once.
    workers.forEach((worker, i) => {
      worker.onError((error) => this.close(`worker ${i + 1} failed: ${error.message}`));
      worker.onExit(() => this.close(`worker ${i + 1} exited`));
    });
  }

  /** Hands the workers another plan (any structured-cloneable value) over the same memory and control block. */
  load(plan: unknown): void {
    if (plan === this.loaded) return;
    for (const worker of this.workers) worker.post({ plan });
    // Each worker leaves its wait loop, takes the message, and counts itself done.
    try {
      this.run(RELOAD, new Array<number>(this.threads + 1).fill(0), () => undefined);
    } catch (error) {
      // A worker that could not take the plan serves no more: no later run may wait for it.
      this.close('a worker could not take a new plan');
      throw error;
    }
    this.loaded = plan;
  }

  /**
   * Starts `threads - 1` workers with `spawn` over `memory`, with the control block at byte `control`,
   * and waits until each is ready; they run nothing until a plan is loaded.
   */
  static async start(
    threads: number, spawn: () => Promise<WorkerHandle>, module: WebAssembly.Module, memory: WebAssembly.Memory, control: number,
  ): Promise<WorkerPool> {
    const workers: WorkerHandle[] = [];
    try {
      for (let index = 1; index < threads; index++) workers.push(await spawn());
      await Promise.all(workers.map((worker, i) => new Promise<void>((resolve, reject) => {
        worker.onMessage((message) => (message === 'ready' ? resolve() : reject(new ThreadsError(`worker ${i + 1}: ${String(message)}`))));
        worker.onError((error) => reject(new ThreadsError(`worker ${i + 1} failed to start: ${error.message}`)));
        worker.post({ module, memory, control, index: i + 1 });
      })));
    } catch (error) {
      for (const worker of workers) worker.terminate();
      throw error;
    }
    for (const worker of workers) worker.unref();
    return new WorkerPool(workers, memory, control);
  }

  /**
   * Runs `phase`, whose work items thread t starts on are [runs[t], runs[t + 1]): shares them out,
   * wakes the workers, runs `own` (the main thread's claims, as thread 0), and waits for the items
   * the workers are still running.
   */
  run(phase: number, runs: ArrayLike<number>, own: () => void): void {
    if (this.closed) throw this.notRunning();
    if (runs.length !== this.threads + 1 || runs[this.threads] > MAX_ITEMS) throw new RangeError(`WorkerPool.run: runs for ${runs.length - 1} threads, not ${this.threads}`);
    const c = this.control;
    const base = this.base;
    c[base + PHASE] = phase;
    shareItems(c, base, runs);
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
    const message = takeFailure(c, base);
    if (message !== undefined) throw new ThreadsError(`a worker thread failed: ${message}`);
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
