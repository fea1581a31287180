// The convolution and pooling kernels (assembly/conv.ts, assembly/pool.ts): each fast kernel against
// its scalar reference bit for bit over awkward shapes; im2col + denseForward against a convolution
// written out in plain JavaScript; col2im as im2col's adjoint; max pooling against a plain
// JavaScript oracle (ties included) and its gradient against finite differences.

import { describe, expect, it } from 'vitest';
import { Random } from '../dist/random.js';
import { freshKernels, uniform, type Memory } from './support.js';

/** A convolution's or pooling's geometry, NHWC; `window` is the kernel or the pool. */
interface Geometry {
  batch: number;
  height: number;
  width: number;
  channels: number;
  windowH: number;
  windowW: number;
  strideH: number;
  strideW: number;
  outHeight: number;
  outWidth: number;
  padTop: number;
  padLeft: number;
}

/** Keras' output shape and padding: 'valid' pads nothing, 'same' follows TensorFlow's rule. */
function keras(
  padding: 'valid' | 'same', batch: number, height: number, width: number, channels: number,
  windowH: number, windowW: number, strideH: number, strideW: number,
): Geometry {
  const axis = (size: number, window: number, stride: number) => {
    if (padding === 'valid') return { out: Math.floor((size - window) / stride) + 1, pad: 0 };
    const out = Math.ceil(size / stride);
    return { out, pad: Math.floor(Math.max((out - 1) * stride + window - size, 0) / 2) };
  };
  const rows = axis(height, windowH, strideH);
  const columns = axis(width, windowW, strideW);
  return {
    batch, height, width, channels, windowH, windowW, strideH, strideW,
    outHeight: rows.out, outWidth: columns.out, padTop: rows.pad, padLeft: columns.pad,
  };
}

function label(g: Geometry): string {
  return `batch ${g.batch}, ${g.height}x${g.width}x${g.channels}, window ${g.windowH}x${g.windowW}, stride ${g.strideH}x${g.strideW}, ` +
    `pad ${g.padTop},${g.padLeft} -> ${g.outHeight}x${g.outWidth}`;
}

const inputSize = (g: Geometry) => g.batch * g.height * g.width * g.channels;
const rowsOf = (g: Geometry) => g.batch * g.outHeight * g.outWidth;
const depthOf = (g: Geometry) => g.windowH * g.windowW * g.channels;
const outputSize = (g: Geometry) => rowsOf(g) * g.channels;

/** The shape arguments of every kernel here but `maxPoolBackward` (which takes the first six), after its pointers. */
const shape = (g: Geometry) =>
  [g.batch, g.height, g.width, g.channels, g.outHeight, g.outWidth, g.windowH, g.windowW, g.strideH, g.strideW, g.padTop, g.padLeft] as const;

/** The bits of `count` floats at `address`, so that -0 and +0 (and NaN payloads) count as different. */
function bits(m: Memory, address: number, count: number): Uint32Array {
  return new Uint32Array(m.read(address, count).buffer);
}

const SPATIAL: Array<[number, number]> = [[7, 9], [6, 11], [5, 5], [9, 5], [11, 7]];
const CONVOLUTIONS: Geometry[] = [];
{
  let n = 0;
  for (const channels of [1, 3, 16]) {
    for (const [kernelH, kernelW] of [[1, 1], [3, 3], [5, 5], [2, 3]]) {
      for (const [strideH, strideW] of [[1, 1], [2, 2], [3, 3], [2, 1]]) {
        for (const padding of ['valid', 'same'] as const) {
          const [height, width] = SPATIAL[n % SPATIAL.length];
          CONVOLUTIONS.push(keras(padding, n % 2 ? 3 : 1, height, width, channels, kernelH, kernelW, strideH, strideW));
          n++;
        }
      }
    }
  }
  // the layers of a small MNIST network
  CONVOLUTIONS.push(keras('valid', 3, 28, 28, 1, 3, 3, 1, 1), keras('valid', 2, 13, 13, 16, 3, 3, 1, 1));
  // paddings Keras never makes: windows wholly outside the image, on every side, and negative ones
  CONVOLUTIONS.push(
    { batch: 2, height: 7, width: 8, channels: 3, windowH: 3, windowW: 3, strideH: 1, strideW: 2, outHeight: 4, outWidth: 3, padTop: -1, padLeft: -2 },
    { batch: 2, height: 5, width: 6, channels: 3, windowH: 3, windowW: 2, strideH: 2, strideW: 3, outHeight: 6, outWidth: 4, padTop: 4, padLeft: 3 },
    { batch: 1, height: 4, width: 4, channels: 16, windowH: 2, windowW: 2, strideH: 1, strideW: 1, outHeight: 7, outWidth: 8, padTop: 0, padLeft: 3 },
  );
}

