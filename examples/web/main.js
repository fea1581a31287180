// The page: starts the training worker, draws its progress, shows the confusion matrix, and sends
// drawings to the trained model. Everything heavy happens in trainer.js, off this thread.

import { drawChart } from './charts.js';
import { drawingPad, toMnistPixels } from './draw.js';

const $ = (id) => document.getElementById(id);
const trainer = new Worker(new URL('./trainer.js', import.meta.url), { type: 'module' });
const curves = { loss: [], accuracy: [], valLoss: [], valAccuracy: [] };
let run = { epochs: 1, stepsPerEpoch: 1 };
let trained = false;

$('environment').textContent = self.crossOriginIsolated
  ? `Cross-origin isolated: training will use ${navigator.hardwareConcurrency} threads.`
  : 'Not cross-origin isolated: training will use one thread.';

$('settings').addEventListener('submit', (event) => {
  event.preventDefault();
  const epochs = Math.min(20, Math.max(1, Number($('epochs').value) || 1));
  for (const list of Object.values(curves)) list.length = 0;
  $('train').disabled = true;
  document.body.removeAttribute('data-accuracy');
  trainer.postMessage({ type: 'train', epochs, network: $('network').value });
});

trainer.onmessage = ({ data: message }) => {
  switch (message.type) {
    case 'status':
      $('status').textContent = message.text;
      break;
    case 'start':
      run = message;
      $('environment').textContent =
        `Training on ${message.threads} thread${message.threads > 1 ? 's' : ''}, ` +
        `${message.build.threads ? 'shared-memory' : 'single-memory'} WebAssembly SIMD kernels.`;
      $('environment').dataset.threads = String(message.threads);
      break;
    case 'batch': {
      const x = message.epoch + (message.batch + 1) / run.stepsPerEpoch;
      curves.loss.push([x, message.loss]);
      curves.accuracy.push([x, message.accuracy]);
      $('progress').value = x / run.epochs;
      $('status').textContent =
        `Epoch ${message.epoch + 1}/${run.epochs} · batch ${message.batch + 1}/${run.stepsPerEpoch} · ` +
        `loss ${message.loss.toFixed(4)} · accuracy ${(message.accuracy * 100).toFixed(1)}%`;
      if (message.batch % 5 === 0 || message.batch + 1 === run.stepsPerEpoch) drawCurves();
      break;
    }
    case 'epoch':
      curves.valLoss.push([message.epoch + 1, message.logs.valLoss]);
      curves.valAccuracy.push([message.epoch + 1, message.logs.valAccuracy]);
      drawCurves();
      break;
    case 'done':
      trained = true;
      $('train').disabled = false;
      $('progress').value = 1;
      $('status').textContent =
        `Test accuracy ${(message.accuracy * 100).toFixed(2)}% (loss ${message.loss.toFixed(4)}) ` +
        `after ${run.epochs} epoch${run.epochs > 1 ? 's' : ''} in ${message.seconds.toFixed(1)} s.`;
      document.body.dataset.accuracy = String(message.accuracy);
      document.body.dataset.loss = String(message.loss);
      $('prediction').textContent = 'Draw a digit from 0 to 9.';
      showConfusion(message.confusion);
      break;
    case 'prediction':
      showPrediction(message.probabilities);
      break;
    case 'error':
      $('train').disabled = false;
      $('status').textContent = message.message;
      document.body.dataset.error = message.message;
      break;
  }
};

function drawCurves() {
  const xMax = run.epochs;
  const highest = Math.max(0.5, ...curves.loss.map(([, y]) => y), ...curves.valLoss.map(([, y]) => y));
  drawChart($('loss-chart'), {
    xMax, yMin: 0, yMax: Math.min(2.5, highest),
    series: [
      { label: 'training (batch)', color: '#9db5e8', points: curves.loss },
      { label: 'test (epoch)', color: '#d8573b', points: curves.valLoss },
    ],
  });
  drawChart($('accuracy-chart'), {
    xMax, yMin: 0.5, yMax: 1, legend: 'bottom',
    series: [
      { label: 'training (batch)', color: '#9db5e8', points: curves.accuracy },
      { label: 'test (epoch)', color: '#d8573b', points: curves.valAccuracy },
    ],
  });
}

function showConfusion(counts) {
  const table = $('confusion');
  const largest = Math.max(...counts.flat());
  const header = `<tr><th></th>${counts.map((_, c) => `<th>${c}</th>`).join('')}</tr>`;
  const rows = counts.map((row, truth) => {
    const cells = row.map((count, predicted) => {
      const strength = count === 0 ? 0 : 0.15 + 0.85 * Math.sqrt(count / largest);
      const hue = truth === predicted ? '59, 111, 216' : '216, 87, 59';
      return `<td style="background: rgba(${hue}, ${strength.toFixed(2)})">${count}</td>`;
    });
    return `<tr><th>${truth}</th>${cells.join('')}</tr>`;
  });
  table.innerHTML = header + rows.join('');
}

function showPrediction(probabilities) {
  const best = probabilities.indexOf(Math.max(...probabilities));
  $('prediction').textContent = `Predicted: ${best} (${(probabilities[best] * 100).toFixed(1)}%)`;
  $('prediction').dataset.class = String(best);
  $('probabilities').innerHTML = probabilities
    .map((p, digit) => `<li><b>${digit}</b><span class="bar" style="width: ${(p * 160).toFixed(0)}px"></span>${(p * 100).toFixed(1)}%</li>`)
    .join('');
}

const pad = drawingPad($('pad'), () => {
  const pixels = toMnistPixels($('pad'));
  if (!trained) $('prediction').textContent = 'Train the network first.';
  else if (pixels) trainer.postMessage({ type: 'predict', pixels });
});
pad.clear();
$('clear').addEventListener('click', () => {
  pad.clear();
  $('probabilities').innerHTML = '';
  $('prediction').textContent = trained ? 'Draw a digit from 0 to 9.' : 'Train the network first, then draw a digit from 0 to 9.';
  delete $('prediction').dataset.class;
});
drawCurves();
