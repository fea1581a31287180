// Max pooling, forward and backward, over NHWC f32 tensors.
//
// Layout: input (batch, height, width, channels), out and argmax (batch, outHeight, outWidth,
// channels), out f32 and argmax i32; pointers are byte addresses, every shape an argument, nothing
// here allocates. Output (oy, ox) pools the window of rows oy·strideH − padTop + [0, poolH) and
// columns ox·strideW − padLeft + [0, poolW); positions in the padding never win (they count as −∞).
// The caller picks the shapes (Keras 'valid' or 'same'); a window entirely in the padding, which
// those never make, gives 0 with argmax −1, and the backward pass skips it.
//
// argmax holds, for each output, (y·width + x)·channels + c: the index of its maximum within its
// image, the first one in (py, px) order when several are equal, so the backward pass is a scatter.
// The fast forward keeps four channels' running maxima and their indices in two vectors: f32x4.pmax
// (best < value ? value : best) keeps the maximum and f32x4.gt(value, best) picks the index, the
// same strict comparison, in the same order, as the scalar reference's, which is therefore
// bit-identical (values are copied, never computed; NaN never replaces a maximum nor is replaced).
// It takes two such groups at a time, whose chains of compares do not wait on each other: 1.5x as
// fast as one on 32 images of 26x26x16. Every image is independent: a thread may take images
// [i, j) alone by offsetting the pointers.

import { zeroBytes } from "./conv";

/**
 * out (batch, outHeight, outWidth, channels) = the maximum of each window of input (batch, height,
 * width, channels), argmax (same shape, i32) its index within the image.
 */
export function maxPoolForward(
  out: usize, argmax: usize, input: usize, batch: i32, height: i32, width: i32, channels: i32, outHeight: i32, outWidth: i32,
  poolH: i32, poolW: i32, strideH: i32, strideW: i32, padTop: i32, padLeft: i32,
): void {
  const pixel = <usize>channels << 2;
  const imageBytes = <usize>height * <usize>width * pixel;
  const vectorEnd = channels & ~3;
  const lanes = i32x4(0, 1, 2, 3);
  const rowStride = width * channels;
  let o = out;
  let a = argmax;
  for (let b = 0; b < batch; b++) {
    const image = input + <usize>b * imageBytes;
    for (let oy = 0; oy < outHeight; oy++) {
      const top = oy * strideH - padTop;
      const yStart = max(top, 0);
      const yEnd = min(top + poolH, height);
      for (let ox = 0; ox < outWidth; ox++) {
        const left = ox * strideW - padLeft;
        const xStart = max(left, 0);
        const xEnd = min(left + poolW, width);
        if (yStart >= yEnd || xStart >= xEnd) {
          emptyWindow(o, a, channels);
        } else {
          let c = 0;
          // main: eight channels at a time, as two groups of four
          for (; c + 8 <= vectorEnd; c += 8) {
            const first = (yStart * width + xStart) * channels + c;
            let best0 = v128.load(image + (<usize>first << 2));
            let best1 = v128.load(image + (<usize>first << 2), 16);
            let index0 = i32x4.add(i32x4.splat(first), lanes);
            let index1 = i32x4.add(index0, i32x4.splat(4));
            let rowAt = first;
            for (let y = yStart; y < yEnd; y++, rowAt += rowStride) {
              let at = rowAt;
              for (let x = xStart; x < xEnd; x++, at += channels) {
                const value0 = v128.load(image + (<usize>at << 2));
                const value1 = v128.load(image + (<usize>at << 2), 16);
                const greater0 = f32x4.gt(value0, best0);
                const greater1 = f32x4.gt(value1, best1);
                best0 = f32x4.pmax(best0, value0);
                best1 = f32x4.pmax(best1, value1);
                const atLanes = i32x4.add(i32x4.splat(at), lanes);
                index0 = v128.bitselect(atLanes, index0, greater0);
                index1 = v128.bitselect(i32x4.add(atLanes, i32x4.splat(4)), index1, greater1);
              }
            }
            v128.store(o + (<usize>c << 2), best0);
            v128.store(o + (<usize>c << 2), best1, 16);
            v128.store(a + (<usize>c << 2), index0);
            v128.store(a + (<usize>c << 2), index1, 16);
          }
          // tail group of four channels
          for (; c < vectorEnd; c += 4) {
            const first = (yStart * width + xStart) * channels + c;
            let best = v128.load(image + (<usize>first << 2));
            let index = i32x4.add(i32x4.splat(first), lanes);
            let rowAt = first;
            for (let y = yStart; y < yEnd; y++, rowAt += rowStride) {
              let at = rowAt;
              for (let x = xStart; x < xEnd; x++, at += channels) {
                const value = v128.load(image + (<usize>at << 2));
                const greater = f32x4.gt(value, best);
                best = f32x4.pmax(best, value);
                index = v128.bitselect(i32x4.add(i32x4.splat(at), lanes), index, greater);
              }
            }
            v128.store(o + (<usize>c << 2), best);
            v128.store(a + (<usize>c << 2), index);
          }
          // tail channels, one at a time
          for (; c < channels; c++) {
            let index = (yStart * width + xStart) * channels + c;
            let best = load<f32>(image + (<usize>index << 2));
            for (let y = yStart; y < yEnd; y++) {
              for (let x = xStart; x < xEnd; x++) {
                const at = (y * width + x) * channels + c;
                const value = load<f32>(image + (<usize>at << 2));
                if (value > best) {
                  best = value;
                  index = at;
                }
              }
            }
            store<f32>(o + (<usize>c << 2), best);
            store<i32>(a + (<usize>c << 2), index);
          }
        }
        o += pixel;
        a += pixel;
      }
    }
  }
}

