// The package as users receive it: `npm pack`, installed into an empty project, then imported from
// Node ESM, CommonJS, Deno and Bun (training on threads, predicting, a model through bytes), its
// inference entry (mnist-wasm/infer) from Node ESM and CommonJS and run in workerd (Miniflare) as the
// example edge Worker, and checked by publint and are-the-types-wrong.

import { copyFile, mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { build } from 'esbuild';
import { Miniflare } from 'miniflare';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Sequential, dense, init, loadMnist, relu, sgd, softmax, toCategorical } from 'mnist-wasm';
import { packedProject, root, run } from './packed.js';

let project = '';
let tarball = '';

// Trains on two threads, evaluates, and round-trips the model through bytes. The fingerprint of the
// trained weights (FNV-1a of toBytes) lets each runtime's result be compared bit for bit with Node's.
const usage = (load: string) => `
  ${load}
  (async () => {
    const { train, test } = await loadMnist();
    const model = new Sequential([dense(64, { inputDim: 784 }), relu(), dropout(0.2), dense(10), softmax()], { seed: 1 });
    model.compile({ loss: 'categoricalCrossentropy', optimizer: sgd({ learningRate: 0.1, momentum: 0.9 }) });
    await model.fit(train.images.subarray(0, 5000 * 784), toCategorical(train.labels.subarray(0, 5000), 10), { batchSize: 100, seed: 1, threads: 2 });
    const [, accuracy] = model.evaluate(test.images.subarray(0, 1000 * 784), toCategorical(test.labels.subarray(0, 1000), 10));
    const image = test.images.subarray(0, 784);
    const bytes = model.toBytes();
    const same = Sequential.fromBytes(bytes).predict(image).every((p, i) => p === model.predict(image)[i]);
    let fingerprint = 0x811c9dc5;
    for (const byte of bytes) fingerprint = Math.imul(fingerprint ^ byte, 0x01000193) >>> 0;
    console.log(JSON.stringify({ accuracy, same, fingerprint, build: kernelBuild() }));
  })();
`;
const names = 'Sequential, dense, relu, dropout, softmax, sgd, loadMnist, toCategorical, kernelBuild';

interface Outcome {
  accuracy: number;
  same: boolean;
  fingerprint: number;
  build: { threads: boolean };
}

/** Node ESM first: the others are compared with it. */
const runtimes: Array<[string, string, string[]]> = [
  ['Node (ESM)', process.execPath, ['esm.mjs']],
  ['Node (CommonJS)', process.execPath, ['cjs.cjs']],
  ['Deno', join(root, 'node_modules/.bin/deno'), ['run', '--allow-read', '--allow-env', 'esm.mjs']],
  ['Bun', join(root, 'node_modules/.bin/bun'), ['esm.mjs']],
];
const outcomes = new Map<string, Outcome>();

beforeAll(async () => {
  ({ project, tarball } = await packedProject('package'));
  await writeFile(join(project, 'esm.mjs'), usage(`import { ${names} } from 'mnist-wasm';`));
  await writeFile(join(project, 'cjs.cjs'), usage(`const { ${names} } = require('mnist-wasm');`));
});

afterAll(async () => {
  if (project) await rm(project, { recursive: true, force: true });
});

