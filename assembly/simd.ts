// Small SIMD helpers shared by the kernels.
//
// `madd` is a separate multiply and add, not a fused multiply-add: WebAssembly SIMD has no portable
// FMA, and keeping both roundings makes every kernel bit-identical to its scalar reference and to
// itself on every CPU.

// @ts-ignore: decorator
@inline export function madd(acc: v128, a: v128, b: v128): v128 {
  return f32x4.add(acc, f32x4.mul(a, b));
}

// @ts-ignore: decorator
@inline export function horizontalSum(v: v128): f32 {
  return (f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1))
    + (f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3));
}
