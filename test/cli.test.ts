// The mnist-wasm command as users run it: a child process of the built bin.

import { spawn, spawnSync } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { crc32, deflateSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encode } from 'fast-png';
import { acceptedFlags } from '../dist/cli/args.js';
import { RECIPES } from '../dist/cli/recipes.js';
import { writeMnistSubset } from './support.js';

const BIN = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));

function run(...args: string[]) {
  const result = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 120_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Exit code 2 and exactly one line on stderr that contains `text`; nothing like a stack trace. */
function expectUsageFailure(result: ReturnType<typeof run>, text: string): void {
  expect(result.status).toBe(2);
  expect(result.stdout).toBe('');
  const lines = result.stderr.trimEnd().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^mnist-wasm: /);
  expect(lines[0]).toContain(text);
  expect(result.stderr).not.toMatch(/\n\s+at |RuntimeError|unreachable/);
}

/** A PNG of 8-bit samples whose header declares `width`×`height`, with `body` deflated as its image data. */
function craftedPng(width: number, height: number, colourType: number, body: Uint8Array): Buffer {
  const chunk = (type: string, data: Buffer): Buffer => {
    const out = Buffer.alloc(12 + data.length);
    out.writeUInt32BE(data.length, 0);
    out.write(type, 4, 'latin1');
    data.copy(out, 8);
    out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
    return out;
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8;
  header[9] = colourType;
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', header), chunk('IDAT', deflateSync(body)), chunk('IEND', Buffer.alloc(0))]);
}

let scratch: string;
let small: string;
beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'mnist-wasm-cli-'));
  small = await writeMnistSubset(join(scratch, 'small'), 2000, 500);
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

