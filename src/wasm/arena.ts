// One model's linear memory, laid out by the TypeScript side. Long-lived regions (parameters,
// gradients, optimizer state) are reserved from the bottom up and never move; above them sits one
// scratch region (activations, batches, masks) that is laid out again whenever a bigger batch needs it.
// Views over the memory are rebuilt only when the memory has grown (growing detaches the old buffer).

import type { Kernels } from './kernels.js';

const PAGE = 65536;
// Regions start on cache-line boundaries, which also keeps every SIMD load aligned.
const ALIGN = 64;

export class Arena {
  readonly kernels: Kernels;
  private readonly memory: WebAssembly.Memory;
  private top: number;
  private scratchBytes = 0;
  private scratchVersion = 0;
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

  /** Reserves a long-lived region of `bytes` and returns its address. Discards the scratch layout. */
  reserve(bytes: number): number {
    const address = this.top;
    this.top = alignUp(this.top + bytes);
    this.scratchBytes = 0;
    this.scratchVersion++;
    this.ensure(this.top);
    return address;
  }

  /**
   * The scratch region's address, at least `bytes` long. Its contents and layout are only valid while
   * `scratchVersion` is unchanged.
   */
  scratch(bytes: number): number {
    if (bytes > this.scratchBytes) {
      this.ensure(this.top + bytes);
      this.scratchBytes = bytes;
      this.scratchVersion++;
    }
    return this.top;
  }

  /** Changes whenever a scratch layout made before is no longer valid. */
  get version(): number {
    return this.scratchVersion;
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

  /** Bytes of linear memory in use by this model (its footprint). */
  get byteLength(): number {
    return this.memory.buffer.byteLength;
  }

  private ensure(end: number): void {
    const have = this.memory.buffer.byteLength;
    if (end > have) this.memory.grow(Math.ceil((end - have) / PAGE));
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

export function alignUp(bytes: number): number {
  return Math.ceil(bytes / ALIGN) * ALIGN;
}
