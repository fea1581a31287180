// The share of a sparse first layer's columns between threads: even at first, moved to the faster
// threads only when two windows in a row say the phases would be clearly shorter for it, and back
// when the speeds even out. And whatever the share, training gives the same bits as one thread.

import { updateRule } from '../dist/train/optimizers.js';
import { describe, expect, it } from 'vitest';
import { init, loadMnist, sgd, toCategorical, dense, relu, dropout, softmax } from 'mnist-wasm';
import { BALANCE_WINDOW, ColumnBalance, STRIP } from '../dist/engine/balance.js';
import { CONTROL_BYTES, share } from '../dist/engine/control.js';
import { resolveTopology } from '../dist/network/topology.js';
import { Random } from '../dist/random.js';
import { Session } from '../dist/engine/session.js';
import { WorkerPool } from '../dist/threads/pool.js';
import { Arena } from '../dist/wasm/arena.js';
import { compiledModule, instantiateKernels } from '../dist/wasm/kernels.js';

/** Feeds `windows` windows of steps in which thread t does a strip in `msPerStrip[t]` ms; returns the boundaries after each window. */
function run(balance: ColumnBalance, msPerStrip: number[], windows: number): number[][] {
  const seen: number[][] = [];
  for (let w = 0; w < windows; w++) {
    for (let step = 0; step < BALANCE_WINDOW; step++) {
      const b = balance.boundaries;
      balance.record(msPerStrip.map((ms, t) => ms * (Math.ceil(b[t + 1] / STRIP) - Math.ceil(b[t] / STRIP))));
    }
    seen.push([...balance.boundaries]);
  }
  return seen;
}

describe('the columns of a sparse first layer', () => {
  it('start shared evenly, in whole strips, as before', () => {
    for (const [columns, threads] of [[800, 2], [800, 3], [100, 2], [10, 4]]) {
      const expected = Array.from({ length: threads + 1 }, (_, t) => (t === threads ? columns : share(columns, threads, t, STRIP)[0]));
      expect([...new ColumnBalance(columns, threads).boundaries]).toEqual(expected);
    }
  });

  it('stay put while the threads are equally fast, or one is slow for a single window', () => {
    const balance = new ColumnBalance(800, 2);
    expect(run(balance, [0.05, 0.05], 10).every((b) => b[1] === 400)).toBe(true);
    expect(run(balance, [0.05, 0.09], 1)[0][1]).toBe(400);
    expect(run(balance, [0.05, 0.05], 3).every((b) => b[1] === 400)).toBe(true);
  });

  it('move to the faster thread after two windows, hold there, and come back when the speeds even out', () => {
    const balance = new ColumnBalance(800, 2);
    // the second thread takes 1.6 times as long per strip: 50 strips split 31 to 19
    const slow = run(balance, [0.05, 0.08], 4).map((b) => b[1]);
    expect(slow).toEqual([400, 31 * STRIP, 31 * STRIP, 31 * STRIP]);
    const even = run(balance, [0.05, 0.05], 3).map((b) => b[1]);
    expect(even).toEqual([31 * STRIP, 400, 400]);
  });

  it('leave every thread at least one strip', () => {
    const balance = new ColumnBalance(800, 3);
    const [, , last] = run(balance, [0.05, 50, 0.05], 3);
    expect(last[1] - last[0]).toBeGreaterThan(0);
    expect(last[2] - last[1]).toBe(STRIP);
    expect(last[3] - last[2]).toBeGreaterThan(0);
    expect(last[3]).toBe(800);
  });

  it('give the same bits as one thread, however they are shared', async () => {
    await init();
    const { train } = await loadMnist();
    const rows = 512;
    const x = train.images.subarray(0, rows * 784);
    const y = toCategorical(train.labels.subarray(0, rows), 10);
    const topology = resolveTopology([dense(100, { inputDim: 784 }), relu(), dropout(0.5), dense(10), softmax()]);
    const trained = async (threads: number, boundaries?: number[]) => {
      const arena = new Arena(instantiateKernels());
      const bytes = topology.paramFloats * 4;
      const regions = { params: arena.reserve(bytes), grads: arena.reserve(bytes), state: [arena.reserve(bytes), arena.reserve(bytes)] as [number, number], control: arena.reserve(CONTROL_BYTES) };
      const params = new Random(5);
      for (let i = 0; i < topology.paramFloats; i++) arena.f32[(regions.params >> 2) + i] = params.nextFloat() * 0.1 - 0.05;
      const session = new Session({ arena, topology, regions }, 128, [{ x, y, rows, ordered: true, csr: true }], updateRule(sgd({ learningRate: 0.1, momentum: 0.9 })));
      const pool = threads > 1 ? await WorkerPool.start(threads, compiledModule(), arena.memory, session.plan) : undefined;
      session.usePool(pool);
      const random = new Random(7);
      for (let from = 0; from < rows; from += 128) {
        // the share the balance would write; the last strip of 100 columns is partial
        if (boundaries) ((session as unknown as { columnBalance: ColumnBalance }).columnBalance = Object.assign(new ColumnBalance(100, threads), { boundaries: Int32Array.from(boundaries) }));
        session.trainRows(0, from, 128, true, random);
        session.update(0.1);
      }
      const weights = arena.f32.slice(regions.params >> 2, (regions.params >> 2) + topology.paramFloats);
      pool?.close();
      session.close();
      return weights;
    };
    const reference = await trained(1);
    expect(await trained(2, [0, 16, 100])).toEqual(reference);
    expect(await trained(2, [0, 96, 100])).toEqual(reference);
    expect(await trained(3, [0, 48, 64, 100])).toEqual(reference);
    // A share that leaves the first strip to no thread changes the weights: the shares are what the threads take.
    expect(await trained(2, [16, 16, 100])).not.toEqual(reference);
  });
});
