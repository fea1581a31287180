// npm run bench: the seed network's training epoch in mnist-wasm and in TensorFlow.js's wasm backend,
// in the same run and on the same data. Each framework trains in a child process of its own, one
// after the other, so that neither's memory or threads disturb the other and peak RSS is its own.
// Reports medians; asserts nothing.
//
//   npm run bench [-- --runs 3 --epochs 2 --tfjs-epochs 2 --skip-tfjs --json]

import { execFileSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { FLOPS_PER_SAMPLE, median } from './seed-network.js';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    epochs: { type: 'string', default: '2' },
    'tfjs-epochs': { type: 'string', default: '2' },
    'skip-tfjs': { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
  },
});

const runChild = (script, epochs) =>
  JSON.parse(execFileSync(process.execPath, [new URL(script, import.meta.url).pathname, String(epochs)], { encoding: 'utf8', maxBuffer: 1 << 24 }).trim().split('\n').pop());

const ours = [];
for (let run = 0; run < Number(values.runs); run++) ours.push(runChild('./run-mnist-wasm.js', values.epochs));
const reference = values['skip-tfjs'] ? undefined : runChild('./run-tfjs.js', values['tfjs-epochs']);

const ourEpoch = median(ours.flatMap((r) => r.epochSeconds));
const result = {
  machine: { cpus: (await import('node:os')).cpus().length, node: process.version },
  mnistWasm: {
    epochSecondsMedian: ourEpoch,
    epochSeconds: ours.map((r) => r.epochSeconds),
    trainingGflops: (FLOPS_PER_SAMPLE * 60000) / ourEpoch / 1e9,
    forwardKernelGflops: median(ours.map((r) => r.kernels.forwardGflops)),
    weightGradientKernelGflops: median(ours.map((r) => r.kernels.weightGradientGflops)),
    kernelShape: ours[0].kernels.shape,
    testAccuracyAfterEpochs: ours[0].testAccuracy,
    peakRssMiB: Math.max(...ours.map((r) => r.peakRssMiB)),
  },
};
if (reference) {
  result.tfjs = {
    framework: reference.framework,
    threads: reference.threads,
    epochSecondsMedian: median(reference.epochSeconds),
    epochSeconds: reference.epochSeconds,
    testAccuracyAfterEpochs: reference.testAccuracy,
    peakRssMiB: reference.peakRssMiB,
  };
  result.speedup = result.tfjs.epochSecondsMedian / ourEpoch;
}

if (values.json) {
  console.log(JSON.stringify(result, null, 2));
} else {
  const m = result.mnistWasm;
  const rows = [
    ['', 'mnist-wasm (1 thread)', reference ? `${result.tfjs.framework}, ${result.tfjs.threads} thread(s)` : 'TensorFlow.js (skipped)'],
    ['epoch seconds (median)', m.epochSecondsMedian.toFixed(2), reference ? result.tfjs.epochSecondsMedian.toFixed(2) : '-'],
    ['epochs measured', String(ours.length * Number(values.epochs)), reference ? String(reference.epochSeconds.length) : '-'],
    ['test accuracy after the run', m.testAccuracyAfterEpochs.toFixed(4), reference ? result.tfjs.testAccuracyAfterEpochs.toFixed(4) : '-'],
    ['peak RSS (MiB)', m.peakRssMiB.toFixed(0), reference ? result.tfjs.peakRssMiB.toFixed(0) : '-'],
    ['training GFLOP/s (dense-equivalent)', m.trainingGflops.toFixed(1), '-'],
    [`dense forward GFLOP/s (${m.kernelShape})`, m.forwardKernelGflops.toFixed(1), '-'],
    ['dense dW GFLOP/s (same shape)', m.weightGradientKernelGflops.toFixed(1), '-'],
  ];
  const widths = [0, 1, 2].map((c) => Math.max(...rows.map((r) => r[c].length)));
  for (const row of rows) console.log(row.map((cell, c) => cell.padEnd(widths[c])).join('  '));
  if (reference) console.log(`\nmnist-wasm is ${result.speedup.toFixed(1)}x faster per epoch than ${result.tfjs.framework} in this run.`);
}
