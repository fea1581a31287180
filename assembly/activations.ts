// Element-wise kernels: ReLU and its gradient, and inverted dropout. A ReLU right after a dense layer
// is fused into `denseForward` instead; `reluForward` serves one anywhere else. Each works on `count` contiguous f32 values; the SIMD body takes four at a time and
// the scalar tail is the reference, so both give the same bits.

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

/** dinp = dout where out > 0, else 0. `out` is the ReLU's output, which is positive exactly where its input was. */
export function reluBackward(dinp: usize, dout: usize, out: usize, count: i32): void {
  const zero = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= count; i += 4) {
    const o = <usize>i << 2;
    v128.store(dinp + o, v128.and(v128.load(dout + o), f32x4.gt(v128.load(out + o), zero)));
  }
  reluBackwardTail(dinp, dout, out, i, count);
}

/** Scalar reference for `reluBackward`. */
export function reluBackwardReference(dinp: usize, dout: usize, out: usize, count: i32): void {
  reluBackwardTail(dinp, dout, out, 0, count);
}

function reluBackwardTail(dinp: usize, dout: usize, out: usize, from: i32, count: i32): void {
  for (let i = from; i < count; i++) {
    const o = <usize>i << 2;
    store<f32>(dinp + o, load<f32>(out + o) > 0 ? load<f32>(dout + o) : 0);
  }
}

/**
 * Inverted dropout: out = inp * mask * scale, with mask (count bytes, each 0 or 1) drawn by the caller
 * and scale = 1 / (1 - rate). The same call with dout and dinp is the backward pass.
 */
export function dropoutApply(out: usize, inp: usize, mask: usize, count: i32, scale: f32): void {
  const s = f32x4.splat(scale);
  let i = 0;
  for (; i + 4 <= count; i += 4) {
    const bytes = v128.load32_zero(mask + <usize>i);
    const keep = f32x4.convert_i32x4_u(i32x4.extend_low_i16x8_u(i16x8.extend_low_i8x16_u(bytes)));
    const o = <usize>i << 2;
    v128.store(out + o, f32x4.mul(v128.load(inp + o), f32x4.mul(keep, s)));
  }
  dropoutApplyTail(out, inp, mask, i, count, scale);
}

/** Scalar reference for `dropoutApply`. */
export function dropoutApplyReference(out: usize, inp: usize, mask: usize, count: i32, scale: f32): void {
  dropoutApplyTail(out, inp, mask, 0, count, scale);
}

function dropoutApplyTail(out: usize, inp: usize, mask: usize, from: i32, count: i32, scale: f32): void {
  for (let i = from; i < count; i++) {
    const o = <usize>i << 2;
    store<f32>(out + o, load<f32>(inp + o) * (<f32>load<u8>(mask + <usize>i) * scale));
  }
}
