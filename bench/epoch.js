// npm run bench: the seed network's training epoch in mnist-wasm, on one thread and on every core,
// with layer 1 sparse (the default on MNIST) and forced dense; predict's throughput; the time from
// import to a first prediction; and TensorFlow.js's wasm backend on the same data in the same run.
// Then TensorFlow.js's example CNN (cnn-network.js, batch 320) in mnist-wasm on one thread and on
// every core, its GFLOP/s against this machine's WebAssembly SIMD peak (simd-peak.js), and jax-js
// training the same network (cnn-jax.js; TensorFlow.js's cpu backend too with --tfjs-cnn).
// Every measurement runs in a child process of its own, one after the other, so that none disturbs
// another and peak RSS is its own. The configurations take turns in rounds, and TensorFlow.js's
// epochs (one per process) are spread over the rounds too, so that a slow spell of the shared machine
// falls on each alike; so do the CNN's processes (one epoch each by default: an epoch takes seconds)
// and the CNN references, which take minutes per epoch and so time a few batches once, in the middle
// round, and extrapolate. Reports medians; asserts nothing.
//
//   npm run bench [-- --runs 5 --epochs 3 --tfjs-epochs 3 --skip-tfjs --contended --json]
//                 [-- --cnn-runs 3 --cnn-epochs 1 --cnn-batches 5 --skip-cnn --skip-jax --tfjs-cnn]
// --contended keeps a busy neighbour (a process spinning on one core) running for the whole run, as a
// laptop with a browser open or a CI container with a CPU quota has: "every core" must not then be
// slower than one thread.

