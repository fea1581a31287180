// Work items shared out with stealing (threads/queue.ts), and the promise it keeps: however the items
// of a phase are claimed, by how many threads and in what order, training gives the same bits.

import { describe, expect, it } from 'vitest';
import { init, loadMnist, sgd, adam, rmsprop, toCategorical, dense, relu, dropout, softmax, type OptimizerConfig } from 'mnist-wasm';
import { claimItem, evenRuns, shareItems } from '../dist/threads/queue.js';
import { HEADER_WORDS, MAX_THREADS } from '../dist/threads/control.js';
import { CONTROL_BYTES } from '../dist/engine/arguments.js';
import { startPool } from '../dist/engine/threads.js';
import { Session } from '../dist/engine/session.js';
import { updateRule } from '../dist/train/optimizers.js';
import { resolveTopology } from '../dist/network/topology.js';
import { Random } from '../dist/random.js';
import { Arena } from '../dist/wasm/arena.js';
import { instantiateKernels } from '../dist/wasm/kernels.js';

describe('the work queue', () => {
  const block = () => new Int32Array(new SharedArrayBuffer(HEADER_WORDS * 4));

  it('gives each thread its own contiguous run, front first', () => {
    const i32 = block();
    shareItems(i32, 0, evenRuns(10, 3));
    const claims = (thread: number, n: number) => Array.from({ length: n }, () => claimItem(i32, 0, thread));
    expect(claims(0, 3)).toEqual([0, 1, 2]);
    expect(claims(1, 3)).toEqual([3, 4, 5]);
    expect(claims(2, 4)).toEqual([6, 7, 8, 9]);
    expect(claims(0, 1)).toEqual([-1]);
  });

  it('lets a thread that ran out take from the back of the longest run left, but for its last item', () => {
    const i32 = block();
    shareItems(i32, 0, evenRuns(12, 2));
    expect(claimItem(i32, 0, 1)).toBe(6);
    // thread 0 has not started: its run 0..5 is the longest
    expect(Array.from({ length: 5 }, () => claimItem(i32, 0, 1))).toEqual([7, 8, 9, 10, 11]);
    expect(Array.from({ length: 5 }, () => claimItem(i32, 0, 1))).toEqual([5, 4, 3, 2, 1]);
    expect(claimItem(i32, 0, 1)).toBe(-1);
    expect(claimItem(i32, 0, 0)).toBe(0);
    expect(claimItem(i32, 0, 0)).toBe(-1);
  });

  it('hands out every item exactly once, whatever the interleaving', () => {
    const random = new Random(3);
    for (let round = 0; round < 200; round++) {
      const threads = 1 + random.nextBelow(MAX_THREADS);
      const items = random.nextBelow(100);
      const i32 = block();
      shareItems(i32, 0, evenRuns(items, threads));
      const seen: number[] = [];
      const done = new Set<number>();
      // A thread that gets -1 may only have left another's last item to it: every thread asks until all say -1.
      while (done.size < threads) {
        const thread = random.nextBelow(threads);
        const item = claimItem(i32, 0, thread);
        if (item < 0) done.add(thread);
        else {
          seen.push(item);
          done.clear();
        }
      }
      expect(seen.sort((a, b) => a - b)).toEqual(Array.from({ length: items }, (_, i) => i));
    }
  });
});

describe('however the items are claimed', () => {
  const setUp = async () => {
    await init();
    const { train } = await loadMnist();
    const rows = 512;
    const x = train.images.subarray(0, rows * 784);
    const y = toCategorical(train.labels.subarray(0, rows), 10);
    return { x, y, rows };
  };

  /** Weights after 4 steps of 128 rows, the phases' items run by `threads` threads, or on one thread in the order `order` gives. */
  const trained = async (
    data: Awaited<ReturnType<typeof setUp>>, optimizer: OptimizerConfig, sparse: boolean,
    threads: number, order?: (count: number) => number[],
  ) => {
    const { x, y, rows } = data;
    const topology = resolveTopology([dense(100, { inputDim: 784 }), relu(), dropout(0.5), dense(10), softmax()]);
    const arena = new Arena(instantiateKernels());
    const bytes = topology.paramFloats * 4;
    const regions = { params: arena.reserve(bytes), grads: arena.reserve(bytes), state: [arena.reserve(bytes), arena.reserve(bytes), arena.reserve(bytes)] as [number, number, number], control: arena.reserve(CONTROL_BYTES) };
    const params = new Random(5);
    for (let i = 0; i < topology.paramFloats; i++) arena.f32[(regions.params >> 2) + i] = params.nextFloat() * 0.1 - 0.05;
    const session = new Session({ arena, topology, regions }, 128, [{ x, y, rows, ordered: true, csr: sparse }], updateRule(optimizer));
    const pool = threads > 1 ? await startPool({ arena, regions }, threads) : undefined;
    session.usePool(pool);
    if (order) {
      const runner = (session as unknown as { runner: { runAll(phase: number): void; runItem(phase: number, item: number): void; phaseItemsNow(phase: number): { items: unknown[] } } }).runner;
      runner.runAll = (phase) => {
        for (const item of order(runner.phaseItemsNow(phase).items.length)) runner.runItem(phase, item);
      };
    }
    const random = new Random(7);
    for (let from = 0; from < rows; from += 128) {
      session.trainRows(0, from, 128, sparse, random);
      session.update(0.1, 1.1, 1.2);
    }
    const weights = arena.f32.slice(regions.params >> 2, (regions.params >> 2) + topology.paramFloats);
    pool?.close();
    session.close();
    return weights;
  };

  const reversed = (count: number) => Array.from({ length: count }, (_, i) => count - 1 - i);
  const shuffled = (seed: number) => (count: number) => {
    const order = new Uint32Array(Array.from({ length: count }, (_, i) => i));
    new Random(seed).shuffle(order);
    return Array.from(order);
  };

  it.each([
    ['sparse batches, SGD with momentum', true, sgd({ learningRate: 0.1, momentum: 0.9 })],
    ['dense batches, SGD with momentum', false, sgd({ learningRate: 0.1, momentum: 0.9 })],
    ['sparse batches, Adam', true, adam()],
    ['sparse batches, RMSprop centered with momentum', true, rmsprop({ momentum: 0.9, centered: true })],
  ] as const)('gives the same bits: %s', async (_name, sparse, optimizer) => {
    const data = await setUp();
    const reference = await trained(data, optimizer, sparse, 1);
    expect(await trained(data, optimizer, sparse, 1, reversed)).toEqual(reference);
    expect(await trained(data, optimizer, sparse, 1, shuffled(11))).toEqual(reference);
    expect(await trained(data, optimizer, sparse, 2)).toEqual(reference);
    expect(await trained(data, optimizer, sparse, 3)).toEqual(reference);
    // An order that leaves one item out changes the weights: the order is what runs.
    expect(await trained(data, optimizer, sparse, 1, (count) => reversed(count).slice(1))).not.toEqual(reference);
  }, 60_000);
});
