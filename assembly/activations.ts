// Element-wise kernels: ReLU and its gradient, and inverted dropout. A ReLU right after a dense layer
// is fused into `denseForward` instead; `reluForward` serves one anywhere else. The ReLUs work on
// `count` contiguous f32 values, dropout on rows (its mask has a padded row of bits each); the SIMD
// body takes four at a time and the scalar tail is the reference, so both give the same bits.

import { keepFactors, maskBit, maskRowBytes } from "./simd";

/** out = max(0, inp). */
export function reluForward(out: usize, inp: usize, count: i32): void {
  const zero = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= count; i += 4) {
    const o = <usize>i << 2;
    v128.store(out + o, f32x4.max(v128.load(inp + o), zero));
  }
  reluForwardTail(out, inp, i, count);
}

/** Scalar reference for `reluForward`. */
export function reluForwardReference(out: usize, inp: usize, count: i32): void {
  reluForwardTail(out, inp, 0, count);
}

function reluForwardTail(out: usize, inp: usize, from: i32, count: i32): void {
  for (let i = from; i < count; i++) {
    const o = <usize>i << 2;
    store<f32>(out + o, max<f32>(load<f32>(inp + o), 0));
  }
}

/** dinput = dout where out > 0, else 0. `out` is the ReLU's output, which is positive exactly where its input was. */
export function reluBackward(dinput: usize, dout: usize, out: usize, count: i32): void {
  const zero = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= count; i += 4) {
    const o = <usize>i << 2;
    v128.store(dinput + o, v128.and(v128.load(dout + o), f32x4.gt(v128.load(out + o), zero)));
  }
  reluBackwardTail(dinput, dout, out, i, count);
}

/** Scalar reference for `reluBackward`. */
export function reluBackwardReference(dinput: usize, dout: usize, out: usize, count: i32): void {
  reluBackwardTail(dinput, dout, out, 0, count);
}

function reluBackwardTail(dinput: usize, dout: usize, out: usize, from: i32, count: i32): void {
  for (let i = from; i < count; i++) {
    const o = <usize>i << 2;
    store<f32>(dinput + o, load<f32>(out + o) > 0 ? load<f32>(dout + o) : 0);
  }
}

/**
 * Inverted dropout: out = inp * mask * scale over `rows` rows of `units`, with mask (rows, units) bits
 * (see simd.ts) drawn by the caller and scale = 1 / (1 - rate). The same call with dout and dinput is the
 * backward pass.
 */
export function dropoutApply(out: usize, inp: usize, mask: usize, rows: i32, units: i32, scale: f32): void {
  const s = f32x4.splat(scale);
  const vectorEnd = units & ~3;
  for (let r = 0; r < rows; r++) {
    const m = mask + <usize>r * maskRowBytes(units);
    const at = <usize>r * units << 2;
    for (let c = 0; c < vectorEnd; c += 4) {
      const o = at + (<usize>c << 2);
      v128.store(out + o, f32x4.mul(v128.load(inp + o), keepFactors(m, c, s)));
    }
    dropoutApplyRow(out + at, inp + at, m, vectorEnd, units, scale);
  }
}

/** Scalar reference for `dropoutApply`. */
export function dropoutApplyReference(out: usize, inp: usize, mask: usize, rows: i32, units: i32, scale: f32): void {
  for (let r = 0; r < rows; r++) {
    const at = <usize>r * units << 2;
    dropoutApplyRow(out + at, inp + at, mask + <usize>r * maskRowBytes(units), 0, units, scale);
  }
}

function dropoutApplyRow(out: usize, inp: usize, mask: usize, from: i32, units: i32, scale: f32): void {
  for (let c = from; c < units; c++) {
    const o = <usize>c << 2;
    store<f32>(out + o, load<f32>(inp + o) * (maskBit(mask, c) * scale));
  }
}
