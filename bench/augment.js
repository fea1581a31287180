// What augmentation costs: epochs of the `best` recipe's network and batch size with its
// augmentation and without, in the same run, in alternating child processes; medians and their ratio.
// Asserts nothing.
//
//   npm run build && node bench/augment.js [--runs 3] [--epochs 3] [--json]

import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { median } from './seed-network.js';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '3' }, epochs: { type: 'string', default: '3' }, json: { type: 'boolean', default: false } } });

if (process.env.AUGMENT_BENCH_CHILD) {
  const { Sequential, dense, dropout, loadMnist, relu, sgd, softmax, toCategorical } = await import('../dist/index.js');
  const { RECIPES } = await import('../dist/cli/recipes.js');
  const best = RECIPES.best;
  const { train } = await loadMnist();
  const model = new Sequential([dense(800, { inputDim: 784 }), relu(), dropout(best.dropout), dense(10), softmax()], { seed: 1 });
  model.compile({ loss: 'categoricalCrossentropy', optimizer: sgd({ learningRate: best.learningRate, momentum: 0.9, nesterov: true }) });
  const history = await model.fit(train.images, toCategorical(train.labels, 10), {
    batchSize: best.batchSize, epochs: Number(values.epochs), seed: 1, augment: process.env.AUGMENT_BENCH_CHILD === 'on' ? best.augment : undefined,
  });
  console.log(JSON.stringify(history.history.seconds));
} else {
  const script = fileURLToPath(import.meta.url);
  const seconds = { off: [], on: [] };
  for (let run = 0; run < Number(values.runs); run++) {
    for (const mode of ['off', 'on']) {
      const output = execFileSync(process.execPath, [script, '--epochs', values.epochs], { env: { ...process.env, AUGMENT_BENCH_CHILD: mode }, encoding: 'utf8' });
      seconds[mode].push(...JSON.parse(output));
    }
  }
  const result = { epochSecondsWithout: median(seconds.off), epochSecondsWith: median(seconds.on) };
  result.slowdown = result.epochSecondsWith / result.epochSecondsWithout;
  if (values.json) console.log(JSON.stringify(result, null, 2));
  else console.log(`best recipe's network, batch 128, all threads: ${result.epochSecondsWithout.toFixed(2)} s per epoch without augmentation, ` +
    `${result.epochSecondsWith.toFixed(2)} s with it: ${((result.slowdown - 1) * 100).toFixed(0)}% slower (medians of ${seconds.on.length} epochs)`);
}
