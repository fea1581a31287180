// Dense (fully connected) layer kernels: forward `out = inp·W + b` with an optional fused ReLU, and
// backward `dW = inpᵀ·dout`, `db = colsum(dout)`, `dinput = dout·Wᵀ`.
//
// Layout: every matrix is row-major f32. inp (batch, inDim), weight (inDim, outDim), bias (outDim),
// out and dout (batch, outDim). Pointers are byte addresses in linear memory; nothing here
// allocates, and a pointer of 0 means "this tensor is absent" (no bias, no input gradient wanted).
//
// The SIMD kernels keep a 4x8 tile of the result in eight v128 accumulators: with the two weight
// vectors and a broadcast input that is 11 of the 16 registers V8 has on x86-64, so nothing spills.
// Each tile's accumulator starts from the same value and adds the same products in the same order
// as the scalar reference below it, so every kernel here is bit-identical to its reference
// (`denseInputGradient`'s reference sums in four lanes, as the kernel does; the transposed input
// gradient adds in order, and has a reference of its own).
// For a mostly-zero input (the first layer on MNIST) sparse.ts has faster variants of forward and dW.

import { finish, finishScalar, horizontalSum, keepFactors, madd, maskBit, maskRowBytes, storeLanes } from "./simd";

/**
 * out (batch, outDim) = inp (batch, inDim) · weight (inDim, outDim) + bias (outDim), then max(0, ·) if
 * relu, then inverted dropout if mask (batch, outDim) bits is given (see simd.ts): · mask · scale, as
 * `dropoutApply`.
 */
