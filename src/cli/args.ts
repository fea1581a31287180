// Command-line flags: parsed with node:util, then every value checked, so a mistake is reported as
// one line naming the flag, what it takes and what it got.

import { parseArgs } from 'node:util';
import type { CommandName } from './help.js';
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

export interface ExportCommand {
  command: 'export';
  model: string;
  format: 'onnx' | 'tfjs';
  /** A file for ONNX; a folder for TensorFlow.js (model.json and its weights). */
  out: string;
}

interface HelpCommand {
  command: 'help';
  /** The command whose help was asked for (`mnist-wasm train --help`); none for all of it. */
  topic?: CommandName;
}

type Command = TrainCommand | EvaluateCommand | PredictCommand | ExportCommand | HelpCommand | { command: 'version' };

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
  format: { type: 'string' },
  out: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'v' },
} as const;

type OptionName = keyof typeof OPTIONS;

/** The options each command takes; the help describes exactly these (a test holds them together). */
const ACCEPTED: Record<CommandName, OptionName[]> = {
  train: (Object.keys(OPTIONS) as OptionName[]).filter((key) => !['model', 'invert', 'format', 'out', 'help', 'version'].includes(key)),
  evaluate: ['model', 'data', 'threads', 'json'],
  predict: ['model', 'invert', 'json'],
  export: ['model', 'format', 'out'],
};

/** The flags `command` accepts, as typed: `--epochs`. */
export function acceptedFlags(command: CommandName): string[] {
  return ACCEPTED[command].map((key) => `--${key}`);
}

const isOptimizerName = (name: string): name is Recipe['optimizer'] => name === 'sgd' || name === 'adam' || name === 'rmsprop';

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
  const [command, ...rest] = positionals;
  if (values.help) return isCommandName(command) ? { command: 'help', topic: command } : { command: 'help' };
  if (values.version) return { command: 'version' };
  const given = (Object.keys(values) as Array<keyof typeof values>).filter((key) => values[key] !== undefined);
  const allowOnly = (allowed: OptionName[]): void => {
    const other = given.find((key) => !allowed.includes(key));
    if (other) throw new UsageError(`--${other} is not an option of ${command} (see mnist-wasm ${command} --help)`);
  };
  const threads = values.threads === undefined ? undefined : integer('--threads', values.threads, 1, 16);
  if (command === 'export') {
    allowOnly(ACCEPTED.export);
    if (rest.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(rest[0])}`);
    if (values.model === undefined) throw new UsageError('export needs --model FILE');
    if (values.format !== 'onnx' && values.format !== 'tfjs') throw new UsageError(`--format must be onnx or tfjs, got ${JSON.stringify(values.format ?? '')}`);
    if (!values.out) throw new UsageError('export needs --out PATH: a file for onnx, a folder for tfjs');
    return { command, model: values.model, format: values.format, out: values.out };
  }
  if (command === 'evaluate' || command === 'predict') {
    if (values.model === undefined) throw new UsageError(`${command} needs --model FILE`);
    if (command === 'evaluate') {
      allowOnly(ACCEPTED.evaluate);
      if (rest.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(rest[0])}`);
      return { command, model: values.model, data: values.data, json: values.json ?? false, threads };
    }
    allowOnly(ACCEPTED.predict);
    if (rest.length === 0) throw new UsageError('predict needs images: IDX image files or PNG files');
    return { command, model: values.model, inputs: rest, invert: values.invert ?? false, json: values.json ?? false };
  }
  if (command !== 'train') {
    throw new UsageError(command === undefined ? 'expected a command: train, evaluate, predict or export (see mnist-wasm --help)' : `unknown command ${JSON.stringify(command)}: expected train, evaluate, predict or export`);
  }
  if (rest.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(rest[0])}`);
  allowOnly(ACCEPTED.train);

  const name = values.recipe ?? 'default';
  const base = RECIPES[name];
  if (!base) throw new UsageError(`--recipe must be one of ${Object.keys(RECIPES).join(', ')}, got ${JSON.stringify(name)}`);
  const recipe: Recipe = { ...base, hidden: [...base.hidden] };
  if (values.epochs !== undefined) recipe.epochs = integer('--epochs', values.epochs, 1, 100_000);
  if (values['batch-size'] !== undefined) recipe.batchSize = integer('--batch-size', values['batch-size'], 1, 65_536);
  if (values['learning-rate'] !== undefined) recipe.learningRate = number('--learning-rate', values['learning-rate'], (x) => x > 0, 'a number above 0');
  if (values.optimizer !== undefined) {
    if (!isOptimizerName(values.optimizer)) throw new UsageError(`--optimizer must be sgd, adam or rmsprop, got ${JSON.stringify(values.optimizer)}`);
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

function isCommandName(name: string | undefined): name is CommandName {
  return name === 'train' || name === 'evaluate' || name === 'predict' || name === 'export';
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
