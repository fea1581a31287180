// im2col and col2im: the two copies that turn a 2-D convolution into the dense kernels' GEMMs.
//
// Layout: NHWC, f32, row-major; pointers are byte addresses, every shape an argument, nothing here
// allocates. For a convolution of kernel (kernelH, kernelW), stride (strideH, strideW) and padding
// (padTop, padLeft) over input (batch, height, width, channels) with output (batch, outHeight, outWidth,
// filters), cols is (batch·outHeight·outWidth, kernelH·kernelW·channels): row (b, oy, ox) holds the
// window under output (oy, ox), column (ky, kx, c) holding input[b, oy·strideH + ky − padTop,
// ox·strideW + kx − padLeft, c], 0 outside the image. A Keras kernel [kh, kw, inC, filters] row-major is
// the (inDim, outDim) weight matrix of that product, so
//   forward:          im2col, then `denseForward` (inDim = kernelH·kernelW·channels, outDim = filters);
//   weight gradient:  `denseWeightGradient` over the same cols;
//   input gradient:   `denseInputGradient` into dcols, then `col2im`.
// This file does not pick paddings or output shapes (the caller's, e.g. Keras 'same'/'valid') and
// does not multiply.
//
// For one output and one kernel row, the kernel columns whose input lies inside the image are one
// contiguous run of input (their channels follow each other), so the fast kernels move runs with
// v128 loads and stores. They walk one output row's block of cols a kernel row at a time, all of
// whose runs come from one input row: for the outputs whose window lies within the image's width
// that is a tight loop of one run each, with the clipping left to the border outputs on either
// side. Against walking cols row by row, this made a first layer's im2col (3x3 kernel, one
// channel: runs of 3 floats) 4.8x as fast, and one of 13x13x16 under 3x3 1.8x (col2im, walked the
// same way: 2.0x and 1.4x). Strides must be at least 1; paddings may be anything, even negative.
//
// The `…Reference` kernels are the plain element loops. im2col is a copy, so both give the same
// bits; col2im adds each dinput element's terms in the order of (oy, ox, ky, kx), fixed by the
// shapes alone, whichever kernel runs, so those bits agree too. Every image is independent: a thread
// may take images [i, j) alone by offsetting the pointers.

/**
 * cols (batch·outHeight·outWidth, kernelH·kernelW·channels) = the windows of input (batch, height,
 * width, channels), zero where a window lies in the padding.
 */
export function im2col(
  cols: usize, input: usize, batch: i32, height: i32, width: i32, channels: i32, outHeight: i32, outWidth: i32,
  kernelH: i32, kernelW: i32, strideH: i32, strideW: i32, padTop: i32, padLeft: i32,
): void {
  const pixel = <usize>channels << 2;
  const inRow = <usize>width * pixel;
  const imageBytes = <usize>height * inRow;
  const kernelRow = <usize>kernelW * pixel;
  const colsRow = <usize>kernelH * kernelRow;
  const step = <usize>strideW * pixel;
  // the outputs [interiorStart, interiorEnd) whose window lies within the image's width
  const interiorStart = min((max(padLeft, 0) + strideW - 1) / strideW, outWidth);
  const span = width - kernelW + padLeft;
  const interiorEnd = clamp(span < 0 ? 0 : span / strideW + 1, interiorStart, outWidth);
  let block = cols;
  for (let b = 0; b < batch; b++) {
    const image = input + <usize>b * imageBytes;
    for (let oy = 0; oy < outHeight; oy++) {
      // one output row's block of cols, a kernel row at a time: each is a column of runs, one per
      // output, read from one input row
      for (let ky = 0; ky < kernelH; ky++) {
        const y = oy * strideH - padTop + ky;
        let dest = block + <usize>ky * kernelRow;
        if (y < 0 || y >= height) {
          for (let ox = 0; ox < outWidth; ox++, dest += colsRow) zeroBytes(dest, kernelRow);
          continue;
        }
        const source = image + <usize>y * inRow;
        let ox = 0;
        // left border
        for (; ox < interiorStart; ox++, dest += colsRow) windowRow(dest, source, ox * strideW - padLeft, kernelW, width, pixel);
        // interior: the kernel row is one run of input
        let from = source + <usize>(ox * strideW - padLeft) * pixel;
        for (; ox < interiorEnd; ox++, dest += colsRow, from += step) copyBytes(dest, from, kernelRow);
        // right border
        for (; ox < outWidth; ox++, dest += colsRow) windowRow(dest, source, ox * strideW - padLeft, kernelW, width, pixel);
      }
      block += <usize>outWidth * colsRow;
    }
  }
}