describe('the packed package', () => {
  it.each(runtimes)('%s: trains on threads, predicts and round-trips a model, with the same bits as Node', (name, command, args) => {
    const outcome = JSON.parse(run(command, args, project).trim()) as Outcome;
    outcomes.set(name, outcome);
    expect(outcome.accuracy).toBeGreaterThan(0.75);
    expect(outcome.same).toBe(true);
    expect(outcome.build.threads).toBe(true);
    expect(outcome).toEqual(outcomes.get('Node (ESM)'));
  });

  it('has no eval or new Function in any of its scripts, nor in its loader', async () => {
    const installed = [join(project, 'node_modules/mnist-wasm/dist'), join(project, 'node_modules/@assemblyscript/loader')];
    let scripts = 0;
    for (const folder of installed) {
      for (const file of await readdir(folder, { recursive: true })) {
        if (!/\.(c|m)?js$/.test(file)) continue;
        scripts++;
        const text = await readFile(join(folder, file), 'utf8');
        expect(text, file).not.toMatch(/\beval\s*\(|\bnew\s+Function\b|(?<![\w.$])Function\s*\(/);
      }
    }
    expect(scripts).toBeGreaterThan(20);
  });

  it('passes publint and are-the-types-wrong', () => {
    expect(run(process.execPath, [join(root, 'node_modules/publint/src/cli.js'), 'run', '--strict', tarball], root)).toMatch(/All good/);
    const wasm = ['kernels', 'kernels-threads', 'kernels-relaxed', 'kernels-threads-relaxed', 'kernels-infer'].map((name) => `./${name}.wasm`);
    // The .wasm subpaths are assets for bundlers and Workers: typed (types/kernels-wasm.d.ts) where a
    // bundler or Worker imports them, and not meant for node10 resolution or require().
    const attw = join(root, 'node_modules/@arethetypeswrong/cli/dist/index.js');
    run(process.execPath, [attw, tarball, '--exclude-entrypoints', ...wasm, './infer'], root);
    // A subpath such as mnist-wasm/infer exists only through "exports", which node10 resolution predates.
    run(process.execPath, [attw, tarball, '--entrypoints', './infer', '--profile', 'node16'], root);
  });
});

describe('the inference entry, mnist-wasm/infer', () => {
  it('from Node ESM and CommonJS: a model from bytes predicts the bits the main entry does', async () => {
    const model = new Sequential([dense(32, { inputDim: 784 }), relu(), dense(10), softmax()], { seed: 3 });
    const { test } = await loadMnist();
    const images = test.images.subarray(0, 100 * 784);
    await writeFile(join(project, 'infer-model.bin'), model.toBytes());
    await writeFile(join(project, 'infer-images.bin'), images);
    const usage = (load: string) => `
      ${load}
      (async () => {
        const model = await loadModel(readFileSync('infer-model.bin'));
        const probabilities = predict(model, new Uint8Array(readFileSync('infer-images.bin')));
        console.log(JSON.stringify(Array.from(new Uint32Array(probabilities.buffer))));
      })();
    `;
    await writeFile(join(project, 'infer.mjs'), usage(`import { loadModel, predict } from 'mnist-wasm/infer'; import { readFileSync } from 'node:fs';`));
    await writeFile(join(project, 'infer.cjs'), usage(`const { loadModel, predict } = require('mnist-wasm/infer'); const { readFileSync } = require('node:fs');`));
    await init();
    const expected = Array.from(new Uint32Array(model.predict(images).buffer));
    for (const script of ['infer.mjs', 'infer.cjs']) expect(JSON.parse(run(process.execPath, [script], project)), script).toEqual(expected);
  });
});

describe('the example edge Worker (examples/worker) in workerd, through Miniflare', () => {
  it('loads the precompiled inference kernels and a model from bytes through mnist-wasm/infer, and answers POST /predict as Node predicts', async () => {
    const { train, test } = await loadMnist();
    const model = new Sequential([dense(64, { inputDim: 784 }), relu(), dense(10), softmax()], { seed: 2 });
    model.compile({ loss: 'categoricalCrossentropy', optimizer: sgd({ learningRate: 0.1 }) });
    await model.fit(train.images.subarray(0, 5000 * 784), toCategorical(train.labels.subarray(0, 5000), 10), { batchSize: 100, seed: 1 });
    await init();

    // Bundled against the installed tarball, as wrangler would: kernels-infer.wasm and model.bin stay modules.
    const source = join(project, 'worker');
    await mkdir(source, { recursive: true });
    await copyFile(join(root, 'examples/worker/worker.js'), join(source, 'worker.js'));
    await writeFile(join(source, 'model.bin'), model.toBytes());
    const out = join(project, 'worker-out');
    await build({
      entryPoints: [join(source, 'worker.js')], bundle: true, format: 'esm', platform: 'browser', outdir: out,
      absWorkingDir: project, loader: { '.wasm': 'copy', '.bin': 'copy' }, external: ['node:*'], logLevel: 'silent',
      conditions: ['workerd', 'worker', 'browser'],
    });
    // The modules listed as wrangler hands them over: the bundle, the precompiled kernels, the model's bytes.
    const kind = (file: string): 'CompiledWasm' | 'Data' | 'ESModule' => (file.endsWith('.wasm') ? 'CompiledWasm' : file.endsWith('.bin') ? 'Data' : 'ESModule');
    // The Worker's bundle holds the inference entry alone: no training code, and only its own kernels.
    const files = await readdir(out);
    expect(files.filter((file) => file.endsWith('.wasm'))).toEqual([expect.stringMatching(/^kernels-infer.*\.wasm$/)]);
    expect(await readFile(join(out, 'worker.js'), 'utf8')).not.toMatch(/denseInputGradient|fitLoop|instantiateSync/);
    const worker = new Miniflare({
      modulesRoot: out, compatibilityDate: '2026-05-01',
      modules: (await readdir(out)).sort((a, b) => Number(b === 'worker.js') - Number(a === 'worker.js')).map((file) => ({ type: kind(file), path: join(out, file) })),
    });
    try {
      for (let i = 0; i < 3; i++) {
        const image = test.images.slice(i * 784, (i + 1) * 784);
        const expected = Array.from(model.predict(image));
        const asJson = await worker.dispatchFetch('http://worker/predict', { method: 'POST', body: JSON.stringify(Array.from(image)), headers: { 'content-type': 'application/json' } });
        const asBytes = await worker.dispatchFetch('http://worker/predict', { method: 'POST', body: image, headers: { 'content-type': 'application/octet-stream' } });
        for (const response of [asJson, asBytes]) {
          expect(response.status).toBe(200);
          const answer = (await response.json()) as { class: number; probabilities: number[] };
          expect(answer.probabilities).toEqual(expected);
          expect(answer.class).toBe(expected.indexOf(Math.max(...expected)));
        }
      }
      const bad = await worker.dispatchFetch('http://worker/predict', { method: 'POST', body: '[1, 2, 3]', headers: { 'content-type': 'application/json' } });
      expect(bad.status).toBe(400);
      expect(await bad.json()).toEqual({ error: 'expected a JSON array of 784 numbers' });
    } finally {
      await worker.dispose();
    }
  });
});