export function denseForward(
  out: usize, inp: usize, weight: usize, bias: usize, mask: usize, scale: f32,
  batch: i32, inDim: i32, outDim: i32, relu: bool,
): void {
  const inRow = <usize>inDim << 2;
  const outRow = <usize>outDim << 2;
  const zero = f32x4.splat(0);
  const keepScale = f32x4.splat(scale);
  const mRow = maskRowBytes(outDim);
  let j = 0;
  // Column strips of 8, outermost: the (inDim, 8) strip of W stays in cache while every row block
  // of the batch streams past it.
  for (; j + 8 <= outDim; j += 8) {
    const col = <usize>j << 2;
    const b0 = bias ? v128.load(bias + col) : zero;
    const b1 = bias ? v128.load(bias + col, 16) : zero;
    let i = 0;
    // main 4x8 register block
    for (; i + 4 <= batch; i += 4) {
      let a = inp + <usize>i * inRow;
      let w = weight + col;
      let c00 = b0, c01 = b1, c10 = b0, c11 = b1, c20 = b0, c21 = b1, c30 = b0, c31 = b1;
      for (let k = 0; k < inDim; k++) {
        const w0 = v128.load(w);
        const w1 = v128.load(w, 16);
        let x = v128.load32_splat(a);
        c00 = madd(c00, x, w0); c01 = madd(c01, x, w1);
        x = v128.load32_splat(a + inRow);
        c10 = madd(c10, x, w0); c11 = madd(c11, x, w1);
        x = v128.load32_splat(a + 2 * inRow);
        c20 = madd(c20, x, w0); c21 = madd(c21, x, w1);
        x = v128.load32_splat(a + 3 * inRow);
        c30 = madd(c30, x, w0); c31 = madd(c31, x, w1);
        a += 4;
        w += outRow;
      }
      const o = out + <usize>i * outRow + col;
      const m = mask ? mask + <usize>i * mRow : 0;
      v128.store(o, finish(c00, relu, m, j, keepScale)); v128.store(o, finish(c01, relu, m, j + 4, keepScale), 16);
      v128.store(o + outRow, finish(c10, relu, m ? m + mRow : 0, j, keepScale));
      v128.store(o + outRow, finish(c11, relu, m ? m + mRow : 0, j + 4, keepScale), 16);
      v128.store(o + 2 * outRow, finish(c20, relu, m ? m + 2 * mRow : 0, j, keepScale));
      v128.store(o + 2 * outRow, finish(c21, relu, m ? m + 2 * mRow : 0, j + 4, keepScale), 16);
      v128.store(o + 3 * outRow, finish(c30, relu, m ? m + 3 * mRow : 0, j, keepScale));
      v128.store(o + 3 * outRow, finish(c31, relu, m ? m + 3 * mRow : 0, j + 4, keepScale), 16);
    }
    // tail rows, one at a time
    for (; i < batch; i++) {
      let a = inp + <usize>i * inRow;
      let w = weight + col;
      let c0 = b0, c1 = b1;
      for (let k = 0; k < inDim; k++) {
        const x = v128.load32_splat(a);
        c0 = madd(c0, x, v128.load(w));
        c1 = madd(c1, x, v128.load(w, 16));
        a += 4;
        w += outRow;
      }
      const o = out + <usize>i * outRow + col;
      const m = mask ? mask + <usize>i * mRow : 0;
      v128.store(o, finish(c0, relu, m, j, keepScale));
      v128.store(o, finish(c1, relu, m, j + 4, keepScale), 16);
    }
  }
  // tail strips of 4 columns, the last one partial: 4-wide loads that may run up to 3 floats past a
  // row of W (or past bias), of which only the valid lanes are stored
  for (; j < outDim; j += 4) {
    const col = <usize>j << 2;
    const valid = min(outDim - j, 4);
    const b = bias ? v128.load(bias + col) : zero;
    let i = 0;
    // four rows at a time: four independent chains of additions
    for (; i + 4 <= batch; i += 4) {
      let a = inp + <usize>i * inRow;
      let w = weight + col;
      let c0 = b, c1 = b, c2 = b, c3 = b;
      for (let k = 0; k < inDim; k++) {
        const wk = v128.load(w);
        c0 = madd(c0, v128.load32_splat(a), wk);
        c1 = madd(c1, v128.load32_splat(a + inRow), wk);
        c2 = madd(c2, v128.load32_splat(a + 2 * inRow), wk);
        c3 = madd(c3, v128.load32_splat(a + 3 * inRow), wk);
        a += 4;
        w += outRow;
      }
      const o = out + <usize>i * outRow + col;
      const m = mask ? mask + <usize>i * mRow : 0;
      storeLanes(o, finish(c0, relu, m, j, keepScale), valid);
      storeLanes(o + outRow, finish(c1, relu, m ? m + mRow : 0, j, keepScale), valid);
      storeLanes(o + 2 * outRow, finish(c2, relu, m ? m + 2 * mRow : 0, j, keepScale), valid);
      storeLanes(o + 3 * outRow, finish(c3, relu, m ? m + 3 * mRow : 0, j, keepScale), valid);
    }
    for (; i < batch; i++) {
      let a = inp + <usize>i * inRow;
      let w = weight + col;
      let c = b;
      for (let k = 0; k < inDim; k++) {
        c = madd(c, v128.load32_splat(a), v128.load(w));
        a += 4;
        w += outRow;
      }
      storeLanes(out + <usize>i * outRow + col, finish(c, relu, mask ? mask + <usize>i * mRow : 0, j, keepScale), valid);
    }
  }
}

/** Scalar reference for `denseForward`. */
export function denseForwardReference(
  out: usize, inp: usize, weight: usize, bias: usize, mask: usize, scale: f32,
  batch: i32, inDim: i32, outDim: i32, relu: bool,
): void {
  for (let i = 0; i < batch; i++) {
    for (let j = 0; j < outDim; j++) {
      let acc: f32 = bias ? load<f32>(bias + (<usize>j << 2)) : 0;
      for (let k = 0; k < inDim; k++) {
        acc += load<f32>(inp + ((<usize>i * inDim + k) << 2)) * load<f32>(weight + ((<usize>k * outDim + j) << 2));
      }
      const m = mask ? mask + <usize>i * maskRowBytes(outDim) : 0;
      store<f32>(out + ((<usize>i * outDim + j) << 2), finishScalar(acc, relu, m, j, scale));
    }
  }
}