describe('mnist-wasm train', () => {
  it('prints help', () => {
    const result = run('--help');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^Usage: mnist-wasm train \[--recipe NAME\]/);
  });

  it("shows in the README's usage block exactly what --help prints", async () => {
    const readme = await readFile(fileURLToPath(new URL('../README.md', import.meta.url)), 'utf8');
    const block = /<!-- mnist-wasm --help -->\n```text\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(block, 'README.md has no usage block after <!-- mnist-wasm --help -->').toBeDefined();
    expect(block).toBe(run('--help').stdout);
  });

  it.each(['train', 'evaluate', 'predict', 'export'] as const)('%s --help describes exactly the flags it accepts, and every recipe', (command) => {
    const accepted = acceptedFlags(command);
    const full = run('--help').stdout;
    const own = run(command, '--help');
    expect(own.status).toBe(0);
    expect(own.stdout).toMatch(new RegExp(`^Usage: mnist-wasm ${command} `));
    const rows = [...own.stdout.matchAll(/^ {2}(--[a-z-]+)( [A-Z]+)?/gm)];
    const described = rows.map((match) => match[1]);
    expect(described.sort()).toEqual([...accepted].sort());
    const synopsis = full.split('\n\n')[0].split(/(?=^ *(?:Usage:)? +mnist-wasm )/m).find((line) => line.includes(`mnist-wasm ${command} `))!;
    expect([...synopsis.matchAll(/(--[a-z-]+)/g)].map((match) => match[1]).sort()).toEqual([...accepted].sort());
    // The parser takes each described flag: with --help after it, nothing else is checked.
    for (const [, flag, value] of rows) expect(run(command, value ? `${flag}=1` : flag, '--help').status, flag).toBe(0);
    if (command === 'train') {
      for (const recipe of Object.keys(RECIPES)) {
        expect(full).toMatch(new RegExp(`^ {2}${recipe} +\\S`, 'm'));
        expect(own.stdout).toMatch(new RegExp(`^ {2}${recipe} +\\S`, 'm'));
      }
    }
  });

  it.each([
    [['train', '--epochs', '0'], '--epochs must be an integer from 1 to 100000, got "0"'],
    [['train', '--batch-size', 'x'], '--batch-size must be an integer'],
    [['train', '--learning-rate=-1'], '--learning-rate must be a number above 0, got "-1"'],
    [['train', '--learning-rate', '-1'], '--learning-rate needs a value; for one that starts with "-", write --learning-rate=VALUE'],
    [['train', '--optimizer', 'adagrad'], '--optimizer must be sgd, adam or rmsprop, got "adagrad"'],
    [['train', '--momentum', '1'], '--momentum must be a number in [0, 1)'],
    [['train', '--dropout', '1.5'], '--dropout must be a number in [0, 1), got "1.5"'],
    [['train', '--hidden', '800,x'], '--hidden must be an integer from 1 to 65536, got "x"'],
    [['train', '--seed=-3'], '--seed must be an integer from 0 to 4294967295, got "-3"'],
    [['train', '--threads', '0'], '--threads must be an integer from 1 to 16, got "0"'],
    [['train', '--epochs'], "Option '--epochs <value>' argument missing"],
    [['train', '--recipe', 'fast'], '--recipe must be one of seed, default, mlp-best, cnn, cnn-best, got "fast"'],
    [['train', '--frobnicate'], 'unknown option --frobnicate'],
    [['fly'], 'unknown command "fly"'],
    [['evaluate'], 'evaluate needs --model FILE'],
    [['predict', '--model', 'm.mnwm'], 'predict needs images'],
    [['evaluate', '--model', 'm.mnwm', '--epochs', '3'], '--epochs is not an option of evaluate'],
    [['train', '--model', 'm.mnwm'], '--model is not an option of train'],
    [['train', '--save='], '--save needs a file name'],
  ])('refuses %j with one clear line and exit code 2', (args, text) => {
    expectUsageFailure(run(...args), text);
  });

  it('names a missing folder or file', async () => {
    expectUsageFailure(run('train', '--data', join(scratch, 'absent')), 'absent: no such folder');
  });

  it('checks --save, --report and --checkpoint before it loads data or trains', async () => {
    const train = ['train', '--data', small, '--epochs', '1', '--hidden', '16'];
    const absent = join(scratch, 'absent-folder', 'm.mnwm');
    expectUsageFailure(run(...train, '--save', absent), `--save: cannot save to ${absent}: the folder ${join(scratch, 'absent-folder')} does not exist`);
    const fifo = join(scratch, 'report-fifo');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    expectUsageFailure(run(...train, '--report', fifo), `--report: cannot save to ${fifo}: it is a FIFO (named pipe), not a regular file`);
    const readOnly = join(scratch, 'read-only.mnwm');
    await writeFile(readOnly, 'kept');
    await chmod(readOnly, 0o444);
    expectUsageFailure(run(...train, '--checkpoint', readOnly), `--checkpoint: cannot save to ${readOnly}: it is read-only (mode 0444)`);
    expect(await readFile(readOnly, 'utf8')).toBe('kept');
  });

  it.skipIf(availableParallelism() >= 16)('says once that --threads above the core count only slows it down, and goes on', () => {
    const cores = availableParallelism();
    const result = run('train', '--data', small, '--epochs', '1', '--hidden', '16', '--threads', String(cores + 1));
    expect(result.status).toBe(0);
    expect(result.stderr).toBe(`mnist-wasm: --threads ${cores + 1} is more than this machine's ${cores} core${cores === 1 ? '' : 's'}; results are the same, but it will be slower\n`);
    expect(result.stdout).toMatch(/^Test accuracy: /m);
    expect(run('train', '--data', small, '--epochs', '1', '--hidden', '16', '--threads', String(cores)).stderr).toBe('');
  });

  it('names a file with the wrong magic, a truncated file, mismatched counts and labels beyond the classes', async () => {
    const dir = await writeMnistSubset(join(scratch, 'broken'), 100, 20);
    const images = join(dir, 'train-images-idx3-ubyte');
    const labels = join(dir, 't10k-labels-idx1-ubyte');
    const goodImages = await readFile(images);
    const goodLabels = await readFile(labels);

    await writeFile(images, Buffer.concat([Buffer.from('PK\x03\x04'), goodImages.subarray(4)]));
    expectUsageFailure(run('train', '--data', dir), `${images}: not an IDX file: expected magic bytes 00 00, found 50 4B`);

    await writeFile(images, goodImages.subarray(0, goodImages.length - 100));
    expectUsageFailure(run('train', '--data', dir), `${images}: truncated`);
    await writeFile(images, goodImages);

    const fewer = Buffer.from(goodLabels.subarray(0, goodLabels.length - 1));
    fewer.writeUInt32BE(19, 4);
    await writeFile(labels, fewer);
    expectUsageFailure(run('train', '--data', dir), `${labels}: has 19 labels but`);

    const beyond = Buffer.from(goodLabels);
    beyond[8] = 10;
    await writeFile(labels, beyond);
    expectUsageFailure(run('train', '--data', dir), `${labels}: label 0 is 10, expected a class below 10`);
  });

  it('trains from a folder and prints the recipe, a line per epoch and the test accuracy', () => {
    const result = run('train', '--recipe', 'seed', '--data', small, '--epochs', '2', '--hidden', '64');
    expect(result.status).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe(
      'Recipe seed: 784-64-10, uniform init, ReLU, dropout 0.5, SGD lr 0.01, batch 256, 2 epochs, seed 1',
    );
    expect(lines[1]).toBe(`Data: 2,000 training and 500 test images of 28×28 from ${small}`);
    expect(lines[2]).toMatch(/^Epoch 1\/2 - \d+\.\ds - loss: \d\.\d{4} - accuracy: \d\.\d{4} - val_loss: \d\.\d{4} - val_accuracy: \d\.\d{4}$/);
    expect(lines[3]).toMatch(/^Epoch 2\/2 - /);
    expect(lines[4]).toMatch(/^Test accuracy: \d+\.\d\d% - test loss: \d\.\d{4} - \d+\.\d s in all$/);
  });

  it('trains with --optimizer rmsprop', () => {
    const result = run('train', '--recipe', 'seed', '--data', small, '--epochs', '1', '--hidden', '32', '--optimizer', 'rmsprop', '--learning-rate', '0.001');
    expect(result.status).toBe(0);
    expect(result.stdout.split('\n')[0]).toBe('Recipe seed: 784-32-10, uniform init, ReLU, dropout 0.5, RMSprop lr 0.001, batch 256, 1 epochs, seed 1');
    expect(result.stdout).toMatch(/^Test accuracy: \d+\.\d\d%/m);
  });

  it("ends cnn-best's training on undistorted digits: with only its 2 undistorted epochs, it trains as --no-augment does", () => {
    const args = ['train', '--recipe', 'cnn-best', '--data', small, '--epochs', '2', '--hidden', '16', '--threads', '1', '--json'];
    const summary = (result: ReturnType<typeof run>) => {
      expect(result.status).toBe(0);
      const { testLoss, testAccuracy } = JSON.parse(result.stdout.trimEnd().split('\n').at(-1)!);
      return { testLoss, testAccuracy };
    };
    const undistorted = run(...args);
    expect(undistorted.stderr).toContain('elastic alpha 30 sigma 4.5), the last 2 undistorted, seed 1');
    expect(summary(undistorted)).toEqual(summary(run(...args, '--no-augment')));
    expect(summary(run(...args.map((a) => (a === '2' ? '3' : a))))).not.toEqual(summary(run(...args.map((a) => (a === '2' ? '3' : a)), '--no-augment')));
  }, 60_000);

  it('with --json, prints one object per epoch and a summary, and nothing else on stdout', () => {
    const result = run('train', '--data', small, '--epochs', '3', '--batch-size', '50', '--hidden', '128', '--optimizer', 'adam',
      '--learning-rate', '0.002', '--json');
    expect(result.status).toBe(0);
    const objects = result.stdout.trimEnd().split('\n').map((line) => JSON.parse(line));
    expect(objects).toHaveLength(4);
    objects.slice(0, 3).forEach((epoch, i) => {
      expect(Object.keys(epoch)).toEqual(['epoch', 'seconds', 'loss', 'accuracy', 'valLoss', 'valAccuracy', 'learningRate']);
      expect(epoch.epoch).toBe(i + 1);
    });
    const summary = objects[3];
    expect(summary.epochs).toEqual(objects.slice(0, 3));
    expect(summary.recipe).toMatchObject({ name: 'default', hidden: [128], optimizer: 'adam', learningRate: 0.002, epochs: 3, batchSize: 50 });
    expect(summary.testAccuracy).toBeGreaterThan(0.8);
    expect(summary.testAccuracy).toBeLessThanOrEqual(1);
    expect(summary.testLoss).toBeGreaterThan(0);
    expect(summary.seconds).toBeGreaterThan(0);
    expect(result.stderr).toContain('Recipe default: 784-128-10');
  });
});

