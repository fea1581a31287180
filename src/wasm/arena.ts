// One model's linear memory, laid out by the TypeScript side. Long-lived regions (parameters,
// gradients, optimizer state) are reserved from the bottom up and never move. Above them, each fit,
// evaluate or predict call leases a region for its data, batches and activations, and returns it when
// done; leases stack, so a predict inside a fit's callback gets memory above the fit's.
// Views over the memory are rebuilt only when the memory has grown (growing replaces the buffer).

import { ModelBusyError, OutOfMemoryError } from '../errors.js';
import type { Kernels } from './kernels.js';

const PAGE = 65536;
// Regions start on cache-line boundaries, which also keeps every SIMD load aligned.
const ALIGN = 64;

export class Arena {
  readonly kernels: Kernels;
  readonly memory: WebAssembly.Memory;
  private top: number;
  private leases: number[] = [];
  private buffer: ArrayBuffer | undefined;
  private f32View = new Float32Array(0);
  private f64View = new Float64Array(0);
  private i32View = new Int32Array(0);
  private u8View = new Uint8Array(0);

  constructor(kernels: Kernels) {
    this.kernels = kernels;
    this.memory = kernels.memory;
    this.top = alignUp(kernels.heapBase());
  }

  /** Reserves a long-lived region of `bytes` and returns its address; not while a lease is out. */
  reserve(bytes: number): number {
    // Long-lived regions sit below every lease: none can be added while a call is running.
    if (this.leases.length > 0) throw new ModelBusyError('the model cannot take new weights or optimizer state while a fit, evaluate or predict call is running');
    const address = this.top;
    const end = alignUp(this.top + bytes);
    this.ensure(end);
    this.top = end;
    return address;
  }

  /** The address where the next lease would start. */
  get leaseStart(): number {
    return this.leases.length > 0 ? this.leases[this.leases.length - 1] : this.top;
  }

  /** Leases `bytes` from `leaseStart` until `release` is called; leases are returned last first. */
  lease(bytes: number): number {
    const address = this.leaseStart;
    this.ensure(address + bytes);
    this.leases.push(alignUp(address + bytes));
    return address;
  }

  /** Returns the newest lease. */
  release(): void {
    this.leases.pop();
  }

  /** Whether this memory can be shared with worker threads. */
  get shared(): boolean {
    return typeof SharedArrayBuffer !== 'undefined' && this.memory.buffer instanceof SharedArrayBuffer;
  }

  /** The whole memory as f32; index with address / 4. */
  get f32(): Float32Array {
    this.refresh();
    return this.f32View;
  }

  /** The whole memory as f64; index with address / 8. */
  get f64(): Float64Array {
    this.refresh();
    return this.f64View;
  }

  /** The whole memory as i32; index with address / 4. */
  get i32(): Int32Array {
    this.refresh();
    return this.i32View;
  }

  /** The whole memory as bytes. */
  get u8(): Uint8Array {
    this.refresh();
    return this.u8View;
  }

  private ensure(end: number): void {
    growMemory(this.memory, end);
  }

  private refresh(): void {
    if (this.buffer === this.memory.buffer) return;
    this.buffer = this.memory.buffer;
    this.f32View = new Float32Array(this.buffer);
    this.f64View = new Float64Array(this.buffer);
    this.i32View = new Int32Array(this.buffer);
    this.u8View = new Uint8Array(this.buffer);
  }
}

/** Grows `memory` to hold `end` bytes; an engine that will not is an OutOfMemoryError saying how much was asked. */
export function growMemory(memory: WebAssembly.Memory, end: number): void {
  const have = memory.buffer.byteLength;
  if (end <= have) return;
  try {
    memory.grow(Math.ceil((end - have) / PAGE));
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    const mib = (bytes: number) => `${Math.ceil(bytes / 2 ** 20).toLocaleString('en-US')} MiB`;
    throw new OutOfMemoryError(
      `the model, its data and batches need ${mib(end)} of WebAssembly memory and the engine gives no more than it has (${mib(have)}; at most 4 GiB, 2 GiB with threads): use smaller layers, batches or data sets`,
    );
  }
}

export function alignUp(bytes: number): number {
  return Math.ceil(bytes / ALIGN) * ALIGN;
}