// Gradients of `denseForward` without its epilogue (apply `dropoutApply` and `reluBackward` to dout
// first), as three kernels so that threads can split them differently: the input gradient by rows
// of the batch, the weight gradient by rows of W (input units), the bias gradient not at all.

/**
 * dweight (inDim, outDim) = inpᵀ (inDim, batch) · dout (batch, outDim), reading inp transposed in place.
 * inp's rows are `inStride` floats apart, so a caller can ask for rows [i, i + inDim) of dW alone by
 * passing inp + 4i, dweight + 4i·outDim and the full width as inStride.
 */
export function denseWeightGradient(
  dweight: usize, dout: usize, inp: usize, batch: i32, inDim: i32, outDim: i32, inStride: i32,
): void {
  const inRow = <usize>inStride << 2;
  const outRow = <usize>outDim << 2;
  const zero = f32x4.splat(0);
  let j = 0;
  for (; j + 8 <= outDim; j += 8) {
    const col = <usize>j << 2;
    let k = 0;
    // main 4x8 register block: four rows of dW (four input features) by eight columns
    for (; k + 4 <= inDim; k += 4) {
      let a = inp + (<usize>k << 2);
      let d = dout + col;
      let c00 = zero, c01 = zero, c10 = zero, c11 = zero, c20 = zero, c21 = zero, c30 = zero, c31 = zero;
      for (let b = 0; b < batch; b++) {
        const d0 = v128.load(d);
        const d1 = v128.load(d, 16);
        let x = v128.load32_splat(a);
        c00 = madd(c00, x, d0); c01 = madd(c01, x, d1);
        x = v128.load32_splat(a, 4);
        c10 = madd(c10, x, d0); c11 = madd(c11, x, d1);
        x = v128.load32_splat(a, 8);
        c20 = madd(c20, x, d0); c21 = madd(c21, x, d1);
        x = v128.load32_splat(a, 12);
        c30 = madd(c30, x, d0); c31 = madd(c31, x, d1);
        a += inRow;
        d += outRow;
      }
      const o = dweight + <usize>k * outRow + col;
      v128.store(o, c00); v128.store(o, c01, 16);
      v128.store(o + outRow, c10); v128.store(o + outRow, c11, 16);
      v128.store(o + 2 * outRow, c20); v128.store(o + 2 * outRow, c21, 16);
      v128.store(o + 3 * outRow, c30); v128.store(o + 3 * outRow, c31, 16);
    }
    // tail rows of dW
    for (; k < inDim; k++) {
      let a = inp + (<usize>k << 2);
      let d = dout + col;
      let c0 = zero, c1 = zero;
      for (let b = 0; b < batch; b++) {
        const x = v128.load32_splat(a);
        c0 = madd(c0, x, v128.load(d));
        c1 = madd(c1, x, v128.load(d, 16));
        a += inRow;
        d += outRow;
      }
      const o = dweight + <usize>k * outRow + col;
      v128.store(o, c0);
      v128.store(o, c1, 16);
    }
  }
  // tail strips of 4 columns, the last one partial (dout's rows may be over-read by up to 3 floats)
  for (; j < outDim; j += 4) {
    const col = <usize>j << 2;
    const valid = min(outDim - j, 4);
    let k = 0;
    // four rows of dW at a time: four independent chains of additions
    for (; k + 4 <= inDim; k += 4) {
      let a = inp + (<usize>k << 2);
      let d = dout + col;
      let c0 = zero, c1 = zero, c2 = zero, c3 = zero;
      for (let b = 0; b < batch; b++) {
        const db = v128.load(d);
        c0 = madd(c0, v128.load32_splat(a), db);
        c1 = madd(c1, v128.load32_splat(a, 4), db);
        c2 = madd(c2, v128.load32_splat(a, 8), db);
        c3 = madd(c3, v128.load32_splat(a, 12), db);
        a += inRow;
        d += outRow;
      }
      const o = dweight + <usize>k * outRow + col;
      storeLanes(o, c0, valid);
      storeLanes(o + outRow, c1, valid);
      storeLanes(o + 2 * outRow, c2, valid);
      storeLanes(o + 3 * outRow, c3, valid);
    }
    for (; k < inDim; k++) {
      let a = inp + (<usize>k << 2);
      let d = dout + col;
      let c = zero;
      for (let b = 0; b < batch; b++) {
        c = madd(c, v128.load32_splat(a), v128.load(d));
        a += inRow;
        d += outRow;
      }
      storeLanes(dweight + <usize>k * outRow + col, c, valid);
    }
  }
}

