// Dense layer kernels for a sparse input (most MNIST pixels are 0): the same results as
// `denseForward` and the weight gradient of `denseBackward`, with the zero inputs skipped.
//
// The input batch arrives twice, compressed by the caller: by rows (CSR: rowStart (batch + 1) i32,
// columns and values per nonzero) for the forward pass, and by columns (CSC: columnStart (inDim + 1)
// i32, rows and values per nonzero) for the weight gradient. Within a row (column) the nonzeros come
// in increasing column (row) order, so every output adds the same nonzero products in the same order
// as the dense kernels do; skipping a 0·w term changes nothing but, at most, the sign of a zero. The
// dense scalar references are therefore the references here too.
//
// Each output row is built strip by strip: 32 columns in eight v128 accumulators while the row's
// nonzeros stream past, then 4-column strips and single columns for the tail.

import { madd } from "./simd";

/** out (batch, outDim) = X · weight (inDim, outDim) + bias, then max(0, ·) if relu; X given as CSR. */
export function denseForwardSparse(
  out: usize, rowStart: usize, columns: usize, values: usize, weight: usize, bias: usize,
  batch: i32, outDim: i32, relu: bool,
): void {
  const outRow = <usize>outDim << 2;
  const zero = f32x4.splat(0);
  let j = 0;
  // main strips of 32 columns: W's (inDim, 32) panel stays in cache across the batch
  for (; j + 32 <= outDim; j += 32) {
    const col = <usize>j << 2;
    for (let i = 0; i < batch; i++) {
      let c0 = zero, c1 = zero, c2 = zero, c3 = zero, c4 = zero, c5 = zero, c6 = zero, c7 = zero;
      if (bias) {
        const b = bias + col;
        c0 = v128.load(b); c1 = v128.load(b, 16); c2 = v128.load(b, 32); c3 = v128.load(b, 48);
        c4 = v128.load(b, 64); c5 = v128.load(b, 80); c6 = v128.load(b, 96); c7 = v128.load(b, 112);
      }
      const end = load<i32>(rowStart + (<usize>(i + 1) << 2));
      for (let p = load<i32>(rowStart + (<usize>i << 2)); p < end; p++) {
        const x = v128.load32_splat(values + (<usize>p << 2));
        const w = weight + <usize>load<i32>(columns + (<usize>p << 2)) * outRow + col;
        c0 = madd(c0, x, v128.load(w)); c1 = madd(c1, x, v128.load(w, 16));
        c2 = madd(c2, x, v128.load(w, 32)); c3 = madd(c3, x, v128.load(w, 48));
        c4 = madd(c4, x, v128.load(w, 64)); c5 = madd(c5, x, v128.load(w, 80));
        c6 = madd(c6, x, v128.load(w, 96)); c7 = madd(c7, x, v128.load(w, 112));
      }
      if (relu) {
        c0 = f32x4.max(c0, zero); c1 = f32x4.max(c1, zero); c2 = f32x4.max(c2, zero); c3 = f32x4.max(c3, zero);
        c4 = f32x4.max(c4, zero); c5 = f32x4.max(c5, zero); c6 = f32x4.max(c6, zero); c7 = f32x4.max(c7, zero);
      }
      const o = out + <usize>i * outRow + col;
      v128.store(o, c0); v128.store(o, c1, 16); v128.store(o, c2, 32); v128.store(o, c3, 48);
      v128.store(o, c4, 64); v128.store(o, c5, 80); v128.store(o, c6, 96); v128.store(o, c7, 112);
    }
  }
  // tail strips of 4 columns
  for (; j + 4 <= outDim; j += 4) {
    const col = <usize>j << 2;
    for (let i = 0; i < batch; i++) {
      let c = bias ? v128.load(bias + col) : zero;
      const end = load<i32>(rowStart + (<usize>(i + 1) << 2));
      for (let p = load<i32>(rowStart + (<usize>i << 2)); p < end; p++) {
        const w = weight + <usize>load<i32>(columns + (<usize>p << 2)) * outRow + col;
        c = madd(c, v128.load32_splat(values + (<usize>p << 2)), v128.load(w));
      }
      v128.store(out + <usize>i * outRow + col, relu ? f32x4.max(c, zero) : c);
    }
  }
  // tail columns
  for (; j < outDim; j++) {
    const col = <usize>j << 2;
    for (let i = 0; i < batch; i++) {
      let c: f32 = bias ? load<f32>(bias + col) : 0;
      const end = load<i32>(rowStart + (<usize>(i + 1) << 2));
      for (let p = load<i32>(rowStart + (<usize>i << 2)); p < end; p++) {
        c += load<f32>(values + (<usize>p << 2)) * load<f32>(weight + <usize>load<i32>(columns + (<usize>p << 2)) * outRow + col);
      }
      store<f32>(out + <usize>i * outRow + col, relu ? max<f32>(c, 0) : c);
    }
  }
}