/** Scalar reference for `maxPoolForward`. */
export function maxPoolForwardReference(
  out: usize, argmax: usize, input: usize, batch: i32, height: i32, width: i32, channels: i32, outHeight: i32, outWidth: i32,
  poolH: i32, poolW: i32, strideH: i32, strideW: i32, padTop: i32, padLeft: i32,
): void {
  const imageSize = <usize>height * width * channels;
  let o: usize = 0;
  for (let b = 0; b < batch; b++) {
    for (let oy = 0; oy < outHeight; oy++) {
      for (let ox = 0; ox < outWidth; ox++) {
        for (let c = 0; c < channels; c++) {
          let found = false;
          let best: f32 = 0;
          let index = -1;
          for (let py = 0; py < poolH; py++) {
            for (let px = 0; px < poolW; px++) {
              const y = oy * strideH + py - padTop;
              const x = ox * strideW + px - padLeft;
              if (y < 0 || y >= height || x < 0 || x >= width) continue;
              const at = (y * width + x) * channels + c;
              const value = load<f32>(input + ((<usize>b * imageSize + at) << 2));
              if (!found || value > best) {
                found = true;
                best = value;
                index = at;
              }
            }
          }
          store<f32>(out + (o << 2), best);
          store<i32>(argmax + (o << 2), index);
          o++;
        }
      }
    }
  }
}

/**
 * dinput (batch, height, width, channels) = 0, then for every output of `maxPoolForward` in order,
 * dinput[b, argmax] += dout, from dout and argmax (batch, outHeight, outWidth, channels).
 */
export function maxPoolBackward(
  dinput: usize, dout: usize, argmax: usize, batch: i32, height: i32, width: i32, channels: i32, outHeight: i32, outWidth: i32,
): void {
  const imageBytes = <usize>height * <usize>width * <usize>channels << 2;
  const outputs = outHeight * outWidth * channels;
  zeroBytes(dinput, <usize>batch * imageBytes);
  let d = dout;
  let a = argmax;
  for (let b = 0; b < batch; b++) {
    const image = dinput + <usize>b * imageBytes;
    let i = 0;
    // main: four outputs per pair of loads
    for (; i + 4 <= outputs; i += 4) {
      const gradient = v128.load(d);
      const index = v128.load(a);
      scatterAdd(image, i32x4.extract_lane(index, 0), f32x4.extract_lane(gradient, 0));
      scatterAdd(image, i32x4.extract_lane(index, 1), f32x4.extract_lane(gradient, 1));
      scatterAdd(image, i32x4.extract_lane(index, 2), f32x4.extract_lane(gradient, 2));
      scatterAdd(image, i32x4.extract_lane(index, 3), f32x4.extract_lane(gradient, 3));
      d += 16;
      a += 16;
    }
    // tail outputs
    for (; i < outputs; i++) {
      scatterAdd(image, load<i32>(a), load<f32>(d));
      d += 4;
      a += 4;
    }
  }
}

/** Scalar reference for `maxPoolBackward`. */
export function maxPoolBackwardReference(
  dinput: usize, dout: usize, argmax: usize, batch: i32, height: i32, width: i32, channels: i32, outHeight: i32, outWidth: i32,
): void {
  const imageSize = <usize>height * width * channels;
  const outputs = <usize>outHeight * outWidth * channels;
  for (let i: usize = 0; i < <usize>batch * imageSize; i++) store<f32>(dinput + (i << 2), 0);
  for (let b = 0; b < batch; b++) {
    for (let i: usize = 0; i < outputs; i++) {
      const o = (<usize>b * outputs + i) << 2;
      const index = load<i32>(argmax + o);
      if (index < 0) continue;
      const target = dinput + ((<usize>b * imageSize + index) << 2);
      store<f32>(target, load<f32>(target) + load<f32>(dout + o));
    }
  }
}

/** Out 0 and argmax −1 for each channel of an output whose window lies entirely in the padding. */
function emptyWindow(out: usize, argmax: usize, channels: i32): void {
  for (let c = 0; c < channels; c++) {
    store<f32>(out + (<usize>c << 2), 0);
    store<i32>(argmax + (<usize>c << 2), -1);
  }
}

// @ts-ignore: decorator
@inline function scatterAdd(image: usize, index: i32, gradient: f32): void {
  if (index >= 0) {
    const target = image + (<usize>index << 2);
    store<f32>(target, load<f32>(target) + gradient);
  }
}
