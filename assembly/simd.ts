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

/** The epilogue of four outputs: ReLU, then dropout with the four mask bytes at `mask` (if not 0). */
// @ts-ignore: decorator
@inline export function finish(c: v128, relu: bool, mask: usize, keepScale: v128): v128 {
  if (relu) c = f32x4.max(c, f32x4.splat(0));
  if (mask) c = f32x4.mul(c, f32x4.mul(maskLanes(mask), keepScale));
  return c;
}

/** Four mask bytes (0 or 1) as four f32 lanes. */
// @ts-ignore: decorator
@inline export function maskLanes(mask: usize): v128 {
  return f32x4.convert_i32x4_u(i32x4.extend_low_i16x8_u(i16x8.extend_low_i8x16_u(v128.load32_zero(mask))));
}

/** The scalar epilogue, in the same order: ReLU, then dropout. */
// @ts-ignore: decorator
@inline export function finishScalar(c: f32, relu: bool, mask: usize, scale: f32): f32 {
  if (relu) c = max<f32>(c, 0);
  if (mask) c = c * (<f32>load<u8>(mask) * scale);
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
