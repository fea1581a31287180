// Data augmentation of uint8 images, row by row: an affine map (rotation, scale, shear, translation)
// plus an elastic displacement field (Simard, Steinkraus and Platt, 2003), sampled bilinearly.
//
// Simard's field is white noise in [-1, 1] blurred by a Gaussian of width sigma and scaled by alpha.
// The blur is the same matrix B on rows and columns, so a field is B·N·Bᵀ; with BBᵀ = QΛQᵀ, the field
// P·Z·Pᵀ, P = Q_k·Λ_k^½ (the k leading eigenvectors), scaled by alpha on one side, Z k×k noise of the same variance, has the
// same covariance but for the eigenvalues left out, which a wide blur makes negligible. The caller
// computes P (that is policy: sigma, alpha, k) and draws Z; this kernel does the arithmetic: two small
// products per field, then one bilinear sample per pixel.
//
// Per row, `params` holds: the 2×2 map [a, b, c, d] and the translation [tx, ty] (pixels), then Z for
// the x field and Z for the y field (k×k each). A source pixel outside the image reads as 0 (MNIST's
// background). Interpolated levels below `cutoff` become 0: the faint halo that bilinear sampling
// spreads around strokes would otherwise add a third more nonzero pixels, and the first layer's
// sparse kernels cost by the nonzero. Every operation is a plain f32 multiply or add, so the bits are
// the same everywhere.

import { madd } from "./simd";

/**
 * out (count, height·width) u8 = the augmented rows `order[from + r]` of `data`. `basisX` is Pᵀ for
 * columns (k × stride floats, zero-padded to `stride`, a multiple of 4), `basisY` is P for rows
 * (height × k); `scratch` holds, for one row at a time, (k + 2·height) × stride floats and the source
 * image as floats with a border of zeros, (height + 3) × (width + 3) floats.
 */
