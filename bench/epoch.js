// npm run bench: the seed network's training epoch in mnist-wasm, on one thread and on every core,
// with layer 1 sparse (the default on MNIST) and forced dense; predict's throughput; the time from
// import to a first prediction; and TensorFlow.js's wasm backend on the same data in the same run.
// Every measurement runs in a child process of its own, one after the other, so that none disturbs
// another and peak RSS is its own. The configurations take turns in rounds, and TensorFlow.js's
// epochs (one per process) are spread over the rounds too, so that a slow spell of the shared machine
// falls on each alike. Reports medians; asserts nothing.
//
//   npm run bench [-- --runs 5 --epochs 3 --tfjs-epochs 3 --skip-tfjs --contended --json]
// --contended keeps a busy neighbour (a process spinning on one core) running for the whole run, as a
// laptop with a browser open or a CI container with a CPU quota has: "every core" must not then be
// slower than one thread.

import { execFileSync, spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { FLOPS_PER_SAMPLE, median } from './seed-network.js';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    epochs: { type: 'string', default: '3' },
    'tfjs-epochs': { type: 'string', default: '3' },
    'skip-tfjs': { type: 'boolean', default: false },
    contended: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
  },
});
const neighbour = values.contended ? spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }) : undefined;
process.on('exit', () => neighbour?.kill());
const runs = Number(values.runs);
const cores = availableParallelism();

const runChild = (script, args = []) => {
  const output = execFileSync(process.execPath, [new URL(script, import.meta.url).pathname, ...args], { encoding: 'utf8', maxBuffer: 1 << 24 });
  return JSON.parse(output.trim().split('\n').pop());
};
const repeat = (count, fn) => Array.from({ length: count }, fn);

const epochs = ['--epochs', values.epochs];
const tfjsEpochs = values['skip-tfjs'] ? 0 : Number(values['tfjs-epochs']);
// The rounds in which TensorFlow.js trains one epoch, evenly spread: rounds 0, 2 and 4 of 5 for 3.
const tfjsRounds = Array.from({ length: tfjsEpochs }, (_, i) => Math.floor(((i + 0.5) * runs) / tfjsEpochs));
const [allThreads, oneThread, dense, references] = [[], [], [], []];
// Each TensorFlow.js epoch against the median epoch of mnist-wasm on every core in the same round.
const pairedRatios = [];
for (let run = 0; run < runs; run++) {
  allThreads.push(runChild('./run-mnist-wasm.js', [...epochs, '--threads', String(cores), ...(run === 0 ? ['--kernels'] : [])]));
  oneThread.push(runChild('./run-mnist-wasm.js', [...epochs, '--threads', '1']));
  if (run > 0 || runs === 1) dense.push(runChild('./run-mnist-wasm.js', [...epochs, '--threads', String(cores), '--dense']));
  for (const round of tfjsRounds) {
    if (round !== run) continue;
    const reference = runChild('./run-tfjs.js', ['1']);
    references.push(reference);
    pairedRatios.push(reference.epochSeconds[0] / median(allThreads[run].epochSeconds));
  }
}
const firstPrediction = repeat(5, () => runChild('./first-prediction.js'));

const epochMedian = (results) => median(results.flatMap((r) => r.epochSeconds));
const summary = (results) => ({
  threads: results[0].threads,
  layer1: results[0].layer1,
  epochSecondsMedian: epochMedian(results),
  epochSeconds: results.map((r) => r.epochSeconds),
  usefulGflops: results[0].usefulFlopsPerEpoch / epochMedian(results) / 1e9,
  denseEquivalentGflops: (FLOPS_PER_SAMPLE * 60000) / epochMedian(results) / 1e9,
  predictImagesPerSecond: median(results.map((r) => r.predictImagesPerSecond)),
  testAccuracyAfterEpochs: results[0].testAccuracy,
  peakRssMiB: Math.max(...results.map((r) => r.peakRssMiB)),
});
neighbour?.kill();
const result = {
  machine: { cpus: cores, node: process.version },
  contended: values.contended,
  epochsPerRun: Number(values.epochs),
  mnistWasm: { allThreads: summary(allThreads), oneThread: summary(oneThread), denseLayer1: summary(dense) },
  threadScaling: epochMedian(oneThread) / epochMedian(allThreads),
  // the same figure within each round, whose processes ran one right after the other
  threadScalingPerRound: oneThread.map((one, run) => median(one.epochSeconds) / median(allThreads[run].epochSeconds)),
  sparseOverDense: epochMedian(dense) / epochMedian(allThreads),
  kernels: allThreads[0].kernels,
  firstPredictionMs: {
    fromImport: median(firstPrediction.map((r) => r.fromImportMs)),
    fromProcessStart: median(firstPrediction.map((r) => r.fromProcessStartMs)),
  },
};
if (references.length > 0) {
  const tfjsSeconds = references.flatMap((r) => r.epochSeconds);
  result.tfjs = {
    framework: references[0].framework,
    threads: references[0].threads,
    epochSecondsMedian: median(tfjsSeconds),
    epochSeconds: tfjsSeconds,
    rounds: tfjsRounds,
    testAccuracyAfterOneEpoch: median(references.map((r) => r.testAccuracy)),
    peakRssMiB: Math.max(...references.map((r) => r.peakRssMiB)),
  };
  result.speedupOverTfjs = result.tfjs.epochSecondsMedian / epochMedian(allThreads);
  result.speedupOverTfjsOneThread = result.tfjs.epochSecondsMedian / epochMedian(oneThread);
  result.speedupOverTfjsPerRound = pairedRatios;
}

