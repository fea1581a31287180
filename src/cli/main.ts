#!/usr/bin/env node
// The mnist-wasm command. Everything it does goes through the public API; this file only reads
// flags, prints, and turns the library's typed errors into one line on stderr and exit code 2.
// The train command, the long one, is in train.ts.

import { readFileSync } from 'node:fs';
import { MnistWasmError } from '../errors.js';
import { loadMnist } from '../data/mnist.js';
import { toCategorical } from '../data/categorical.js';
import { loadModel } from '../model/load-model.js';
import { helpText } from './help.js';
import { parseCommand, UsageError, type EvaluateCommand, type ExportCommand, type PredictCommand } from './args.js';
import { readImages } from './images.js';
import { checkSavePath, writeFileAtomic } from '../platform/files.js';
import { writeTfjsModel } from '../export/tfjs-write.js';
import { group, warnAboutThreads } from './output.js';
import { train } from './train.js';

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