/** Scalar reference for `denseWeightGradient`. */
export function denseWeightGradientReference(
  dweight: usize, dout: usize, inp: usize, batch: i32, inDim: i32, outDim: i32, inStride: i32,
): void {
  for (let k = 0; k < inDim; k++) {
    for (let j = 0; j < outDim; j++) {
      let acc: f32 = 0;
      for (let b = 0; b < batch; b++) {
        acc += load<f32>(inp + ((<usize>b * inStride + k) << 2)) * load<f32>(dout + ((<usize>b * outDim + j) << 2));
      }
      store<f32>(dweight + ((<usize>k * outDim + j) << 2), acc);
    }
  }
}

/**
 * dbias (outDim) = sum over the batch of dout (batch, outDim), whose rows lie outStride floats apart:
 * columns [j, j + outDim) of a wider layer alone take dbias + 4j and dout + 4j.
 */
export function denseBiasGradient(dbias: usize, dout: usize, batch: i32, outDim: i32, outStride: i32): void {
  const outRow = <usize>outStride << 2;
  let j = 0;
  // main: 16 columns, four independent chains of additions (one chain waits on each add's latency)
  for (; j + 16 <= outDim; j += 16) {
    let d = dout + (<usize>j << 2);
    let a0 = f32x4.splat(0), a1 = a0, a2 = a0, a3 = a0;
    for (let b = 0; b < batch; b++) {
      a0 = f32x4.add(a0, v128.load(d)); a1 = f32x4.add(a1, v128.load(d, 16));
      a2 = f32x4.add(a2, v128.load(d, 32)); a3 = f32x4.add(a3, v128.load(d, 48));
      d += outRow;
    }
    const o = dbias + (<usize>j << 2);
    v128.store(o, a0); v128.store(o, a1, 16); v128.store(o, a2, 32); v128.store(o, a3, 48);
  }
  // tail: 4 columns, then one
  for (; j + 4 <= outDim; j += 4) {
    let d = dout + (<usize>j << 2);
    let acc = f32x4.splat(0);
    for (let b = 0; b < batch; b++) {
      acc = f32x4.add(acc, v128.load(d));
      d += outRow;
    }
    v128.store(dbias + (<usize>j << 2), acc);
  }
  denseBiasGradientColumns(dbias, dout, batch, outDim, outStride, j);
}

/** Scalar reference for `denseBiasGradient`. */
export function denseBiasGradientReference(dbias: usize, dout: usize, batch: i32, outDim: i32): void {
  denseBiasGradientColumns(dbias, dout, batch, outDim, outDim, 0);
}

function denseBiasGradientColumns(dbias: usize, dout: usize, batch: i32, outDim: i32, outStride: i32, fromColumn: i32): void {
  for (let j = fromColumn; j < outDim; j++) {
    let acc: f32 = 0;
    for (let b = 0; b < batch; b++) acc += load<f32>(dout + ((<usize>b * outStride + j) << 2));
    store<f32>(dbias + (<usize>j << 2), acc);
  }
}

