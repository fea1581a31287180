// Small SIMD helpers shared by the kernels.
//
// `madd` is a separate multiply and add, not a fused multiply-add: WebAssembly SIMD has no portable
// FMA, and keeping both roundings makes every kernel bit-identical to its scalar reference and to
// itself on every CPU. The opt-in relaxed build (compiled with `--enable relaxed-simd`) makes it
// `f32x4.relaxed_madd`, which is an FMA where the CPU has one: faster, but its bits depend on the CPU.

// @ts-ignore: decorator
@inline export function madd(acc: v128, a: v128, b: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, acc);
  return f32x4.add(acc, f32x4.mul(a, b));
}

// @ts-ignore: decorator
@inline export function horizontalSum(v: v128): f32 {
  return (f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1))
    + (f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3));
}

// Dropout masks hold one bit per unit, 1 to keep it: bit c % 8 of byte c / 8 of the row for unit c,
// each row padded to whole 32-bit words. A bit rather than a byte per unit makes the masks that a
// thread draws for its rows, and the other threads then read for their columns, an eighth as many
// cache lines to move between cores.

/** Bytes per row of a dropout mask of `units` units. */
// @ts-ignore: decorator
@inline export function maskRowBytes(units: i32): usize {
  return <usize>((units + 31) >>> 5) << 2;
}

/** The epilogue of four outputs: ReLU, then dropout with mask bits column .. column + 3 of `row` (if not 0). */
// @ts-ignore: decorator
@inline export function finish(c: v128, relu: bool, row: usize, column: i32, keepScale: v128): v128 {
  if (relu) c = f32x4.max(c, f32x4.splat(0));
  if (row) c = f32x4.mul(c, keepFactors(row, column, keepScale));
  return c;
}

/**
 * The dropout factors mask · scale of units column .. column + 3 (column a multiple of 4) of mask row
 * `row`: `keepScale` where their bit is set, +0 where not, the same values as 1 · scale and 0 · scale.
 */
// @ts-ignore: decorator
@inline export function keepFactors(row: usize, column: i32, keepScale: v128): v128 {
  const bits = i32x4.splat(<i32>load<u8>(row + (<usize>column >>> 3)));
  const lanes = column & 4 ? i32x4(16, 32, 64, 128) : i32x4(1, 2, 4, 8);
  return v128.and(i32x4.ne(v128.and(bits, lanes), i32x4.splat(0)), keepScale);
}

/** Mask bit `column` of `row`, 0 or 1. */
// @ts-ignore: decorator
@inline export function maskBit(row: usize, column: i32): f32 {
  return <f32>((<i32>load<u8>(row + (<usize>column >>> 3)) >>> (column & 7)) & 1);
}

/** The scalar epilogue, in the same order: ReLU, then dropout. */
// @ts-ignore: decorator
@inline export function finishScalar(c: f32, relu: bool, row: usize, column: i32, scale: f32): f32 {
  if (relu) c = max<f32>(c, 0);
  if (row) c = c * (maskBit(row, column) * scale);
  return c;
}

/** Stores the first `count` (1 to 4) lanes of v at `address`. */
// @ts-ignore: decorator
@inline export function storeLanes(address: usize, v: v128, count: i32): void {
  if (count == 4) {
    v128.store(address, v);
    return;
  }
  store<f32>(address, f32x4.extract_lane(v, 0));
  if (count > 1) store<f32>(address, f32x4.extract_lane(v, 1), 4);
  if (count > 2) store<f32>(address, f32x4.extract_lane(v, 2), 8);
}