/**
 * One kernel row of one window that may overhang either side of the input row `source`: zeros, the
 * kernel columns [first, last) inside the row, zeros.
 */
function windowRow(dest: usize, source: usize, left: i32, kernelW: i32, width: i32, pixel: usize): void {
  const first = clamp(-left, 0, kernelW);
  const last = clamp(width - left, first, kernelW);
  const before = <usize>first * pixel;
  const inside = <usize>(last - first) * pixel;
  zeroBytes(dest, before);
  copyBytes(dest + before, source + <usize>(left + first) * pixel, inside);
  zeroBytes(dest + before + inside, <usize>(kernelW - last) * pixel);
}

/** Scalar reference for `im2col`. */
export function im2colReference(
  cols: usize, input: usize, batch: i32, height: i32, width: i32, channels: i32, outHeight: i32, outWidth: i32,
  kernelH: i32, kernelW: i32, strideH: i32, strideW: i32, padTop: i32, padLeft: i32,
): void {
  let at = cols;
  for (let b = 0; b < batch; b++) {
    for (let oy = 0; oy < outHeight; oy++) {
      for (let ox = 0; ox < outWidth; ox++) {
        for (let ky = 0; ky < kernelH; ky++) {
          for (let kx = 0; kx < kernelW; kx++) {
            const y = oy * strideH + ky - padTop;
            const x = ox * strideW + kx - padLeft;
            const inside = y >= 0 && y < height && x >= 0 && x < width;
            for (let c = 0; c < channels; c++) {
              let value: f32 = 0;
              if (inside) value = load<f32>(input + ((((<usize>b * height + y) * width + x) * channels + c) << 2));
              store<f32>(at, value);
              at += 4;
            }
          }
        }
      }
    }
  }
}

/**
 * The adjoint of `im2col`: dinput (batch, height, width, channels) = 0, then every element of dcols
 * (batch·outHeight·outWidth, kernelH·kernelW·channels) that `im2col` would have read from the image
 * is added to the element it came from, for each image in the order oy, ox, ky, kx, c.
 */
export function col2im(
  dinput: usize, dcols: usize, batch: i32, height: i32, width: i32, channels: i32, outHeight: i32, outWidth: i32,
  kernelH: i32, kernelW: i32, strideH: i32, strideW: i32, padTop: i32, padLeft: i32,
): void {
  const pixel = <usize>channels << 2;
  const inRow = <usize>width * pixel;
  const imageBytes = <usize>height * inRow;
  const kernelRow = <usize>kernelW * pixel;
  const colsRow = <usize>kernelH * kernelRow;
  const step = <usize>strideW * pixel;
  const interiorStart = min((max(padLeft, 0) + strideW - 1) / strideW, outWidth);
  const span = width - kernelW + padLeft;
  const interiorEnd = clamp(span < 0 ? 0 : span / strideW + 1, interiorStart, outWidth);
  zeroBytes(dinput, <usize>batch * imageBytes);
  let block = dcols;
  for (let b = 0; b < batch; b++) {
    const image = dinput + <usize>b * imageBytes;
    for (let oy = 0; oy < outHeight; oy++) {
      // as im2col walks cols; for one oy each input row takes only one ky, so every dinput element
      // still receives its terms in the order of (oy, ox)
      for (let ky = 0; ky < kernelH; ky++) {
        const y = oy * strideH - padTop + ky;
        if (y < 0 || y >= height) continue;
        const target = image + <usize>y * inRow;
        let from = block + <usize>ky * kernelRow;
        let ox = 0;
        for (; ox < interiorStart; ox++, from += colsRow) windowRowAdd(target, from, ox * strideW - padLeft, kernelW, width, pixel);
        let to = target + <usize>(ox * strideW - padLeft) * pixel;
        for (; ox < interiorEnd; ox++, from += colsRow, to += step) addBytes(to, from, kernelRow);
        for (; ox < outWidth; ox++, from += colsRow) windowRowAdd(target, from, ox * strideW - padLeft, kernelW, width, pixel);
      }
      block += <usize>outWidth * colsRow;
    }
  }
}

