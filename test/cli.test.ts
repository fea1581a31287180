// The mnist-wasm command as users run it: a child process of the built bin.

import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
    expect(result.stdout).toContain('Usage: mnist-wasm train [options]');
  });

  it.each([
    [['train', '--epochs', '0'], '--epochs must be an integer from 1 to 100000, got "0"'],
    [['train', '--batch-size', 'x'], '--batch-size must be an integer'],
    [['train', '--learning-rate=-1'], '--learning-rate must be a number above 0, got "-1"'],
    [['train', '--learning-rate', '-1'], '--learning-rate needs a value; for one that starts with "-", write --learning-rate=VALUE'],
    [['train', '--optimizer', 'rmsprop'], '--optimizer must be sgd or adam, got "rmsprop"'],
    [['train', '--momentum', '1'], '--momentum must be a number in [0, 1)'],
    [['train', '--dropout', '1.5'], '--dropout must be a number in [0, 1), got "1.5"'],
    [['train', '--hidden', '800,x'], '--hidden must be an integer from 1 to 65536, got "x"'],
    [['train', '--seed=-3'], '--seed must be an integer from 0 to 4294967295, got "-3"'],
    [['train', '--threads', '0'], '--threads must be an integer from 1 to 16, got "0"'],
    [['train', '--epochs'], "Option '--epochs <value>' argument missing"],
    [['train', '--recipe', 'fast'], '--recipe must be one of seed, default, got "fast"'],
    [['train', '--frobnicate'], 'unknown option --frobnicate'],
    [['fly'], 'unknown command "fly"'],
  ])('refuses %j with one clear line and exit code 2', (args, text) => {
    expectUsageFailure(run(...args), text);
  });

  it('names a missing folder or file', async () => {
    expectUsageFailure(run('train', '--data', join(scratch, 'absent')), 'absent: no such folder');
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

  it('with --json, prints one object per epoch and a summary, and nothing else on stdout', () => {
    const result = run('train', '--data', small, '--epochs', '3', '--batch-size', '50', '--hidden', '128', '--optimizer', 'adam',
      '--learning-rate', '0.002', '--json');
    expect(result.status).toBe(0);
    const objects = result.stdout.trimEnd().split('\n').map((line) => JSON.parse(line));
    expect(objects).toHaveLength(4);
    objects.slice(0, 3).forEach((epoch, i) => {
      expect(Object.keys(epoch)).toEqual(['epoch', 'seconds', 'loss', 'accuracy', 'valLoss', 'valAccuracy']);
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