describe('mnist-wasm train --save, evaluate and predict', () => {
  let model = '';
  let digits: Buffer;
  beforeAll(async () => {
    model = join(scratch, 'small.mnwm');
    const trained = run('train', '--data', small, '--epochs', '3', '--hidden', '64', '--batch-size', '50', '--save', model, '--json');
    expect(trained.status).toBe(0);
    expect(JSON.parse(trained.stdout.trimEnd().split('\n').at(-1)!).saved).toBe(model);
    digits = await readFile(join(small, 't10k-images-idx3-ubyte'));
  });

  it('with --validation-split, schedules the rate over the steps of the rows it trains on', () => {
    // 2,000 rows, half held out: 20 batches of 50 an epoch, 40 steps; the cosine rate is half way down at step 20.
    const result = run('train', '--data', small, '--epochs', '2', '--batch-size', '50', '--hidden', '16', '--validation-split', '0.5', '--learning-rate', '0.2', '--json');
    expect(result.status, result.stderr).toBe(0);
    const epochs = result.stdout.trimEnd().split('\n').slice(0, 2).map((line) => JSON.parse(line));
    expect(epochs.map((epoch) => epoch.learningRate)).toEqual([0.2, expect.closeTo(0.1, 12)]);
  });

  it('trains on a data set with more than ten classes, and evaluates the model on it', async () => {
    const dir = await writeMnistSubset(join(scratch, 'twelve'), 1000, 200);
    for (const name of ['train-labels-idx1-ubyte', 't10k-labels-idx1-ubyte']) {
      const labels = await readFile(join(dir, name));
      // Every 9 becomes an 11: classes 0 to 8, and 11, so the output layer has 12 units.
      for (let i = 8; i < labels.length; i++) if (labels[i] === 9) labels[i] = 11;
      await writeFile(join(dir, name), labels);
    }
    const saved = join(scratch, 'twelve.mnwm');
    const trained = run('train', '--data', dir, '--epochs', '1', '--hidden', '16', '--save', saved);
    expect(trained.status, trained.stderr).toBe(0);
    expect(trained.stdout).toMatch(/784-16-12/);
    const evaluated = run('evaluate', '--model', saved, '--data', dir, '--json');
    expect(evaluated.status, evaluated.stderr).toBe(0);
    expect(JSON.parse(evaluated.stdout).images).toBe(200);
  });

  it('evaluates a saved model on a data set, as train measured it', () => {
    const trained = JSON.parse(run('train', '--data', small, '--epochs', '3', '--hidden', '64', '--batch-size', '50', '--json').stdout.trimEnd().split('\n').at(-1)!);
    const result = run('evaluate', '--model', model, '--data', small, '--json');
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ model, images: 500, loss: trained.testLoss, accuracy: trained.testAccuracy });
    expect(run('evaluate', '--model', model, '--data', small).stdout).toMatch(/small\.mnwm: test accuracy \d+\.\d\d% - test loss \d\.\d{4} on 500 images/);
  });

  it('exports a model as ONNX and as TensorFlow.js, and evaluates and predicts with the TensorFlow.js one as with the original', async () => {
    const onnx = join(scratch, 'small.onnx');
    const tfjs = join(scratch, 'small-tfjs');
    expect(run('export', '--model', model, '--format', 'onnx', '--out', onnx).status).toBe(0);
    expect(run('export', '--model', model, '--format', 'tfjs', '--out', tfjs).stdout).toMatch(/Exported .*small\.mnwm to .*small-tfjs \(TensorFlow\.js Layers format\)/);
    // ONNX's magic: a ModelProto whose first field is ir_version (field 1, varint) 8.
    expect([...(await readFile(onnx)).subarray(0, 2)]).toEqual([0x08, 8]);
    expect(JSON.parse(await readFile(join(tfjs, 'model.json'), 'utf8')).format).toBe('layers-model');
    const images = join(small, 't10k-images-idx3-ubyte');
    for (const args of [['evaluate', '--data', small, '--json'], ['predict', '--json', images]]) {
      const original = run(...args.slice(0, 1), '--model', model, ...args.slice(1));
      for (const exported of [tfjs, join(tfjs, 'model.json')]) {
        const again = run(...args.slice(0, 1), '--model', exported, ...args.slice(1));
        expect(again.status, again.stderr).toBe(0);
        expect(again.stdout.replaceAll(exported, model)).toBe(original.stdout);
      }
    }
    // And back: the TensorFlow.js folder exports to ONNX too.
    expect(run('export', '--model', tfjs, '--format', 'onnx', '--out', join(scratch, 'again.onnx')).status).toBe(0);
    expect(await readFile(join(scratch, 'again.onnx'))).toEqual(await readFile(onnx));
  });

  it.each([
    [['export', '--model', 'm.mnwm', '--out', 'x'], '--format must be onnx or tfjs, got ""'],
    [['export', '--model', 'm.mnwm', '--format', 'keras', '--out', 'x'], '--format must be onnx or tfjs, got "keras"'],
    [['export', '--model', 'm.mnwm', '--format', 'onnx'], 'export needs --out PATH'],
    [['export', '--format', 'onnx', '--out', 'x'], 'export needs --model FILE'],
  ])('refuses export %j with one line and exit code 2', (args, text) => {
    expectUsageFailure(run(...args), text);
  });

  it('refuses a TensorFlow.js model with a layer it lacks, or a broken one, with one line naming it', async () => {
    const tfjs = join(scratch, 'broken-tfjs');
    expect(run('export', '--model', model, '--format', 'tfjs', '--out', tfjs).status).toBe(0);
    const json = JSON.parse(await readFile(join(tfjs, 'model.json'), 'utf8'));
    json.modelTopology.config.layers[1] = { class_name: 'LSTM', config: { name: 'lstm_1', units: 8 } };
    await writeFile(join(tfjs, 'model.json'), JSON.stringify(json));
    expectUsageFailure(run('predict', '--model', tfjs, join(small, 't10k-images-idx3-ubyte')), "LSTM 'lstm_1'");
    expectUsageFailure(run('evaluate', '--model', join(scratch, 'nowhere', 'model.json'), '--data', small), 'model.json');
  });

  it('classifies IDX images and PNG files of any common kind alike', async () => {
    const idx = run('predict', '--model', model, '--json', join(small, 't10k-images-idx3-ubyte'));
    expect(idx.status).toBe(0);
    const answers = idx.stdout.trimEnd().split('\n').map((line) => JSON.parse(line));
    expect(answers).toHaveLength(500);
    const labels = await readFile(join(small, 't10k-labels-idx1-ubyte'));
    expect(answers.filter((answer, i) => answer.class === labels[8 + i]).length).toBeGreaterThan(400);

    // The first test digit as 8-bit grey, 16-bit grey, RGBA with a transparent background, and dark on light.
    const grey = Uint8Array.from(digits.subarray(16, 16 + 784));
    const files: Array<[string, Parameters<typeof encode>[0], string[]]> = [
      ['grey8.png', { width: 28, height: 28, data: grey, channels: 1, depth: 8 }, []],
      ['grey16.png', { width: 28, height: 28, data: Uint16Array.from(grey, (v) => v * 257), channels: 1, depth: 16 }, []],
      ['rgba.png', { width: 28, height: 28, data: Uint8Array.from({ length: 784 * 4 }, (_, i) => (i % 4 === 3 ? grey[i >> 2] : 255)), channels: 4, depth: 8 }, []],
      ['inverted.png', { width: 28, height: 28, data: grey.map((v) => 255 - v), channels: 1, depth: 8 }, ['--invert']],
    ];
    for (const [name, image, flags] of files) {
      await writeFile(join(scratch, name), encode(image));
      const result = run('predict', '--model', model, '--json', ...flags, join(scratch, name));
      expect(result.status, name).toBe(0);
      const answer = JSON.parse(result.stdout);
      expect(answer.source).toBe(join(scratch, name));
      expect(answer.probabilities).toEqual(answers[0].probabilities);
    }
    expect(run('predict', '--model', model, join(scratch, 'grey8.png')).stdout).toMatch(/grey8\.png: \d \(\d+\.\d%\)\n$/);
  });

  it('refuses a wrong image, a damaged model and a missing one with one clear line', async () => {
    await writeFile(join(scratch, 'big.png'), encode({ width: 32, height: 32, data: new Uint8Array(1024), channels: 1, depth: 8 }));
    expectUsageFailure(run('predict', '--model', model, join(scratch, 'big.png')), 'big.png: a 32×32 image (1024 pixels), the model takes 784');
    expectUsageFailure(run('predict', '--model', model, join(small, 't10k-labels-idx1-ubyte')), 'expected uint8 images (count, rows, cols), found uint8 [500]');
    const damaged = Buffer.from(await readFile(model));
    damaged[damaged.length >> 1] ^= 0xff;
    await writeFile(join(scratch, 'damaged.mnwm'), damaged);
    expectUsageFailure(run('evaluate', '--model', join(scratch, 'damaged.mnwm'), '--data', small), 'damaged.mnwm: checksum');
    expectUsageFailure(run('predict', '--model', join(scratch, 'absent.mnwm'), join(scratch, 'grey8.png')), 'absent.mnwm: ENOENT');
  });

  it('refuses a PNG that declares a huge image, or whose data inflates past its size, before decoding it', async () => {
    // The child reports its peak resident memory as it exits: about 60 MB for a predict of one digit.
    const peak = join(scratch, 'peak.cjs');
    await writeFile(peak, "process.on('exit', () => process.stderr.write(`peak ${process.resourceUsage().maxRSS}\\n`));");
    const predict = (file: string) => {
      const result = spawnSync(process.execPath, ['--require', peak, BIN, 'predict', '--model', model, file], { encoding: 'utf8', timeout: 60_000 });
      const [message, report] = result.stderr.trimEnd().split('\n');
      return { status: result.status, stdout: result.stdout, stderr: `${message}\n`, megabytes: Number(/^peak (\d+)$/.exec(report)?.[1]) / 1024 };
    };
    // 20000×20000 RGB (1.2 GB decoded) in 90 bytes.
    const huge = join(scratch, 'huge.png');
    await writeFile(huge, craftedPng(20000, 20000, 2, new Uint8Array(64)));
    const refused = predict(huge);
    expectUsageFailure(refused, `${huge}: a 20000×20000 image (400000000 pixels), the model takes 784`);
    expect(refused.megabytes).toBeLessThan(200);

    // 28×28 as it should be, but its 130 KB of image data inflate to 128 MB.
    const bomb = join(scratch, 'bomb.png');
    await writeFile(bomb, craftedPng(28, 28, 0, new Uint8Array(128 << 20)));
    const stopped = predict(bomb);
    expectUsageFailure(stopped, `${bomb}: not a readable PNG (its image data inflates to more than the 12600 bytes a 28×28 image can hold)`);
    expect(stopped.megabytes).toBeLessThan(200);
  });
});