export function augmentRows(
  out: usize, data: usize, order: usize, from: i32, count: i32, width: i32, height: i32,
  params: usize, paramStride: i32, basisX: usize, basisY: usize, k: i32, stride: i32, scratch: usize, cutoff: f32,
): void {
  const pixels = <usize>(width * height);
  const cx = <f32>(width - 1) * 0.5;
  const cy = <f32>(height - 1) * 0.5;
  const fieldX = scratch + (<usize>(k * stride) << 2);
  const fieldY = fieldX + (<usize>(height * stride) << 2);
  const padded = fieldY + (<usize>(height * stride) << 2);
  const paddedWidth = width + 3;
  memory.fill(padded, 0, <usize>(paddedWidth * (height + 3)) << 2);
  for (let r = 0; r < count; r++) {
    const p = params + (<usize>(r * paramStride) << 2);
    const source = data + <usize>load<i32>(order + (<usize>(from + r) << 2)) * pixels;
    // The source as floats, one pixel in from the top and left of a zero border (two at the right and
    // bottom), so that every clamped sample below reads inside it.
    // Also the box around the ink: a sample outside it (by a pixel's margin) is background. Rows with
    // ink give top and bottom; the columns' ink, OR-ed over all rows, gives left and right.
    let left = width, right = -1, top = height, bottom = -1;
    for (let y = 0; y < height; y++) {
      const row = padded + (<usize>((y + 1) * paddedWidth + 1) << 2);
      const line = source + <usize>(y * width);
      let any = 0;
      let x = 0;
      for (; x + 4 <= width; x += 4) {
        const levels = v128.load32_zero(line + <usize>x);
        any |= i32x4.extract_lane(levels, 0);
        v128.store(row + (<usize>x << 2), f32x4.convert_i32x4_u(i32x4.extend_low_i16x8_u(i16x8.extend_low_i8x16_u(levels))));
      }
      for (; x < width; x++) {
        const level = load<u8>(line + <usize>x);
        any |= level;
        store<f32>(row + (<usize>x << 2), <f32>level);
      }
      if (any == 0) continue;
      top = min(top, y);
      bottom = y;
      for (let c = 0; c < left; c++) if (load<u8>(line + <usize>c)) { left = c; break; }
      for (let c = width - 1; c > right; c--) if (load<u8>(line + <usize>c)) { right = c; break; }
    }
    const inkLow = f32x4(<f32>(left - 1), <f32>(top - 1), 0, 0);
    const inkHigh = f32x4(<f32>(right + 1), <f32>(bottom + 1), 0, 0);
    if (k > 0) {
      displacementField(fieldX, p + 24, basisX, basisY, k, height, stride, scratch);
      displacementField(fieldY, p + 24 + (<usize>(k * k) << 2), basisX, basisY, k, height, stride, scratch);
    } else {
      memory.fill(fieldX, 0, <usize>(2 * height * stride) << 2);
    }
    const a = load<f32>(p), b = load<f32>(p, 4), c = load<f32>(p, 8), d = load<f32>(p, 12);
    const tx = load<f32>(p, 16) + cx, ty = load<f32>(p, 20) + cy;
    const o = out + <usize>r * pixels;
    const xStep = f32x4(0, 1, 2, 3);
    for (let y = 0; y < height; y++) {
      const yc = <f32>y - cy;
      const rowX = fieldX + (<usize>(y * stride) << 2);
      const rowY = fieldY + (<usize>(y * stride) << 2);
      const offsetX = b * yc + tx;
      const offsetY = d * yc + ty;
      let x = 0;
      for (; x + 4 <= width; x += 4) {
        const xc = f32x4.sub(f32x4.add(f32x4.splat(<f32>x), xStep), f32x4.splat(cx));
        const sx = f32x4.add(f32x4.add(f32x4.mul(f32x4.splat(a), xc), f32x4.splat(offsetX)), v128.load(rowX + (<usize>x << 2)));
        const sy = f32x4.add(f32x4.add(f32x4.mul(f32x4.splat(c), xc), f32x4.splat(offsetY)), v128.load(rowY + (<usize>x << 2)));
        // All four outside the ink's box: four zeros, without reading the image.
        const outside = v128.or(
          v128.or(f32x4.le(sx, f32x4.splat(f32x4.extract_lane(inkLow, 0))), f32x4.ge(sx, f32x4.splat(f32x4.extract_lane(inkHigh, 0)))),
          v128.or(f32x4.le(sy, f32x4.splat(f32x4.extract_lane(inkLow, 1))), f32x4.ge(sy, f32x4.splat(f32x4.extract_lane(inkHigh, 1)))),
        );
        const o4 = o + <usize>(y * width + x);
        if (i32x4.all_true(outside)) store<u32>(o4, 0);
        else v128.store32_lane(o4, bilinear4(padded, paddedWidth, width, height, sx, sy, cutoff), 0);
      }
      for (; x < width; x++) {
        const xc = <f32>x - cx;
        const sx = a * xc + offsetX + load<f32>(rowX + (<usize>x << 2));
        const sy = c * xc + offsetY + load<f32>(rowY + (<usize>x << 2));
        store<u8>(o + <usize>(y * width + x), bilinear1(padded, paddedWidth, width, height, sx, sy, cutoff));
      }
    }
  }
}

/** field (height × stride) = basisY · (Z · basisX), Z the k×k noise at `z`. */
function displacementField(field: usize, z: usize, basisX: usize, basisY: usize, k: i32, height: i32, stride: i32, m: usize): void {
  const lanes = stride >> 2;
  // m (k × stride) = Z · basisX
  for (let i = 0; i < k; i++) {
    const mRow = m + (<usize>(i * stride) << 2);
    for (let v = 0; v < lanes; v++) {
      let acc = f32x4.splat(0);
      for (let j = 0; j < k; j++) {
        acc = madd(acc, f32x4.splat(load<f32>(z + (<usize>(i * k + j) << 2))), v128.load(basisX + (<usize>(j * stride + 4 * v) << 2)));
      }
      v128.store(mRow + (<usize>(4 * v) << 2), acc);
    }
  }
  // field (height × stride) = basisY · m
  for (let y = 0; y < height; y++) {
    const fRow = field + (<usize>(y * stride) << 2);
    for (let v = 0; v < lanes; v++) {
      let acc = f32x4.splat(0);
      for (let i = 0; i < k; i++) {
        acc = madd(acc, f32x4.splat(load<f32>(basisY + (<usize>(y * k + i) << 2))), v128.load(m + (<usize>(i * stride + 4 * v) << 2)));
      }
      v128.store(fRow + (<usize>(4 * v) << 2), acc);
    }
  }
}