describe('im2col and col2im', () => {
  it.each(CONVOLUTIONS.map((g) => [label(g), g] as const))('equal their references bit for bit: %s', async (_, g) => {
    const m = await freshKernels();
    const fill = uniform(inputSize(g) + rowsOf(g));
    const colsSize = rowsOf(g) * depthOf(g);
    const input = m.floats(inputSize(g), fill);
    const fast = m.floats(colsSize, () => NaN);
    const slow = m.floats(colsSize, () => NaN);
    m.k.im2col(fast, input, ...shape(g));
    m.k.im2colReference(slow, input, ...shape(g));
    expect(bits(m, fast, colsSize)).toEqual(bits(m, slow, colsSize));
    expect(m.read(fast, colsSize).some(Number.isNaN)).toBe(false);

    const dcols = m.floats(colsSize, fill);
    const dinputFast = m.floats(inputSize(g), () => NaN);
    const dinputSlow = m.floats(inputSize(g), () => NaN);
    m.k.col2im(dinputFast, dcols, ...shape(g));
    m.k.col2imReference(dinputSlow, dcols, ...shape(g));
    expect(bits(m, dinputFast, inputSize(g))).toEqual(bits(m, dinputSlow, inputSize(g)));
    expect(m.read(dinputFast, inputSize(g)).some(Number.isNaN)).toBe(false);
  });

  it.each(CONVOLUTIONS.map((g) => [label(g), g] as const))('are adjoint, <im2col(x), y> = <x, col2im(y)>: %s', async (_, g) => {
    const m = await freshKernels();
    const fill = uniform(3 * inputSize(g) + 7);
    const colsSize = rowsOf(g) * depthOf(g);
    const x = m.floats(inputSize(g), fill);
    const y = m.floats(colsSize, fill);
    const cols = m.floats(colsSize);
    const dinput = m.floats(inputSize(g));
    m.k.im2col(cols, x, ...shape(g));
    m.k.col2im(dinput, y, ...shape(g));
    const [colsValues, yValues, xValues, dinputValues] = [m.read(cols, colsSize), m.read(y, colsSize), m.read(x, inputSize(g)), m.read(dinput, inputSize(g))];
    let left = 0, right = 0, scale = 0;
    colsValues.forEach((v, i) => {
      left += v * yValues[i];
      scale += Math.abs(v * yValues[i]);
    });
    xValues.forEach((v, i) => (right += v * dinputValues[i]));
    // col2im rounds each sum of at most windowH·windowW terms in f32
    expect(Math.abs(left - right)).toBeLessThanOrEqual(1e-5 * scale + 1e-12);
  });

  it.each(CONVOLUTIONS.filter((g) => depthOf(g) <= 150).map((g) => [label(g), g] as const))(
    'with denseForward, compute the convolution a plain JavaScript loop computes: %s',
    async (_, g) => {
      const m = await freshKernels();
      const filters = g.channels === 3 ? 8 : 5;
      const fill = uniform(inputSize(g) + 13);
      const depth = depthOf(g);
      const input = m.floats(inputSize(g), fill);
      const kernel = m.floats(depth * filters, fill);
      const bias = m.floats(filters, fill);
      const cols = m.floats(rowsOf(g) * depth);
      const out = m.floats(rowsOf(g) * filters);
      m.k.im2col(cols, input, ...shape(g));
      m.k.denseForward(out, cols, kernel, bias, 0, 1, rowsOf(g), depth, filters, false);
      const expected = convolution(m.read(input, inputSize(g)), m.read(kernel, depth * filters), m.read(bias, filters), g, filters);
      const actual = m.read(out, rowsOf(g) * filters);
      let worst = 0;
      expected.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - actual[i]))));
      expect(worst).toBeLessThanOrEqual(1e-5);
    },
  );

  it('give the same bits for any split of the batch into images', async () => {
    const m = await freshKernels();
    const g = keras('same', 3, 9, 7, 3, 3, 3, 2, 2);
    const fill = uniform(99);
    const colsSize = rowsOf(g) * depthOf(g);
    const imageFloats = g.height * g.width * g.channels;
    const rowFloats = g.outHeight * g.outWidth * depthOf(g);
    const one = { ...g, batch: 1 };
    const input = m.floats(inputSize(g), fill);
    const dcols = m.floats(colsSize, fill);
    const whole = { cols: m.floats(colsSize), dinput: m.floats(inputSize(g)) };
    const parts = { cols: m.floats(colsSize), dinput: m.floats(inputSize(g)) };
    m.k.im2col(whole.cols, input, ...shape(g));
    m.k.col2im(whole.dinput, dcols, ...shape(g));
    for (let b = 0; b < g.batch; b++) {
      m.k.im2col(parts.cols + 4 * b * rowFloats, input + 4 * b * imageFloats, ...shape(one));
      m.k.col2im(parts.dinput + 4 * b * imageFloats, dcols + 4 * b * rowFloats, ...shape(one));
    }
    expect(bits(m, parts.cols, colsSize)).toEqual(bits(m, whole.cols, colsSize));
    expect(bits(m, parts.dinput, inputSize(g))).toEqual(bits(m, whole.dinput, inputSize(g)));
  });
});