/**
 * dinput (batch, inDim) = dout (batch, outDim) · weightᵀ. Each result is a dot product of a row of dout
 * with a row of W, so the kernel keeps a 2x4 block of them as four-lane partial sums. Every result is
 * summed the same way whichever loop phase computes it, so any split of the batch gives the same bits.
 */
export function denseInputGradient(dinput: usize, dout: usize, weight: usize, batch: i32, inDim: i32, outDim: i32): void {
  const outRow = <usize>outDim << 2;
  const vectorEnd = outDim & ~3;
  const zero = f32x4.splat(0);
  let b = 0;
  // main 2x4 block: two rows of dout against four rows of W
  for (; b + 2 <= batch; b += 2) {
    const d0 = dout + <usize>b * outRow;
    const d1 = d0 + outRow;
    let k = 0;
    for (; k + 4 <= inDim; k += 4) {
      const w0 = weight + <usize>k * outRow;
      const w1 = w0 + outRow, w2 = w1 + outRow, w3 = w2 + outRow;
      let c00 = zero, c01 = zero, c02 = zero, c03 = zero, c10 = zero, c11 = zero, c12 = zero, c13 = zero;
      for (let j = 0; j < vectorEnd; j += 4) {
        const o = <usize>j << 2;
        const x0 = v128.load(d0 + o);
        const x1 = v128.load(d1 + o);
        let w = v128.load(w0 + o);
        c00 = madd(c00, x0, w); c10 = madd(c10, x1, w);
        w = v128.load(w1 + o);
        c01 = madd(c01, x0, w); c11 = madd(c11, x1, w);
        w = v128.load(w2 + o);
        c02 = madd(c02, x0, w); c12 = madd(c12, x1, w);
        w = v128.load(w3 + o);
        c03 = madd(c03, x0, w); c13 = madd(c13, x1, w);
      }
      const r0 = dinput + ((<usize>b * inDim + k) << 2);
      const r1 = r0 + (<usize>inDim << 2);
      store<f32>(r0, horizontalSum(c00) + dotTail(d0, w0, vectorEnd, outDim));
      store<f32>(r0, horizontalSum(c01) + dotTail(d0, w1, vectorEnd, outDim), 4);
      store<f32>(r0, horizontalSum(c02) + dotTail(d0, w2, vectorEnd, outDim), 8);
      store<f32>(r0, horizontalSum(c03) + dotTail(d0, w3, vectorEnd, outDim), 12);
      store<f32>(r1, horizontalSum(c10) + dotTail(d1, w0, vectorEnd, outDim));
      store<f32>(r1, horizontalSum(c11) + dotTail(d1, w1, vectorEnd, outDim), 4);
      store<f32>(r1, horizontalSum(c12) + dotTail(d1, w2, vectorEnd, outDim), 8);
      store<f32>(r1, horizontalSum(c13) + dotTail(d1, w3, vectorEnd, outDim), 12);
    }
    // tail columns of dinput for these two rows
    for (; k < inDim; k++) {
      const w = weight + <usize>k * outRow;
      store<f32>(dinput + ((<usize>b * inDim + k) << 2), dotLanes(d0, w, vectorEnd, outDim));
      store<f32>(dinput + ((<usize>(b + 1) * inDim + k) << 2), dotLanes(d1, w, vectorEnd, outDim));
    }
  }
  // tail row
  denseInputGradientRows(dinput, dout, weight, batch, inDim, outDim, b);
}

/** Scalar reference for `denseInputGradient` (four-lane sums, as the kernel adds them). */
export function denseInputGradientReference(dinput: usize, dout: usize, weight: usize, batch: i32, inDim: i32, outDim: i32): void {
  denseInputGradientRows(dinput, dout, weight, batch, inDim, outDim, 0);
}

