// Data augmentation: seeded and deterministic (on any number of threads), the identity when every
// magnitude is 0, image i always from image i (so labels stay with their images), and each
// distortion doing what it says.

import { beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  InvalidArgumentError, Sequential, TrainingInterruptedError, augmentImages, dense, dropout, init, loadMnist, relu, sgd, softmax, toCategorical,
  type AugmentOptions, type Callbacks, type FitOptions,
} from 'mnist-wasm';

let images: Uint8Array;
let labels: Uint8Array;
beforeAll(async () => {
  await init();
  const { train } = await loadMnist();
  images = train.images.subarray(0, 3000 * 784);
  labels = train.labels.subarray(0, 3000);
});

const ALL: AugmentOptions = { translate: 2, rotate: 10, scale: 0.1, shear: 0.1, elastic: { alpha: 34, sigma: 4 } };
const ZERO: AugmentOptions = { translate: 0, rotate: 0, scale: 0, shear: 0, elastic: { alpha: 0, sigma: 4 } };

async function trained(augment: AugmentOptions | undefined, seed: number, threads: number): Promise<Float32Array[]> {
  const model = new Sequential([dense(64, { inputDim: 784 }), relu(), dropout(0.2), dense(10), softmax()], { seed: 1 });
  model.compile({ loss: 'categoricalCrossentropy', optimizer: sgd({ learningRate: 0.05, momentum: 0.9 }) });
  await model.fit(images, toCategorical(labels, 10), { batchSize: 100, epochs: 2, seed, threads, augment });
  return model.getWeights();
}

const row = (set: Uint8Array, i: number) => set.subarray(i * 784, (i + 1) * 784);