import { execFileSync, spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { BATCH_SIZE as CNN_BATCH_SIZE, FORWARD_MULTIPLY_ADDS, TRAINING_FLOPS_PER_EPOCH } from './cnn-network.js';
import { FLOPS_PER_SAMPLE, median } from './seed-network.js';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    epochs: { type: 'string', default: '3' },
    'tfjs-epochs': { type: 'string', default: '3' },
    'skip-tfjs': { type: 'boolean', default: false },
    contended: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
    'cnn-runs': { type: 'string', default: '3' },
    'cnn-epochs': { type: 'string', default: '1' },
    'cnn-batches': { type: 'string', default: '5' },
    'skip-cnn': { type: 'boolean', default: false },
    'skip-jax': { type: 'boolean', default: false },
    'tfjs-cnn': { type: 'boolean', default: false },
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
// The rounds for `count` processes, evenly spread: rounds 0, 2 and 4 of 5 for 3, round 2 for 1.
const spread = (count) => Array.from({ length: count }, (_, i) => Math.floor(((i + 0.5) * runs) / count));
const tfjsRounds = spread(tfjsEpochs);
const cnnRounds = spread(values['skip-cnn'] ? 0 : Number(values['cnn-runs']));
const [referenceRound] = spread(1);
// The CNN's references by their names in the JSON, and their scripts.
const cnnReferences = Object.entries({
  jax: cnnRounds.length > 0 && !values['skip-jax'] && './cnn-jax.js',
  tfjsCpu: cnnRounds.length > 0 && values['tfjs-cnn'] && './cnn-tfjs.js',
}).filter(([, script]) => script);
const [allThreads, oneThread, dense, references] = [[], [], [], []];
const [cnnAllThreads, cnnOneThread, simdPeaks, cnnReferenceResults] = [[], [], [], {}];
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
  for (const round of cnnRounds) {
    if (round !== run) continue;
    cnnAllThreads.push(runChild('./cnn-mnist-wasm.js', ['--epochs', values['cnn-epochs'], '--threads', String(cores)]));
    cnnOneThread.push(runChild('./cnn-mnist-wasm.js', ['--epochs', values['cnn-epochs'], '--threads', '1']));
    simdPeaks.push(runChild('./simd-peak.js'));
  }
  if (run === referenceRound) {
    for (const [name, script] of cnnReferences) cnnReferenceResults[name] = runChild(script, ['--batches', values['cnn-batches']]);
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

if (cnnAllThreads.length > 0) {
  // A peak is the best the machine showed in any round.
  const peak = {
    kernel: simdPeaks[0].kernel,
    gflopsOneThread: Math.max(...simdPeaks.map((p) => p.gflopsOneThread)),
    gflopsAllThreads: Math.max(...simdPeaks.map((p) => p.gflopsAllThreads)),
  };
  const cnnSummary = (results) => {
    const epochSecondsMedian = epochMedian(results);
    const gflops = TRAINING_FLOPS_PER_EPOCH / epochSecondsMedian / 1e9;
    return {
      threads: results[0].threads,
      epochSecondsMedian,
      epochSeconds: results.map((r) => r.epochSeconds),
      gflops,
      shareOfSimdPeak: gflops / (results[0].threads === 1 ? peak.gflopsOneThread : peak.gflopsAllThreads),
      lossAfterEpochs: median(results.map((r) => r.loss.at(-1))),
      testAccuracyAfterEpochs: median(results.map((r) => r.testAccuracy)),
      peakRssMiB: Math.max(...results.map((r) => r.peakRssMiB)),
    };
  };
  const cnnAll = cnnSummary(cnnAllThreads);
  result.cnn = {
    batchSize: CNN_BATCH_SIZE,
    epochsPerRun: Number(values['cnn-epochs']),
    forwardMultiplyAddsPerImage: FORWARD_MULTIPLY_ADDS,
    // FLOPs: a training step counted as 3 forward passes, a multiply-add as 2
    trainingGflopPerEpoch: TRAINING_FLOPS_PER_EPOCH / 1e9,
    simdPeak: peak,
    mnistWasm: { allThreads: cnnAll, oneThread: cnnSummary(cnnOneThread) },
    threadScaling: epochMedian(cnnOneThread) / cnnAll.epochSecondsMedian,
  };
  for (const [name, r] of Object.entries(cnnReferenceResults)) {
    result.cnn[name] = {
      framework: r.framework,
      threads: r.threads,
      epochSecondsExtrapolated: r.epochSeconds,
      gflops: TRAINING_FLOPS_PER_EPOCH / r.epochSeconds / 1e9,
      warmupSteps: r.warmupSteps,
      stepSeconds: r.stepSeconds,
      losses: r.losses,
      peakRssMiB: r.peakRssMiB,
      // mnist-wasm on every core against this reference, both measured in this run
      mnistWasmSpeedup: r.epochSeconds / cnnAll.epochSecondsMedian,
    };
  }
}

if (values.json) {
  console.log(JSON.stringify(result, null, 2));
} else {
  const { allThreads: a, oneThread: o, denseLayer1: d } = result.mnistWasm;
  const t = result.tfjs;
  const rows = [
    ['', `mnist-wasm, ${a.threads} threads`, 'mnist-wasm, 1 thread', `mnist-wasm, ${d.threads} threads, dense layer 1`, t ? `${t.framework}, ${t.threads} thread(s)` : 'TensorFlow.js (skipped)'],
    ['epoch seconds (median)', fixed(a.epochSecondsMedian), fixed(o.epochSecondsMedian), fixed(d.epochSecondsMedian), fixed(t?.epochSecondsMedian)],
    ['GFLOP/s, useful (nonzero pixels)', fixed(a.usefulGflops, 1), fixed(o.usefulGflops, 1), fixed(d.usefulGflops, 1), '-'],
    ['GFLOP/s, dense-equivalent', fixed(a.denseEquivalentGflops, 1), fixed(o.denseEquivalentGflops, 1), fixed(d.denseEquivalentGflops, 1), '-'],
    ['predict, images/s (10,000 test images)', fixed(a.predictImagesPerSecond, 0), fixed(o.predictImagesPerSecond, 0), fixed(d.predictImagesPerSecond, 0), '-'],
    ['test accuracy after the run', fixed(a.testAccuracyAfterEpochs, 4), fixed(o.testAccuracyAfterEpochs, 4), fixed(d.testAccuracyAfterEpochs, 4), fixed(t?.testAccuracyAfterOneEpoch, 4)],
    ['peak RSS (MiB)', fixed(a.peakRssMiB, 0), fixed(o.peakRssMiB, 0), fixed(d.peakRssMiB, 0), fixed(t?.peakRssMiB, 0)],
  ];
  printTable(rows);
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
  if (result.cnn) printCnn(result.cnn);
}

function fixed(x, digits = 2) {
  return x === undefined ? '-' : x.toFixed(digits);
}

function printTable(rows) {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  for (const row of rows) console.log(row.map((cell, c) => cell.padEnd(widths[c])).join('  '));
}

function printCnn(cnn) {
  const { allThreads: a, oneThread: o } = cnn.mnistWasm;
  const refs = [cnn.jax, cnn.tfjsCpu].filter(Boolean);
  const peak = cnn.simdPeak;
  console.log(`\nCNN (TensorFlow.js's example network, batch ${cnn.batchSize}, Adam), ${cnn.epochsPerRun} epoch(s) per process:`);
  printTable([
    ['', `mnist-wasm, ${a.threads} threads`, 'mnist-wasm, 1 thread', ...refs.map((r) => `${r.framework}, ${r.threads} thread`)],
    ['epoch seconds (median; references: from timed batches)', fixed(a.epochSecondsMedian), fixed(o.epochSecondsMedian), ...refs.map((r) => fixed(r.epochSecondsExtrapolated, 0))],
    ['mnist-wasm on every core against it, same run', '', '', ...refs.map((r) => `${fixed(r.mnistWasmSpeedup, 1)}x`)],
    ['GFLOP/s (training = 3x forward)', fixed(a.gflops, 1), fixed(o.gflops, 1), ...refs.map((r) => fixed(r.gflops, 2))],
    ['share of the SIMD peak on as many threads', `${fixed(100 * a.shareOfSimdPeak, 0)}%`, `${fixed(100 * o.shareOfSimdPeak, 0)}%`, ...refs.map(() => '')],
    ['training loss (mnist-wasm: last epoch; references: first to last step)', fixed(a.lossAfterEpochs, 4), fixed(o.lossAfterEpochs, 4), ...refs.map((r) => `${fixed(r.losses[0], 3)} to ${fixed(r.losses.at(-1), 3)}`)],
    ['test accuracy after the run', fixed(a.testAccuracyAfterEpochs, 4), fixed(o.testAccuracyAfterEpochs, 4), ...refs.map(() => '-')],
    ['peak RSS (MiB)', fixed(a.peakRssMiB, 0), fixed(o.peakRssMiB, 0), ...refs.map((r) => fixed(r.peakRssMiB, 0))],
  ]);
  console.log(`\n${a.threads} threads are ${cnn.threadScaling.toFixed(2)}x faster than 1 on the CNN.`);
  console.log(`Forward pass ${cnn.forwardMultiplyAddsPerImage.toLocaleString('en')} multiply-adds per image; an epoch of training counted as 3 forward passes, ${cnn.trainingGflopPerEpoch.toFixed(1)} GFLOP.`);
  console.log(`SIMD peak (${peak.kernel}): ${peak.gflopsOneThread.toFixed(1)} GFLOP/s on one thread, ${peak.gflopsAllThreads.toFixed(1)} on ${a.threads}.`);
  for (const r of refs) console.log(`${r.framework}: ${r.warmupSteps} warm-up steps, then ${r.stepSeconds.map((x) => x.toFixed(2)).join(', ')} s per batch.`);
  console.log("Issue 21's targets (not asserted): at least 100x jax-js, at most 6 s per epoch on 2 threads.");
}
