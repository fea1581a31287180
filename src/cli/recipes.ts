// Named training recipes for the command line. `seed` is the Keras notebook this project started
// from, exactly; `default` keeps its network and trains it well.

import type { Initializer } from '../model/layers.js';

export interface Recipe {
  name: string;
  hidden: number[];
  kernelInitializer: Initializer;
  dropout: number;
  optimizer: 'sgd' | 'adam';
  learningRate: number;
  momentum: number;
  nesterov: boolean;
  /** 'cosine' decays the learning rate to 0 over the whole run. */
  schedule: 'constant' | 'cosine';
  batchSize: number;
  epochs: number;
  seed: number;
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
};

/** One line that says exactly what will be trained. */
export function describeRecipe(recipe: Recipe, inputDim: number, classes: number): string {
  const shape = [inputDim, ...recipe.hidden, classes].join('-');
  const optimizer =
    recipe.optimizer === 'adam'
      ? 'Adam'
      : recipe.momentum > 0
        ? `SGD (${recipe.nesterov ? 'Nesterov ' : ''}momentum ${recipe.momentum})`
        : 'SGD';
  const rate = `lr ${recipe.learningRate}${recipe.schedule === 'cosine' ? ' with cosine decay' : ''}`;
  return (
    `Recipe ${recipe.name}: ${shape}, ${recipe.kernelInitializer} init, ReLU, dropout ${recipe.dropout}, ` +
    `${optimizer} ${rate}, batch ${recipe.batchSize}, ${recipe.epochs} epochs, seed ${recipe.seed}`
  );
}