describe('augmentation', () => {
  it('is deterministic under a seed, whatever the number of threads, and differs with another seed', async () => {
    const one = await trained(ALL, 3, 1);
    expect(await trained(ALL, 3, 2)).toEqual(one);
    expect(await trained(ALL, 4, 2)).not.toEqual(one);
    expect(augmentImages(images.subarray(0, 50 * 784), ALL, 9)).toEqual(augmentImages(images.subarray(0, 50 * 784), ALL, 9));
    expect(augmentImages(images.subarray(0, 50 * 784), ALL, 9)).not.toEqual(augmentImages(images.subarray(0, 50 * 784), ALL, 10));
  });

  it('is the identity when every magnitude is 0: same images, and the same training bits as no augmentation', async () => {
    const originals = Uint8Array.from(images.subarray(0, 500 * 784));
    expect(augmentImages(originals, ZERO, 1)).toEqual(originals);
    expect(augmentImages(originals, {}, 1)).toEqual(originals);
    expect(await trained(ZERO, 3, 2)).toEqual(await trained(undefined, 3, 2));
  });

  it('keeps image i at place i, so labels stay with their images; and training on it learns the labels', async () => {
    // Changing source image 7 changes output image 7 and no other: each output comes from its own input.
    const count = 50;
    const source = Uint8Array.from(images.subarray(0, count * 784));
    const changed = source.slice();
    changed.set(row(source, 8), 7 * 784);
    const [before, after] = [augmentImages(source, ALL, 5), augmentImages(changed, ALL, 5)];
    for (let i = 0; i < count; i++) {
      if (i === 7) expect(row(after, i)).not.toEqual(row(before, i));
      else expect(row(after, i)).toEqual(row(before, i));
    }

    const { test } = await loadMnist();
    const model = new Sequential([dense(128, { inputDim: 784 }), relu(), dense(10), softmax()], { seed: 1 });
    model.compile({ loss: 'categoricalCrossentropy', optimizer: sgd({ learningRate: 0.05, momentum: 0.9 }) });
    await model.fit(images, toCategorical(labels, 10), { batchSize: 50, epochs: 3, seed: 1, augment: ALL });
    const [, accuracy] = model.evaluate(test.images.subarray(0, 2000 * 784), toCategorical(test.labels.subarray(0, 2000), 10));
    expect(accuracy).toBeGreaterThan(0.8);
  });

  it('moves ink as each setting says: a shift moves the centre of mass, an elastic field keeps the ink roughly', () => {
    const count = 300;
    const source = images.subarray(0, count * 784);
    const centre = (image: Uint8Array): [number, number] => {
      let mass = 0, x = 0, y = 0;
      image.forEach((v, i) => { mass += v; x += v * (i % 28); y += v * Math.floor(i / 28); });
      return [x / mass, y / mass];
    };
    const shifts = (options: AugmentOptions) => {
      const out = augmentImages(source, options, 2);
      return Array.from({ length: count }, (_, i) => {
        const [a, b] = [centre(row(source, i)), centre(row(out, i))];
        return Math.hypot(b[0] - a[0], b[1] - a[1]);
      });
    };
    const translated = shifts({ translate: 3 });
    expect(Math.max(...translated)).toBeLessThanOrEqual(3 * Math.SQRT2 + 0.5);
    expect(translated.reduce((a, b) => a + b, 0) / count).toBeGreaterThan(1);
    const rotated = shifts({ rotate: 20 });
    expect(rotated.reduce((a, b) => a + b, 0) / count).toBeLessThan(1.5);

    // The cutoff drops the faint levels that interpolation spreads, and only those.
    const faint = (set: Uint8Array) => set.reduce((n, v) => n + (v > 0 && v < 16 ? 1 : 0), 0);
    const everyLevel = augmentImages(source, { rotate: 10, cutoff: 0 }, 4);
    const cut = augmentImages(source, { rotate: 10 }, 4);
    expect(faint(everyLevel)).toBeGreaterThan(1000);
    expect(faint(cut)).toBeLessThan(faint(everyLevel) / 100);
    // (A level just under 16 rounds to 16 when kept.)
    for (let i = 0; i < cut.length; i++) if (cut[i] !== everyLevel[i]) expect([cut[i], everyLevel[i] <= 16]).toEqual([0, true]);

    const elastic = augmentImages(source, { elastic: { alpha: 34, sigma: 4 } }, 3);
    const ink = (set: Uint8Array) => set.reduce((s, v) => s + v, 0);
    expect(elastic).not.toEqual(source);
    expect(ink(elastic) / ink(source)).toBeGreaterThan(0.85);
    expect(ink(elastic) / ink(source)).toBeLessThan(1.15);
  });

  it('distorts only the first `epochs` epochs, on any number of threads and across a resume', async () => {
    const x = images.subarray(0, 1000 * 784);
    const y = toCategorical(labels.subarray(0, 1000), 10);
    const run = async (augment: AugmentOptions | undefined, epochs: number, more: Partial<FitOptions> = {}): Promise<{ model: Sequential; first: Float32Array[] }> => {
      const model = new Sequential([dense(64, { inputDim: 784 }), relu(), dropout(0.2), dense(10), softmax()], { seed: 1 });
      model.compile({ loss: 'categoricalCrossentropy', optimizer: sgd({ learningRate: 0.05, momentum: 0.9 }) });
      let first: Float32Array[] = [];
      const keepFirst: Callbacks = { onEpochEnd: (e) => void (e === 0 && (first = model.getWeights())) };
      await model.fit(x, y, { batchSize: 100, epochs, seed: 5, augment, ...more, callbacks: [keepFirst, ...[more.callbacks ?? []].flat()] });
      return { model, first };
    };
    // No epoch distorted is no augmentation at all, bit for bit.
    expect((await run({ ...ALL, epochs: 0 }, 2)).model.getWeights()).toEqual((await run(undefined, 2)).model.getWeights());
    // One distorted epoch, then one as the images are: the first as with augmentation throughout, the second not.
    const limited = await run({ ...ALL, epochs: 1 }, 2, { threads: 2 });
    const throughout = await run(ALL, 2, { threads: 2 });
    expect(limited.first).toEqual(throughout.first);
    expect(limited.model.getWeights()).not.toEqual(throughout.model.getWeights());
    expect((await run({ ...ALL, epochs: 1 }, 2, { threads: 1 })).model.getWeights()).toEqual(limited.model.getWeights());
    // Stopped in the distorted epoch and resumed: the epochs count on from the checkpoint's.
    const folder = await mkdtemp(join(tmpdir(), 'mnist-wasm-augment-'));
    try {
      const path = join(folder, 'fit.ckpt');
      const controller = new AbortController();
      const stopped = await run({ ...ALL, epochs: 1 }, 2, { checkpoint: { path }, signal: controller.signal, callbacks: { onBatchEnd: (batch) => void (batch === 4 && controller.abort()) } }).catch((e: unknown) => e);
      expect(stopped).toBeInstanceOf(TrainingInterruptedError);
      expect((await run({ ...ALL, epochs: 1 }, 2, { resume: path })).model.getWeights()).toEqual(limited.model.getWeights());
      await expect(run({ ...ALL, epochs: 2 }, 2, { resume: path })).rejects.toThrow(/other augmentation/);
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  }, 60_000);

  it('refuses settings out of range and float inputs, naming them', async () => {
    expect(() => augmentImages(images.subarray(0, 784), { rotate: 90 }, 1)).toThrow('fit: augment.rotate must be a number from 0 to 45, got 90');
    expect(() => augmentImages(images.subarray(0, 784), { elastic: { alpha: 34, sigma: 0 } }, 1)).toThrow('augment.elastic.sigma must be a number from 0.5 to 100, got 0');
    expect(() => augmentImages(images.subarray(0, 784), { shape: [20, 20] }, 1)).toThrow('augment.shape must be [height, width] with height × width = 784');
    const model = new Sequential([dense(10, { inputDim: 784 }), softmax()]);
    model.compile({ loss: 'categoricalCrossentropy', optimizer: 'sgd' });
    await expect(model.fit(new Float32Array(784), toCategorical([1], 10), { augment: ALL })).rejects.toThrow(InvalidArgumentError);
    for (const epochs of [-1, 1.5, '2']) {
      await expect(model.fit(images.subarray(0, 784), toCategorical([1], 10), { augment: { rotate: 5, epochs: epochs as number } }))
        .rejects.toThrow(`fit: augment.epochs must be an integer of 0 or more, got ${typeof epochs === 'string' ? `"${epochs}"` : epochs}`);
    }
  });
});
