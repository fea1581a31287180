// npm run bench:deploy: what a deployer asks of one trained model, in one run. It trains the default
// recipe once, exports the model as ONNX and as TensorFlow.js, then measures in fresh child processes
// (bench/run-deploy.js), one after the other and in rounds so that a slow spell of the machine falls
// on each alike: the time from a process's start to its first prediction, and predict's throughput
// on the 10,000 MNIST test images, for mnist-wasm's inference entry, onnxruntime-web's wasm backend
// and TensorFlow.js's wasm backend, on one thread and on every core where they have threads. Reports
// medians; asserts nothing.
//   npm run bench:deploy [-- --rounds 5 --json]

import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { median } from './seed-network.js';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '5' }, json: { type: 'boolean', default: false } } });
const rounds = Number(values.rounds);
const cores = availableParallelism();
const dir = fileURLToPath(new URL('../.bench/deploy', import.meta.url));
const cli = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
mkdirSync(dir, { recursive: true });

const node = (args) => execFileSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 1 << 24, stdio: ['ignore', 'pipe', 'inherit'] });
const trained = JSON.parse(node([cli, 'train', '--recipe', 'default', '--save', `${dir}model.mnwm`, '--json']).trim().split('\n').pop());
node([cli, 'export', '--model', `${dir}model.mnwm`, '--format', 'onnx', '--out', `${dir}model.onnx`]);
node([cli, 'export', '--model', `${dir}model.mnwm`, '--format', 'tfjs', '--out', `${dir}tfjs`]);

const configurations = [
  { runtime: 'infer', name: 'mnist-wasm/infer', threads: 1 },
  { runtime: 'main', name: 'mnist-wasm (main entry, startThreads)', threads: 1 },
  ...(cores > 1 ? [{ runtime: 'main', name: 'mnist-wasm (main entry, startThreads)', threads: cores }] : []),
  { runtime: 'onnx', name: 'onnxruntime-web (wasm)', threads: 1 },
  ...(cores > 1 ? [{ runtime: 'onnx', name: 'onnxruntime-web (wasm)', threads: cores }] : []),
  { runtime: 'tfjs', name: 'TensorFlow.js (wasm backend)', threads: 1 },
  ...(cores > 1 ? [{ runtime: 'tfjs', name: 'TensorFlow.js (wasm backend)', threads: cores }] : []),
];
const results = configurations.map(() => []);
for (let round = 0; round < rounds; round++) {
  configurations.forEach(({ runtime, threads }, i) => {
    try {
      results[i].push(JSON.parse(node([fileURLToPath(new URL('./run-deploy.js', import.meta.url)), runtime, String(threads), dir]).trim().split('\n').pop()));
    } catch (error) {
      results[i].push({ error: String(error.message).split('\n')[0] });
    }
  });
}

const rows = configurations.map((configuration, i) => {
  const ok = results[i].filter((result) => !result.error);
  return {
    ...configuration,
    runs: ok.length,
    error: ok.length === 0 ? results[i][0].error : undefined,
    firstPredictionMs: ok.length ? median(ok.map((result) => result.firstPredictionMs)) : undefined,
    imagesPerSecond: ok.length ? median(ok.map((result) => result.imagesPerSecond)) : undefined,
    accuracy: ok[0]?.accuracy,
    threadsUsed: ok[0]?.threadsUsed,
  };
});
const report = { machine: { cpus: cores, node: process.version }, rounds, model: { recipe: 'default', testAccuracy: trained.testAccuracy }, rows };

if (values.json) {
  console.log(JSON.stringify(report, null, 2));
} else {
  console.log(`The default recipe's model (test accuracy ${(100 * trained.testAccuracy).toFixed(2)}%), medians of ${rounds} fresh processes each:\n`);
  console.log('| runtime | threads | first prediction after process start | predict, images/s (10,000 test images) | accuracy |');
  console.log('| --- | --- | --- | --- | --- |');
  for (const row of rows) {
    const cells = row.error ? [`failed: ${row.error}`, '', ''] : [`${row.firstPredictionMs.toFixed(0)} ms`, Math.round(row.imagesPerSecond).toLocaleString('en-US'), `${(100 * row.accuracy).toFixed(2)}%`];
    const threads = row.threadsUsed === undefined || row.threadsUsed === row.threads ? row.threads : `${row.threads} asked, ${row.threadsUsed} used`;
    console.log(`| ${row.name} | ${threads} | ${cells.join(' | ')} |`);
  }
}
