#!/usr/bin/env node
// The mnist-wasm command. Everything it does goes through the public API; this file only reads
// flags, prints, and turns the library's typed errors into one line on stderr and exit code 2.

import { readFileSync } from 'node:fs';
import { MnistWasmError } from '../errors.js';
import { loadMnist } from '../data/mnist.js';
import { toCategorical } from '../data/categorical.js';
import { dense, dropout, relu, softmax, type Layer } from '../model/layers.js';
import { Sequential } from '../model/sequential.js';
import { init, kernelBuild } from '../wasm/kernels.js';
import { adam, cosineDecay, sgd } from '../train/optimizers.js';
import { parseCommand, USAGE, UsageError, type TrainCommand } from './args.js';
import { progressCallbacks, type EpochRecord } from './progress.js';
import { describeRecipe, type Recipe } from './recipes.js';

async function main(argv: string[]): Promise<number> {
  const command = parseCommand(argv);
  if (command.command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (command.command === 'version') {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    process.stdout.write(`${pkg.version}\n`);
    return 0;
  }
  await train(command);
  return 0;
}

async function train({ recipe, data, json, threads, relaxedSimd }: TrainCommand): Promise<void> {
  const started = performance.now();
  if (relaxedSimd) {
    await init(undefined, { relaxedSimd });
    if (!kernelBuild()?.relaxedSimd) process.stderr.write('Relaxed SIMD is not available in this runtime: using the portable kernels\n');
  }
  // With --json, stdout carries only JSON lines; everything for people goes to stderr.
  const say = (line: string): void => void (json ? process.stderr : process.stdout).write(`${line}\n`);
  const { train, test } = await loadMnist(data === undefined ? {} : { dir: data });
  const inputDim = train.rows * train.cols;
  const classes = 1 + train.labels.reduce((top, label) => Math.max(top, label), 0);
  say(describeRecipe(recipe, inputDim, classes));
  say(`Data: ${group(train.count)} training and ${group(test.count)} test images of ${train.rows}×${train.cols}${data ? ` from ${data}` : ''}`);

  const model = new Sequential(buildLayers(recipe, inputDim, classes));
  const batches = Math.ceil(train.count / recipe.batchSize);
  model.compile({ loss: 'categoricalCrossentropy', optimizer: buildOptimizer(recipe, recipe.epochs * batches), metrics: ['accuracy'] });
  const yTrain = toCategorical(train.labels, classes);
  const yTest = toCategorical(test.labels, classes);
  const records: EpochRecord[] = [];
  await model.fit(train.images, yTrain, {
    batchSize: recipe.batchSize,
    epochs: recipe.epochs,
    validationData: [test.images, yTest],
    seed: recipe.seed,
    threads,
    callbacks: progressCallbacks(process.stdout, recipe.epochs, batches, json, records),
  });
  const [testLoss, testAccuracy] = model.evaluate(test.images, yTest);
  const seconds = (performance.now() - started) / 1000;
  if (json) {
    process.stdout.write(`${JSON.stringify({ recipe, testAccuracy, testLoss, seconds, epochs: records })}\n`);
  } else {
    say(`Test accuracy: ${(testAccuracy * 100).toFixed(2)}% - test loss: ${testLoss.toFixed(4)} - ${seconds.toFixed(1)} s in all`);
  }
}

function buildLayers(recipe: Recipe, inputDim: number, classes: number): Layer[] {
  const layers: Layer[] = [];
  let width = inputDim;
  for (const units of recipe.hidden) {
    layers.push(dense(units, { inputDim: width, kernelInitializer: recipe.kernelInitializer }), relu());
    if (recipe.dropout > 0) layers.push(dropout(recipe.dropout));
    width = units;
  }
  layers.push(dense(classes, { inputDim: width, kernelInitializer: recipe.kernelInitializer }), softmax());
  return layers;
}

function buildOptimizer(recipe: Recipe, steps: number) {
  const learningRate = recipe.schedule === 'cosine' ? cosineDecay({ initialLearningRate: recipe.learningRate, decaySteps: steps }) : recipe.learningRate;
  if (recipe.optimizer === 'adam') return adam({ learningRate });
  return sgd({ learningRate, momentum: recipe.momentum, nesterov: recipe.nesterov && recipe.momentum > 0 });
}

function group(n: number): string {
  return n.toLocaleString('en-US');
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof UsageError || error instanceof MnistWasmError) {
      process.stderr.write(`mnist-wasm: ${error.message}\n`);
      process.exitCode = 2;
    } else {
      process.stderr.write(`mnist-wasm: internal error: ${(error as Error)?.message ?? String(error)}\n`);
      process.exitCode = 1;
    }
  },
);
