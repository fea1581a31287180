// One benchmark process: this machine's peak for WebAssembly SIMD multiply-adds on one thread, and
// on every core at once (a worker thread per core: a virtual core may share its SIMD units with
// another machine's), the ceilings that the CNN's GFLOP/s are set against. The kernels' default
// build multiplies and adds as two instructions (f32x4.mul, f32x4.add; relaxed SIMD's fused one is
// opt-in), so the peak is timed with those. wabt is not at hand, so the module is written here as
// bytes: one function whose loop steps CHAINS independent accumulators, acc = acc · 0.75 + 0.25 each
// (it settles at 1: no overflow, no subnormals), enough chains to hide the multiply's and the add's
// latency (16 were slower: x86-64 has 16 SIMD registers). Each step depends on acc, so the compiler
// cannot hoist a product out of the loop as it could from acc += x · y with x and y fixed. Prints
// one JSON object.
//
//   node bench/simd-peak.js

import { availableParallelism } from 'node:os';
import { Worker, isMainThread, parentPort } from 'node:worker_threads';

const CHAINS = 12;
const ITERATIONS = 20_000_000;

const SIMD = 0xfd;
const [F32X4_ADD, F32X4_MUL] = [[0xe4, 0x01], [0xe6, 0x01]]; // LEB128 of 228 and 230
const V128_CONST = 0x0c;
const F32X4_EXTRACT_LANE = 0x1f;
const [LOCAL_GET, LOCAL_SET, LOCAL_TEE] = [0x20, 0x21, 0x22];
const [I32, F32, V128] = [0x7f, 0x7d, 0x7b];

const splat = (x) => [SIMD, V128_CONST, ...new Uint8Array(new Float32Array([x, x, x, x]).buffer)];
// Locals: 0 the iteration count (the parameter), 1..CHAINS the accumulators, then the two constants.
const [multiplier, addend] = [CHAINS + 1, CHAINS + 2];
const chains = Array.from({ length: CHAINS }, (_, i) => i + 1);
const body = [
  1, CHAINS + 2, V128, // one group of locals: CHAINS + 2 v128s, zeroed
  ...splat(0.75), LOCAL_SET, multiplier,
  ...splat(0.25), LOCAL_SET, addend,
  0x03, 0x40, // loop
  ...chains.flatMap((acc) => [LOCAL_GET, acc, LOCAL_GET, multiplier, SIMD, ...F32X4_MUL, LOCAL_GET, addend, SIMD, ...F32X4_ADD, LOCAL_SET, acc]),
  LOCAL_GET, 0, 0x41, 1, 0x6b, LOCAL_TEE, 0, 0x0d, 0, // n = n - 1; br_if n != 0
  0x0b, // end loop
  // The sum of the accumulators is returned, so that none is dead code.
  LOCAL_GET, 1, ...chains.slice(1).flatMap((acc) => [LOCAL_GET, acc, SIMD, ...F32X4_ADD]),
  SIMD, F32X4_EXTRACT_LANE, 0,
  0x0b, // end function
];
const section = (id, bytes) => [id, ...leb128(bytes.length), ...bytes];
const bytes = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
  ...section(1, [1, 0x60, 1, I32, 1, F32]), // type: (i32) -> f32
  ...section(3, [1, 0]), // function 0 has type 0
  ...section(7, [1, 4, ...new TextEncoder().encode('peak'), 0x00, 0]), // export "peak" = function 0
  ...section(10, [1, ...leb128(body.length), ...body]),
]);
const { peak } = new WebAssembly.Instance(new WebAssembly.Module(bytes)).exports;
const FLOPS = ITERATIONS * CHAINS * 4 * 2; // 4 lanes, a multiply and an add
const RUNS = 5;

/** Seconds of the fastest of RUNS loops. */
function fastestRun() {
  peak(ITERATIONS / 100); // tier up to the optimizing compiler first
  let fastest = Infinity;
  for (let run = 0; run < RUNS; run++) {
    const started = performance.now();
    const result = peak(ITERATIONS);
    fastest = Math.min(fastest, (performance.now() - started) / 1000);
    if (Math.abs(result - CHAINS) > 1e-3) throw new Error(`simd-peak: the chains should settle at ${CHAINS}, got ${result}`);
  }
  return fastest;
}

if (!isMainThread) {
  parentPort.once('message', () => parentPort.postMessage(fastestRun()));
} else {
  const oneThread = FLOPS / fastestRun() / 1e9;
  // Every core at once: the workers start together and their loops take about as long, so each one's
  // fastest loop ran while the others ran theirs, and their rates add up.
  const workers = Array.from({ length: availableParallelism() }, () => new Worker(new URL(import.meta.url)));
  await Promise.all(workers.map((w) => new Promise((resolve) => w.once('online', resolve))));
  const fastest = await Promise.all(workers.map((w) => new Promise((resolve) => { w.once('message', resolve); w.postMessage('go'); })));
  for (const w of workers) w.terminate();
  console.log(JSON.stringify({
    kernel: `f32x4.mul + f32x4.add, ${CHAINS} independent chains`,
    gflopsOneThread: oneThread,
    threads: workers.length,
    gflopsAllThreads: fastest.reduce((sum, seconds) => sum + FLOPS / seconds / 1e9, 0),
  }));
}

function leb128(value) {
  const out = [];
  do {
    let byte = value & 0x7f;
    value >>>= 7;
    if (value !== 0) byte |= 0x80;
    out.push(byte);
  } while (value !== 0);
  return out;
}
