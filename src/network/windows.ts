// Where the windows of an image layer fall: a convolution's kernel or a pooling window, slid over an
// image of [height, width, channels] with its strides and padding. The arithmetic is TensorFlow's
// (tf.nn.conv2d and max_pool, "same" and "valid" padding), so shapes agree with Keras and TensorFlow.js.

import { InvalidArgumentError } from '../errors.js';
import type { Padding } from './image-layers.js';

/** The window arithmetic of one image layer: its input and output images, the window, the steps and the padding before. */
export interface Windows {
  inShape: [number, number, number];
  /** The output's height and width; its channels are the input's (a conv2d layer replaces them by its filters). */
  outShape: [number, number, number];
  window: [number, number];
  strides: [number, number];
  /** Padding rows above and columns left of the image. */
  pad: [number, number];
}

/**
 * Slides `window` over the image that reaches the layer (`shape`), with the layer's strides and
 * padding; `where` and `windowName` ('kernel', 'pool window') name them in messages. Refuses rows that
 * are not images, and a window that finds no room with padding 'valid'.
 */
export function resolveWindows(
  shape: number[], layer: { kind: string; strides: [number, number]; padding: Padding }, window: [number, number], where: string, windowName: string,
): Windows {
  if (shape.length !== 3) {
    throw new InvalidArgumentError(
      `Sequential: ${where} receives rows of shape ${formatShape(shape)}, but ${layer.kind} takes images of [height, width, channels]: ` +
        'give the first layer inputShape [height, width, channels] (inputs stay flat rows of height·width·channels values)',
    );
  }
  const [height, width, channels] = shape;
  const { strides, padding } = layer;
  const [outHeight, top] = alongAxis(height, window[0], strides[0], padding);
  const [outWidth, left] = alongAxis(width, window[1], strides[1], padding);
  if (outHeight < 1 || outWidth < 1) {
    throw new InvalidArgumentError(
      `Sequential: ${where} has a ${window[0]}×${window[1]} ${windowName} over a ${height}×${width} image with padding 'valid', which leaves no output: ` +
        `use padding 'same' or a smaller ${windowName}`,
    );
  }
  return { inShape: [height, width, channels], outShape: [outHeight, outWidth, channels], window, strides, pad: [top, left] };
}

/**
 * The output size along one axis and the padding before it. 'valid': ⌊(size − window) / stride⌋ + 1
 * (below 1 when the window is larger than the image). 'same': ⌈size / stride⌉, padded by
 * max((out − 1)·stride + window − size, 0) in total, the smaller half before, as TensorFlow does.
 * That total is below the window, so every window holds at least one value of the image.
 */
function alongAxis(size: number, window: number, stride: number, padding: Padding): [out: number, before: number] {
  if (padding === 'valid') return [Math.floor((size - window) / stride) + 1, 0];
  const out = Math.ceil(size / stride);
  const total = Math.max((out - 1) * stride + window - size, 0);
  return [out, Math.floor(total / 2)];
}

/** A row's shape as Keras prints it, without the batch: (13, 13, 16). */
export function formatShape(shape: readonly number[]): string {
  return `(${shape.join(', ')})`;
}
