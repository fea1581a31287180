// Whether a file's layers are the model's layers, and if not, a sentence that says where they differ.
// Names and initializers do not matter: they change no shape and no result once weights exist.

import type { Layer } from '../network/layers.js';

/** A layer as a person would write it: dense(800, inputDim 784, no bias), conv2d(16, kernelSize 3×3, …), dropout(0.5), relu(). */
function describeLayer(layer: Layer): string {
  switch (layer.kind) {
    case 'dense': {
      const details = [
        ...(layer.inputDim !== undefined ? [`inputDim ${layer.inputDim}`] : []),
        ...(layer.useBias ? [] : ['no bias']),
        ...(layer.activation !== 'linear' ? [`activation ${layer.activation}`] : []),
      ];
      return `dense(${[layer.units, ...details].join(', ')})`;
    }
    case 'dropout':
      return `dropout(${layer.rate})`;
    case 'conv2d': {
      const { filters, kernelSize, strides, padding, inputShape, useBias, activation } = layer;
      const details = [
        `kernelSize ${kernelSize.join('×')}`, `strides ${strides.join('×')}`, `padding ${padding}`,
        ...(inputShape !== undefined ? [`inputShape ${inputShape.join('×')}`] : []),
        ...(useBias ? [] : ['no bias']),
        ...(activation !== 'linear' ? [`activation ${activation}`] : []),
      ];
      return `conv2d(${[filters, ...details].join(', ')})`;
    }
    case 'maxPooling2d': {
      const { poolSize, strides, padding, inputShape } = layer;
      const shape = inputShape !== undefined ? `, inputShape ${inputShape.join('×')}` : '';
      return `maxPooling2d(poolSize ${poolSize.join('×')}, strides ${strides.join('×')}, padding ${padding}${shape})`;
    }
    case 'flatten':
      return `flatten(${layer.inputShape !== undefined ? `inputShape ${layer.inputShape.join('×')}` : ''})`;
    default:
      return `${layer.kind}()`;
  }
}

/** Undefined when the two stacks are the same network; else what differs first. */
export function layerDifference(file: readonly Layer[], model: readonly Layer[]): string | undefined {
  for (let i = 0; i < Math.max(file.length, model.length); i++) {
    const a = file[i] ? describeLayer(file[i]) : undefined;
    const b = model[i] ? describeLayer(model[i]) : undefined;
    if (a !== b) return `layer ${i}: the file has ${a ?? 'no layer'}, the model has ${b ?? 'no layer'}`;
  }
  return undefined;
}