/** out (rows, filters) = bias + the convolution of input with kernel [kh, kw, inC, filters], in f64. */
function convolution(input: Float32Array, kernel: Float32Array, bias: Float32Array, g: Geometry, filters: number): Float64Array {
  const out = new Float64Array(rowsOf(g) * filters);
  for (let b = 0; b < g.batch; b++) {
    for (let oy = 0; oy < g.outHeight; oy++) {
      for (let ox = 0; ox < g.outWidth; ox++) {
        const row = (b * g.outHeight + oy) * g.outWidth + ox;
        for (let f = 0; f < filters; f++) {
          let sum = bias[f];
          for (let ky = 0; ky < g.windowH; ky++) {
            for (let kx = 0; kx < g.windowW; kx++) {
              const y = oy * g.strideH + ky - g.padTop;
              const x = ox * g.strideW + kx - g.padLeft;
              if (y < 0 || y >= g.height || x < 0 || x >= g.width) continue;
              for (let c = 0; c < g.channels; c++) {
                sum += input[((b * g.height + y) * g.width + x) * g.channels + c] * kernel[((ky * g.windowW + kx) * g.channels + c) * filters + f];
              }
            }
          }
          out[row * filters + f] = sum;
        }
      }
    }
  }
  return out;
}

/** Max pooling as the kernels define it, written plainly: the first maximum of each window wins. */
function maxPool(input: Float32Array, g: Geometry): { out: number[]; argmax: number[] } {
  const out: number[] = [];
  const argmax: number[] = [];
  for (let b = 0; b < g.batch; b++) {
    for (let oy = 0; oy < g.outHeight; oy++) {
      for (let ox = 0; ox < g.outWidth; ox++) {
        for (let c = 0; c < g.channels; c++) {
          let best = -Infinity, index = -1;
          for (let py = 0; py < g.windowH; py++) {
            for (let px = 0; px < g.windowW; px++) {
              const y = oy * g.strideH + py - g.padTop;
              const x = ox * g.strideW + px - g.padLeft;
              if (y < 0 || y >= g.height || x < 0 || x >= g.width) continue;
              const at = (y * g.width + x) * g.channels + c;
              const value = input[b * g.height * g.width * g.channels + at];
              if (index < 0 || value > best) [best, index] = [value, at];
            }
          }
          out.push(index < 0 ? 0 : best);
          argmax.push(index);
        }
      }
    }
  }
  return { out, argmax };
}

const POOLS: Geometry[] = [
  // 2x2 stride 2, the common case
  keras('valid', 3, 26, 26, 16, 2, 2, 2, 2),
  keras('valid', 1, 7, 9, 3, 2, 2, 2, 2),
  keras('valid', 3, 6, 6, 4, 2, 2, 2, 2),
  keras('same', 3, 7, 9, 5, 2, 2, 2, 2),
  keras('same', 1, 13, 11, 1, 2, 2, 2, 2),
  // 3x3 stride 2, overlapping windows
  keras('valid', 1, 7, 9, 16, 3, 3, 2, 2),
  keras('same', 3, 9, 7, 3, 3, 3, 2, 2),
  keras('same', 1, 11, 11, 8, 3, 3, 2, 2),
  keras('same', 2, 7, 7, 12, 3, 3, 2, 2),
  keras('same', 3, 5, 5, 1, 3, 3, 1, 1),
  keras('same', 1, 7, 5, 6, 2, 3, 3, 1),
  // windows wholly in the padding
  { batch: 2, height: 6, width: 6, channels: 4, windowH: 2, windowW: 2, strideH: 2, strideW: 2, outHeight: 5, outWidth: 5, padTop: 3, padLeft: 2 },
  { batch: 1, height: 5, width: 4, channels: 7, windowH: 3, windowW: 2, strideH: 1, strideW: 3, outHeight: 9, outWidth: 3, padTop: 4, padLeft: 0 },
];