function denseInputGradientRows(dinput: usize, dout: usize, weight: usize, batch: i32, inDim: i32, outDim: i32, fromRow: i32): void {
  const outRow = <usize>outDim << 2;
  const vectorEnd = outDim & ~3;
  for (let b = fromRow; b < batch; b++) {
    for (let k = 0; k < inDim; k++) {
      store<f32>(dinput + ((<usize>b * inDim + k) << 2), dotLanes(dout + <usize>b * outRow, weight + <usize>k * outRow, vectorEnd, outDim));
    }
  }
}

/**
 * dinput (batch, inDim) = dout (batch, outDim) · W ᵀ from weightT (outDim, inDim), W transposed (see
 * `transpose`), for a layer with few outputs (10 classes), where `denseInputGradient`'s dot products
 * are too short to fill its vectors. Here the vectors run along dinput's row instead, and each output
 * adds its outDim products one after another, in the order of j: identical to
 * `denseInputGradientTransposedReference`, not to `denseInputGradient`, whose dot products add in
 * four lanes (the two differ by float rounding only). One splat of dout[b, j] then serves sixteen
 * outputs, and the loop holds four accumulators: the former kernel, which added in
 * `denseInputGradient`'s order, needed five per four outputs and ran 2.2x slower on 800 x 10.
 *
 * Then, fused, the backward passes of the layers just below, in this order: a dropout's if mask
 * (batch, inDim) bits is given (as `dropoutApply` with scale), and a ReLU's if gate, the ReLU's
 * output (batch, inDim), is given (as `reluBackward`).
 *
 * Rows of dinput, weightT and gate lie inStride floats apart (and of mask, maskRowBytes(inStride)
 * bytes), so that a thread can compute columns [k, k + inDim) of a wider layer alone, given
 * dinput + 4k, weightT + 4k, gate + 4k and mask + k / 8 (k a multiple of 8).
 */
export function denseInputGradientTransposed(
  dinput: usize, dout: usize, weightT: usize, batch: i32, inDim: i32, outDim: i32, inStride: i32, mask: usize, scale: f32, gate: usize,
): void {
  const inRow = <usize>inStride << 2;
  const zero = f32x4.splat(0);
  const keepScale = f32x4.splat(scale);
  const mRow = maskRowBytes(inStride);
  const stripEnd = inDim & ~15;
  // main: blocks of 256 columns, outermost, so that weightT's (outDim, 256) panel stays in L1 across
  // the rows; in each, 16 columns at a time in four accumulators
  for (let block = 0; block < stripEnd; block += TRANSPOSED_BLOCK) {
    const end = min(block + TRANSPOSED_BLOCK, stripEnd);
    for (let b = 0; b < batch; b++) {
      const d = dout + ((<usize>b * outDim) << 2);
      const o = dinput + <usize>b * inRow;
      const m = mask ? mask + <usize>b * mRow : 0;
      const g = gate ? gate + <usize>b * inRow : 0;
      for (let k = block; k < end; k += 16) {
        let a0 = zero, a1 = zero, a2 = zero, a3 = zero;
        let w = weightT + (<usize>k << 2);
        for (let j = 0; j < outDim; j++, w += inRow) {
          const x = v128.load32_splat(d + (<usize>j << 2));
          a0 = madd(a0, x, v128.load(w)); a1 = madd(a1, x, v128.load(w, 16));
          a2 = madd(a2, x, v128.load(w, 32)); a3 = madd(a3, x, v128.load(w, 48));
        }
        const at = <usize>k << 2;
        v128.store(o + at, belowLanes(a0, m, k, keepScale, g ? g + at : 0));
        v128.store(o + at, belowLanes(a1, m, k + 4, keepScale, g ? g + at + 16 : 0), 16);
        v128.store(o + at, belowLanes(a2, m, k + 8, keepScale, g ? g + at + 32 : 0), 32);
        v128.store(o + at, belowLanes(a3, m, k + 12, keepScale, g ? g + at + 48 : 0), 48);
      }
    }
  }
  // tail: four columns at a time, then one
  const vectorEnd = inDim & ~3;
  for (let b = 0; b < batch; b++) {
    const d = dout + ((<usize>b * outDim) << 2);
    const o = dinput + <usize>b * inRow;
    const m = mask ? mask + <usize>b * mRow : 0;
    const g = gate ? gate + <usize>b * inRow : 0;
    for (let k = stripEnd; k < vectorEnd; k += 4) {
      let a = zero;
      let w = weightT + (<usize>k << 2);
      for (let j = 0; j < outDim; j++, w += inRow) a = madd(a, v128.load32_splat(d + (<usize>j << 2)), v128.load(w));
      const at = <usize>k << 2;
      v128.store(o + at, belowLanes(a, m, k, keepScale, g ? g + at : 0));
    }
    for (let k = vectorEnd; k < inDim; k++) {
      let r: f32 = 0;
      for (let j = 0; j < outDim; j++) r += load<f32>(d + (<usize>j << 2)) * load<f32>(weightT + ((<usize>j * inStride + k) << 2));
      if (m) r = r * (maskBit(m, k) * scale);
      if (g) r = load<f32>(g + (<usize>k << 2)) > 0 ? r : 0;
      store<f32>(o + (<usize>k << 2), r);
    }
  }
}