/** Scalar reference for `col2im`. */
export function col2imReference(
  dinput: usize, dcols: usize, batch: i32, height: i32, width: i32, channels: i32, outHeight: i32, outWidth: i32,
  kernelH: i32, kernelW: i32, strideH: i32, strideW: i32, padTop: i32, padLeft: i32,
): void {
  const total = <usize>batch * height * width * channels;
  for (let i: usize = 0; i < total; i++) store<f32>(dinput + (i << 2), 0);
  let at = dcols;
  for (let b = 0; b < batch; b++) {
    for (let oy = 0; oy < outHeight; oy++) {
      for (let ox = 0; ox < outWidth; ox++) {
        for (let ky = 0; ky < kernelH; ky++) {
          for (let kx = 0; kx < kernelW; kx++) {
            const y = oy * strideH + ky - padTop;
            const x = ox * strideW + kx - padLeft;
            const inside = y >= 0 && y < height && x >= 0 && x < width;
            for (let c = 0; c < channels; c++) {
              if (inside) {
                const target = dinput + ((((<usize>b * height + y) * width + x) * channels + c) << 2);
                store<f32>(target, load<f32>(target) + load<f32>(at));
              }
              at += 4;
            }
          }
        }
      }
    }
  }
}

/** The adjoint of `windowRow`: adds the kernel columns inside the row `target` into it. */
function windowRowAdd(target: usize, source: usize, left: i32, kernelW: i32, width: i32, pixel: usize): void {
  const first = clamp(-left, 0, kernelW);
  const last = clamp(width - left, first, kernelW);
  addBytes(target + <usize>(left + first) * pixel, source + <usize>first * pixel, <usize>(last - first) * pixel);
}

// @ts-ignore: decorator
@inline function clamp(value: i32, low: i32, high: i32): i32 {
  return min(max(value, low), high);
}

/**
 * Copies `bytes` (a multiple of 4) from source to dest, 16 at a time; a partial last vector is copied
 * again as the last 16 bytes of the run, overlapping the one before (the same values), so nothing
 * outside either run is read or written. A shorter run moves as a u64 and an f32.
 */
// @ts-ignore: decorator
@inline export function copyBytes(dest: usize, source: usize, bytes: usize): void {
  if (bytes >= 16) {
    let o: usize = 0;
    for (; o + 16 <= bytes; o += 16) v128.store(dest + o, v128.load(source + o));
    if (o < bytes) v128.store(dest + bytes - 16, v128.load(source + bytes - 16));
  } else {
    // 0 to 3 floats: two, then one
    if (bytes & 8) store<u64>(dest, load<u64>(source));
    if (bytes & 4) store<f32>(dest + (bytes & 8), load<f32>(source + (bytes & 8)));
  }
}

/** Stores +0 over `bytes` (a multiple of 4) at dest, as `copyBytes` copies. */
// @ts-ignore: decorator
@inline export function zeroBytes(dest: usize, bytes: usize): void {
  const zero = f32x4.splat(0);
  if (bytes >= 16) {
    let o: usize = 0;
    for (; o + 16 <= bytes; o += 16) v128.store(dest + o, zero);
    if (o < bytes) v128.store(dest + bytes - 16, zero);
  } else {
    if (bytes & 8) store<u64>(dest, 0);
    if (bytes & 4) store<f32>(dest + (bytes & 8), 0);
  }
}

/** dest += source over `bytes` (a multiple of 4): four lanes at a time, then one float at a time. */
// @ts-ignore: decorator
@inline function addBytes(dest: usize, source: usize, bytes: usize): void {
  let o: usize = 0;
  for (; o + 16 <= bytes; o += 16) v128.store(dest + o, f32x4.add(v128.load(dest + o), v128.load(source + o)));
  for (; o < bytes; o += 4) store<f32>(dest + o, load<f32>(dest + o) + load<f32>(source + o));
}