describe('mnist-wasm train, stopped with Ctrl-C and resumed', () => {
  it('saves a checkpoint, exits with 130, and --resume ends with the same model, byte for byte', async () => {
    const options = ['train', '--epochs', '2', '--hidden', '256', '--seed', '5'];
    const whole = join(scratch, 'whole.mnwm');
    expect(run(...options, '--save', whole).status).toBe(0);

    // A real child process on all of MNIST, interrupted once its first epoch is reported.
    const checkpoint = join(scratch, 'stopped.mnwm');
    const child = spawn(process.execPath, [BIN, ...options, '--checkpoint', checkpoint, '--save', join(scratch, 'never.mnwm')], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const status = await new Promise<number | null>((resolve) => {
      child.stdout.on('data', (chunk) => {
        stdout += chunk;
        if (stdout.includes('Epoch 1/2')) child.kill('SIGINT');
      });
      child.on('close', resolve);
    });
    expect(status).toBe(130);
    expect(stderr).toMatch(/training interrupted before epoch 2, batch \d+; checkpoint saved to .*stopped\.mnwm/);
    expect(stderr).toContain(`--resume ${checkpoint}`);
    expect(stderr).not.toMatch(/\n\s+at /);

    const resumed = join(scratch, 'resumed.mnwm');
    const result = run(...options, '--resume', checkpoint, '--save', resumed);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^Epoch 2\/2 - /m);
    expect(result.stdout).not.toMatch(/^Epoch 1\/2/m);
    expect(await readFile(resumed)).toEqual(await readFile(whole));
  });
});