/** Scalar reference for `denseInputGradientTransposed` (without the fused epilogue), from W itself. */
export function denseInputGradientTransposedReference(dinput: usize, dout: usize, weight: usize, batch: i32, inDim: i32, outDim: i32): void {
  for (let b = 0; b < batch; b++) {
    for (let k = 0; k < inDim; k++) {
      let r: f32 = 0;
      for (let j = 0; j < outDim; j++) r += load<f32>(dout + ((<usize>b * outDim + j) << 2)) * load<f32>(weight + ((<usize>k * outDim + j) << 2));
      store<f32>(dinput + ((<usize>b * inDim + k) << 2), r);
    }
  }
}

/** Columns per block of `denseInputGradientTransposed`. */
const TRANSPOSED_BLOCK = 256;

/**
 * The fused epilogue of `denseInputGradientTransposed` on four values: `dropoutApply`'s product (mask
 * bits column .. column + 3 of row `mask`), then `reluBackward`'s gate.
 */
// @ts-ignore: decorator
@inline function belowLanes(r: v128, mask: usize, column: i32, keepScale: v128, gate: usize): v128 {
  if (mask) r = f32x4.mul(r, keepFactors(mask, column, keepScale));
  if (gate) r = v128.and(r, f32x4.gt(v128.load(gate), f32x4.splat(0)));
  return r;
}

/**
 * out (cols, rows) = inp (rows, cols)ᵀ, out's rows outStride floats apart: rows [r, r + rows) of a
 * taller inp alone go to out + 4r.
 */
export function transpose(out: usize, inp: usize, rows: i32, cols: i32, outStride: i32): void {
  for (let r = 0; r < rows; r++) {
    const row = inp + ((<usize>r * cols) << 2);
    for (let c = 0; c < cols; c++) store<f32>(out + ((<usize>c * outStride + r) << 2), load<f32>(row + (<usize>c << 2)));
  }
}

/** x·y over `count` values as the 2x4 block sums them: four lanes up to vectorEnd, then the scalar tail. */
// @ts-ignore: decorator
@inline function dotLanes(x: usize, y: usize, vectorEnd: i32, count: i32): f32 {
  let acc = f32x4.splat(0);
  for (let j = 0; j < vectorEnd; j += 4) acc = madd(acc, v128.load(x + (<usize>j << 2)), v128.load(y + (<usize>j << 2)));
  return horizontalSum(acc) + dotTail(x, y, vectorEnd, count);
}

// @ts-ignore: decorator
@inline function dotTail(x: usize, y: usize, from: i32, to: i32): f32 {
  let acc: f32 = 0;
  for (let j = from; j < to; j++) acc += load<f32>(x + (<usize>j << 2)) * load<f32>(y + (<usize>j << 2));
  return acc;
}