describe('max pooling', () => {
  it.each(POOLS.flatMap((g) => [[label(g), g, false], [`${label(g)}, with ties`, g, true]] as const))(
    'forward and backward equal their references bit for bit and the plain oracle: %s',
    async (_, g, ties) => {
      const m = await freshKernels();
      const random = new Random(inputSize(g) + (ties ? 1 : 0));
      // with ties: values from {-1, -0, 0, 1}, so most windows hold several equal maxima
      const fill = ties ? () => [-1, -0, 0, 1][random.nextBelow(4)] : uniform(inputSize(g));
      const input = m.floats(inputSize(g), fill);
      const fast = { out: m.floats(outputSize(g), () => NaN), argmax: m.floats(outputSize(g), () => NaN) };
      const slow = { out: m.floats(outputSize(g), () => NaN), argmax: m.floats(outputSize(g), () => NaN) };
      m.k.maxPoolForward(fast.out, fast.argmax, input, ...shape(g));
      m.k.maxPoolForwardReference(slow.out, slow.argmax, input, ...shape(g));
      expect(bits(m, fast.out, outputSize(g))).toEqual(bits(m, slow.out, outputSize(g)));
      expect(bits(m, fast.argmax, outputSize(g))).toEqual(bits(m, slow.argmax, outputSize(g)));
      const expected = maxPool(m.read(input, inputSize(g)), g);
      expect([...m.read(fast.out, outputSize(g))]).toEqual(expected.out);
      expect([...m.arena.i32.slice(fast.argmax >> 2, (fast.argmax >> 2) + outputSize(g))]).toEqual(expected.argmax);

      const dout = m.floats(outputSize(g), uniform(outputSize(g)));
      const dinputFast = m.floats(inputSize(g), () => NaN);
      const dinputSlow = m.floats(inputSize(g), () => NaN);
      const backward = [g.batch, g.height, g.width, g.channels, g.outHeight, g.outWidth] as const;
      m.k.maxPoolBackward(dinputFast, dout, fast.argmax, ...backward);
      m.k.maxPoolBackwardReference(dinputSlow, dout, fast.argmax, ...backward);
      expect(bits(m, dinputFast, inputSize(g))).toEqual(bits(m, dinputSlow, inputSize(g)));
      // the scatter, in f64: outputs of empty windows (argmax -1) add nothing
      const sums = new Float64Array(inputSize(g));
      const imageSize = g.height * g.width * g.channels;
      const gradient = m.read(dout, outputSize(g));
      expected.argmax.forEach((index, i) => {
        if (index >= 0) sums[Math.floor(i / (g.outHeight * g.outWidth * g.channels)) * imageSize + index] += gradient[i];
      });
      m.read(dinputFast, inputSize(g)).forEach((v, i) => expect(Math.abs(v - sums[i])).toBeLessThanOrEqual(1e-6));
    },
  );

  it.each([keras('valid', 2, 7, 9, 16, 2, 2, 2, 2), keras('same', 1, 7, 9, 7, 3, 3, 2, 2)].map((g) => [label(g), g] as const))(
    'forward equals its reference bit for bit with NaN in the input: %s',
    async (_, g) => {
      const m = await freshKernels();
      const random = new Random(5);
      const input = m.floats(inputSize(g), () => (random.nextBelow(5) === 0 ? NaN : random.nextFloat()));
      const fast = { out: m.floats(outputSize(g)), argmax: m.floats(outputSize(g)) };
      const slow = { out: m.floats(outputSize(g)), argmax: m.floats(outputSize(g)) };
      m.k.maxPoolForward(fast.out, fast.argmax, input, ...shape(g));
      m.k.maxPoolForwardReference(slow.out, slow.argmax, input, ...shape(g));
      expect(bits(m, fast.out, outputSize(g))).toEqual(bits(m, slow.out, outputSize(g)));
      expect(bits(m, fast.argmax, outputSize(g))).toEqual(bits(m, slow.argmax, outputSize(g)));
      expect(m.read(fast.out, outputSize(g)).some(Number.isNaN)).toBe(true);
    },
  );

  it('gives the same bits for any split of the batch into images', async () => {
    const m = await freshKernels();
    const g = keras('same', 3, 9, 7, 12, 3, 3, 2, 2);
    const one = { ...g, batch: 1 };
    const imageFloats = g.height * g.width * g.channels;
    const outFloats = g.outHeight * g.outWidth * g.channels;
    const input = m.floats(inputSize(g), uniform(8));
    const dout = m.floats(outputSize(g), uniform(9));
    const [whole, parts] = [0, 1].map(() => ({ out: m.floats(outputSize(g)), argmax: m.floats(outputSize(g)), dinput: m.floats(inputSize(g)) }));
    m.k.maxPoolForward(whole.out, whole.argmax, input, ...shape(g));
    m.k.maxPoolBackward(whole.dinput, dout, whole.argmax, g.batch, g.height, g.width, g.channels, g.outHeight, g.outWidth);
    for (let b = 0; b < g.batch; b++) {
      const [i, o] = [4 * b * imageFloats, 4 * b * outFloats];
      m.k.maxPoolForward(parts.out + o, parts.argmax + o, input + i, ...shape(one));
      m.k.maxPoolBackward(parts.dinput + i, dout + o, parts.argmax + o, 1, g.height, g.width, g.channels, g.outHeight, g.outWidth);
    }
    expect(bits(m, parts.out, outputSize(g))).toEqual(bits(m, whole.out, outputSize(g)));
    expect(bits(m, parts.argmax, outputSize(g))).toEqual(bits(m, whole.argmax, outputSize(g)));
    expect(bits(m, parts.dinput, inputSize(g))).toEqual(bits(m, whole.dinput, inputSize(g)));
  });

  it('gives 0 and argmax -1 for a window wholly in the padding', async () => {
    const m = await freshKernels();
    const g = POOLS[POOLS.length - 2];
    const input = m.floats(inputSize(g), () => -5);
    const out = m.floats(outputSize(g), () => NaN);
    const argmax = m.floats(outputSize(g), () => NaN);
    m.k.maxPoolForward(out, argmax, input, ...shape(g));
    // output row 0 pools input rows -3 and -2; row 1 pools -1 and 0
    expect([...m.read(out, g.outWidth * g.channels)].every((v) => v === 0)).toBe(true);
    expect([...m.arena.i32.slice(argmax >> 2, (argmax >> 2) + g.outWidth * g.channels)].every((v) => v === -1)).toBe(true);
    // output (1, 1) pools rows -1..0 and columns 0..1: its maximum is input (0, 0)
    const at = (g.outWidth + 1) * g.channels;
    expect(m.read(out + 4 * at, 1)[0]).toBe(-5);
    expect(m.arena.i32[(argmax >> 2) + at]).toBe(0);
  });

  it.each([
    keras('valid', 2, 7, 9, 3, 2, 2, 2, 2),
    keras('same', 1, 7, 9, 4, 3, 3, 2, 2),
    keras('same', 2, 5, 5, 5, 3, 3, 1, 1),
    keras('same', 1, 9, 7, 16, 2, 2, 2, 2),
  ].map((g) => [label(g), g] as const))('backward is the gradient of forward by finite differences: %s', async (_, g) => {
    const m = await freshKernels();
    const random = new Random(inputSize(g));
    const size = inputSize(g);
    // distinct multiples of 2^-8 (no ties), so that x ± 2^-12 is exact and moves no maximum
    const order = Uint32Array.from({ length: size }, (_, i) => i);
    random.shuffle(order);
    const input = m.floats(size);
    m.arena.f32.set(Array.from(order, (k) => (k - Math.floor(size / 2)) / 256), input >> 2);
    const out = m.floats(outputSize(g));
    const argmax = m.floats(outputSize(g));
    const dout = m.floats(outputSize(g), uniform(size + 1));
    const dinput = m.floats(size);
    const weights = m.read(dout, outputSize(g));
    const loss = () => {
      m.k.maxPoolForward(out, argmax, input, ...shape(g));
      return m.read(out, outputSize(g)).reduce((sum, v, i) => sum + v * weights[i], 0);
    };
    loss();
    m.k.maxPoolBackward(dinput, dout, argmax, g.batch, g.height, g.width, g.channels, g.outHeight, g.outWidth);
    const analytic = m.read(dinput, size);
    const h = 2 ** -12;
    const f32 = m.arena.f32;
    for (let i = 0; i < size; i++) {
      const x = f32[(input >> 2) + i];
      f32[(input >> 2) + i] = x + h;
      const up = loss();
      f32[(input >> 2) + i] = x - h;
      const down = loss();
      f32[(input >> 2) + i] = x;
      expect(Math.abs((up - down) / (2 * h) - analytic[i])).toBeLessThanOrEqual(1e-5);
    }
  });
});