/** dweight (inDim, outDim) = Xᵀ · dout (batch, outDim), with X given as CSC (by input feature). */
export function denseWeightGradientSparse(
  dweight: usize, columnStart: usize, rows: usize, values: usize, dout: usize, inDim: i32, outDim: i32,
): void {
  const outRow = <usize>outDim << 2;
  const zero = f32x4.splat(0);
  let j = 0;
  // main strips of 32 columns: dout's (batch, 32) panel stays in cache across the features
  for (; j + 32 <= outDim; j += 32) {
    const col = <usize>j << 2;
    for (let k = 0; k < inDim; k++) {
      let c0 = zero, c1 = zero, c2 = zero, c3 = zero, c4 = zero, c5 = zero, c6 = zero, c7 = zero;
      const end = load<i32>(columnStart + (<usize>(k + 1) << 2));
      for (let p = load<i32>(columnStart + (<usize>k << 2)); p < end; p++) {
        const x = v128.load32_splat(values + (<usize>p << 2));
        const d = dout + <usize>load<i32>(rows + (<usize>p << 2)) * outRow + col;
        c0 = madd(c0, x, v128.load(d)); c1 = madd(c1, x, v128.load(d, 16));
        c2 = madd(c2, x, v128.load(d, 32)); c3 = madd(c3, x, v128.load(d, 48));
        c4 = madd(c4, x, v128.load(d, 64)); c5 = madd(c5, x, v128.load(d, 80));
        c6 = madd(c6, x, v128.load(d, 96)); c7 = madd(c7, x, v128.load(d, 112));
      }
      const o = dweight + <usize>k * outRow + col;
      v128.store(o, c0); v128.store(o, c1, 16); v128.store(o, c2, 32); v128.store(o, c3, 48);
      v128.store(o, c4, 64); v128.store(o, c5, 80); v128.store(o, c6, 96); v128.store(o, c7, 112);
    }
  }
  // tail strips of 4 columns
  for (; j + 4 <= outDim; j += 4) {
    const col = <usize>j << 2;
    for (let k = 0; k < inDim; k++) {
      let c = zero;
      const end = load<i32>(columnStart + (<usize>(k + 1) << 2));
      for (let p = load<i32>(columnStart + (<usize>k << 2)); p < end; p++) {
        const d = dout + <usize>load<i32>(rows + (<usize>p << 2)) * outRow + col;
        c = madd(c, v128.load32_splat(values + (<usize>p << 2)), v128.load(d));
      }
      v128.store(dweight + <usize>k * outRow + col, c);
    }
  }
  // tail columns
  for (; j < outDim; j++) {
    const col = <usize>j << 2;
    for (let k = 0; k < inDim; k++) {
      let c: f32 = 0;
      const end = load<i32>(columnStart + (<usize>(k + 1) << 2));
      for (let p = load<i32>(columnStart + (<usize>k << 2)); p < end; p++) {
        c += load<f32>(values + (<usize>p << 2)) * load<f32>(dout + <usize>load<i32>(rows + (<usize>p << 2)) * outRow + col);
      }
      store<f32>(dweight + <usize>k * outRow + col, c);
    }
  }
}