describe('mnist-wasm train --report', () => {
  it('writes one self-contained HTML file: curves, confusion matrix and the misclassified digits', async () => {
    const path = join(scratch, 'report.html');
    const result = run('train', '--data', small, '--epochs', '3', '--hidden', '32', '--validation-split', '0.2', '--report', path, '--json');
    expect(result.status).toBe(0);
    const summary = JSON.parse(result.stdout.trimEnd().split('\n').at(-1)!);
    expect(summary.report).toBe(path);
    const html = await readFile(path, 'utf8');
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain(`Test accuracy ${(summary.testAccuracy * 100).toFixed(2)}%`);
    expect(html.match(/<svg /g)).toHaveLength(2);
    expect(html.match(/<polyline /g)).toHaveLength(4);
    expect(html).toContain('validation (last 20% of training)');
    const rows = [...html.matchAll(/<tr><th>(\d)<\/th>(.*?)<\/tr>/g)];
    expect(rows).toHaveLength(10);
    const counts = rows.map((row) => [...row[2].matchAll(/>(\d+)<\/td>/g)].map((cell) => Number(cell[1])));
    expect(counts.flat().reduce((a, b) => a + b, 0)).toBe(500);
    const wrong = 500 - counts.reduce((sum, row, i) => sum + row[i], 0);
    expect(html).toContain(`${wrong} of the test set's digits are misclassified`);
    expect(html.match(/<img src="data:image\/png;base64,/g)).toHaveLength(Math.min(wrong, 200));
    expect(Math.abs(wrong / 500 - (1 - summary.testAccuracy))).toBeLessThan(1e-9);
    // Self-contained: nothing to fetch, nothing to run.
    expect(html).not.toMatch(/<script|src="http|href="http/);
  });
});