/**
 * Four grey levels at (sx, sy), each bilinear between the four pixels around it and rounded to the
 * nearest, packed in the low four bytes. Coordinates are clamped to [-1, width] × [-1, height], where
 * the zero border gives what lies outside: 0.
 */
// @ts-ignore: decorator
@inline function bilinear4(padded: usize, paddedWidth: i32, width: i32, height: i32, sx: v128, sy: v128, cutoff: f32): v128 {
  sx = f32x4.pmin(f32x4.pmax(sx, f32x4.splat(-1)), f32x4.splat(<f32>width));
  sy = f32x4.pmin(f32x4.pmax(sy, f32x4.splat(-1)), f32x4.splat(<f32>height));
  const x0 = f32x4.floor(sx);
  const y0 = f32x4.floor(sy);
  const fx = f32x4.sub(sx, x0);
  const fy = f32x4.sub(sy, y0);
  const index = i32x4.add(
    i32x4.mul(i32x4.add(i32x4.trunc_sat_f32x4_s(y0), i32x4.splat(1)), i32x4.splat(paddedWidth)),
    i32x4.add(i32x4.trunc_sat_f32x4_s(x0), i32x4.splat(1)),
  );
  const below = <usize>paddedWidth << 2;
  const at0 = padded + (<usize>i32x4.extract_lane(index, 0) << 2);
  const at1 = padded + (<usize>i32x4.extract_lane(index, 1) << 2);
  const at2 = padded + (<usize>i32x4.extract_lane(index, 2) << 2);
  const at3 = padded + (<usize>i32x4.extract_lane(index, 3) << 2);
  // Each lane's two neighbours on a row lie side by side: one 64-bit load per lane and row, then
  // shuffles that put the left ones in one vector and the right ones in another.
  const upper01 = v128.load64_lane(at1, v128.load64_zero(at0), 1);
  const upper23 = v128.load64_lane(at3, v128.load64_zero(at2), 1);
  const lower01 = v128.load64_lane(at1 + below, v128.load64_zero(at0 + below), 1);
  const lower23 = v128.load64_lane(at3 + below, v128.load64_zero(at2 + below), 1);
  const p00 = v128.shuffle<f32>(upper01, upper23, 0, 2, 4, 6);
  const p01 = v128.shuffle<f32>(upper01, upper23, 1, 3, 5, 7);
  const p10 = v128.shuffle<f32>(lower01, lower23, 0, 2, 4, 6);
  const p11 = v128.shuffle<f32>(lower01, lower23, 1, 3, 5, 7);
  const top = f32x4.add(p00, f32x4.mul(fx, f32x4.sub(p01, p00)));
  const bottom = f32x4.add(p10, f32x4.mul(fx, f32x4.sub(p11, p10)));
  let value = f32x4.add(top, f32x4.mul(fy, f32x4.sub(bottom, top)));
  // An interpolated level below the cutoff is dropped; a pixel sampled exactly keeps its level.
  const interpolated = v128.or(f32x4.ne(fx, f32x4.splat(0)), f32x4.ne(fy, f32x4.splat(0)));
  value = v128.andnot(value, v128.and(interpolated, f32x4.lt(value, f32x4.splat(cutoff))));
  const levels = i32x4.trunc_sat_f32x4_s(f32x4.nearest(value));
  return i8x16.narrow_i16x8_u(i16x8.narrow_i32x4_s(levels, levels), i16x8.splat(0));
}

/** One grey level, as one lane of bilinear4. */
// @ts-ignore: decorator
@inline function bilinear1(padded: usize, paddedWidth: i32, width: i32, height: i32, sx: f32, sy: f32, cutoff: f32): u8 {
  return <u8>i8x16.extract_lane_u(bilinear4(padded, paddedWidth, width, height, f32x4.splat(sx), f32x4.splat(sy), cutoff), 0);
}