if (values.json) {
  console.log(JSON.stringify(result, null, 2));
} else {
  const { allThreads: a, oneThread: o, denseLayer1: d } = result.mnistWasm;
  const t = result.tfjs;
  const fixed = (x, digits = 2) => (x === undefined ? '-' : x.toFixed(digits));
  const rows = [
    ['', `mnist-wasm, ${a.threads} threads`, 'mnist-wasm, 1 thread', `mnist-wasm, ${d.threads} threads, dense layer 1`, t ? `${t.framework}, ${t.threads} thread(s)` : 'TensorFlow.js (skipped)'],
    ['epoch seconds (median)', fixed(a.epochSecondsMedian), fixed(o.epochSecondsMedian), fixed(d.epochSecondsMedian), fixed(t?.epochSecondsMedian)],
    ['GFLOP/s, useful (nonzero pixels)', fixed(a.usefulGflops, 1), fixed(o.usefulGflops, 1), fixed(d.usefulGflops, 1), '-'],
    ['GFLOP/s, dense-equivalent', fixed(a.denseEquivalentGflops, 1), fixed(o.denseEquivalentGflops, 1), fixed(d.denseEquivalentGflops, 1), '-'],
    ['predict, images/s (10,000 test images)', fixed(a.predictImagesPerSecond, 0), fixed(o.predictImagesPerSecond, 0), fixed(d.predictImagesPerSecond, 0), '-'],
    ['test accuracy after the run', fixed(a.testAccuracyAfterEpochs, 4), fixed(o.testAccuracyAfterEpochs, 4), fixed(d.testAccuracyAfterEpochs, 4), fixed(t?.testAccuracyAfterOneEpoch, 4)],
    ['peak RSS (MiB)', fixed(a.peakRssMiB, 0), fixed(o.peakRssMiB, 0), fixed(d.peakRssMiB, 0), fixed(t?.peakRssMiB, 0)],
  ];
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  for (const row of rows) console.log(row.map((cell, c) => cell.padEnd(widths[c])).join('  '));
  const k = result.kernels;
  if (result.contended) console.log('\nAll of this with a busy neighbour process spinning on one core (--contended).');
  console.log(`\n${a.threads} threads are ${result.threadScaling.toFixed(2)}x faster than 1 (round by round: ${result.threadScalingPerRound.map((r) => `${r.toFixed(2)}x`).join(', ')});`);
  console.log(`the sparse layer 1 is ${result.sparseOverDense.toFixed(2)}x faster than the dense one.`);
  console.log(`Dense kernels alone, 1 thread, ${k.shape}: forward ${k.forwardGflops.toFixed(1)} GFLOP/s, dW ${k.weightGradientGflops.toFixed(1)} GFLOP/s.`);
  console.log(`First prediction: ${result.firstPredictionMs.fromImport.toFixed(0)} ms after import (${result.firstPredictionMs.fromProcessStart.toFixed(0)} ms after the process started).`);
  if (t) {
    console.log(`mnist-wasm is ${result.speedupOverTfjs.toFixed(1)}x faster per epoch than ${t.framework} in this run (${result.speedupOverTfjsOneThread.toFixed(1)}x on one thread);`);
    console.log(`round by round: ${result.speedupOverTfjsPerRound.map((r) => `${r.toFixed(1)}x`).join(', ')}.`);
  }
}
