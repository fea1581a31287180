// The HTML report of `mnist-wasm train --report FILE`: one self-contained file (no scripts, no
// requests) with the loss and accuracy curves as inline SVG, the test set's confusion matrix, and the
// test digits the model gets wrong as inline PNGs with their predicted and true labels.

import { encode } from 'fast-png';
import type { History } from '../train/fit-types.js';

export interface ReportData {
  title: string;
  recipe: string;
  data: string;
  history: History;
  /** 'validation' or 'test': what the per-epoch validation figures were measured on. */
  validationOn: string;
  testLoss: number;
  testAccuracy: number;
  seconds: number;
  classes: number;
  /** counts[true][predicted]. */
  confusion: number[][];
  mistakes: Array<{ index: number; image: Uint8Array; rows: number; cols: number; predicted: number; truth: number; probability: number }>;
  mistakesTotal: number;
}

const escape = (text: string): string => text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

/** A line chart of per-epoch series as inline SVG. */
function chart(title: string, series: Array<{ label: string; color: string; values: number[] }>, percent: boolean): string {
  const width = 460, height = 240, left = 52, right = 12, top = 28, bottom = 30;
  const all = series.flatMap((s) => s.values).filter(Number.isFinite);
  if (all.length === 0) return '';
  let low = Math.min(...all), high = Math.max(...all);
  if (high - low < 1e-9) { low -= 0.5; high += 0.5; }
  const pad = (high - low) * 0.05;
  // Losses stay above 0 and accuracies below 100%: so does the axis.
  low = Math.max(low - pad, Math.min(...all) >= 0 ? 0 : -Infinity);
  high = percent ? Math.min(high + pad, 1) : high + pad;
  const epochs = Math.max(...series.map((s) => s.values.length));
  const x = (i: number) => left + (epochs <= 1 ? 0 : (i / (epochs - 1)) * (width - left - right));
  const y = (v: number) => top + (1 - (v - low) / (high - low)) * (height - top - bottom);
  const ticks = Array.from({ length: 5 }, (_, i) => low + ((high - low) * i) / 4);
  const label = (v: number) => (percent ? `${(v * 100).toFixed(1)}%` : v.toFixed(3));
  const grid = ticks.map((v) => `<line x1="${left}" x2="${width - right}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" stroke="#e4e6ea"/><text x="${left - 6}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end">${label(v)}</text>`).join('');
  const step = Math.max(1, Math.ceil(epochs / 10));
  const xTicks = Array.from({ length: epochs }, (_, i) => i).filter((i) => (i + 1) % step === 0 || i === 0)
    .map((i) => `<text x="${x(i).toFixed(1)}" y="${height - 10}" text-anchor="middle">${i + 1}</text>`).join('');
  const lines = series.map((s, n) => {
    const points = s.values.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
    return `<polyline fill="none" stroke="${s.color}" stroke-width="2" points="${points}"/>` +
      `<rect x="${left + 8 + n * 150}" y="8" width="12" height="4" fill="${s.color}"/><text x="${left + 24 + n * 150}" y="14">${escape(s.label)}</text>`;
  }).join('');
  return `<figure><svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escape(title)}">` +
    `<g font-size="11" fill="#445">${grid}${xTicks}</g>${lines}</svg><figcaption>${escape(title)} per epoch</figcaption></figure>`;
}

function confusionTable(counts: number[][]): string {
  const largest = Math.max(1, ...counts.flatMap((row, t) => row.filter((_, p) => p !== t)));
  const head = `<tr><th>true ↓ predicted →</th>${counts.map((_, c) => `<th>${c}</th>`).join('')}</tr>`;
  const body = counts.map((row, truth) => `<tr><th>${truth}</th>${row.map((count, predicted) => {
    const strength = predicted === truth ? 0.35 : count === 0 ? 0 : 0.1 + 0.8 * (count / largest);
    const colour = predicted === truth ? `rgba(59,111,216,${strength})` : `rgba(216,87,59,${strength.toFixed(2)})`;
    return `<td style="background:${colour}">${count}</td>`;
  }).join('')}</tr>`).join('');
  return `<table class="confusion">${head}${body}</table>`;
}

function digit(image: Uint8Array, rows: number, cols: number): string {
  const png = encode({ width: cols, height: rows, data: image, channels: 1, depth: 8 });
  return `data:image/png;base64,${Buffer.from(png).toString('base64')}`;
}

export function renderReport(report: ReportData): string {
  const h = report.history.history;
  const mistakes = report.mistakes.map((m) =>
    `<figure class="digit"><img src="${digit(m.image, m.rows, m.cols)}" width="56" height="56" alt="test digit ${m.index}">` +
    `<figcaption><b>${m.predicted}</b> (${(m.probability * 100).toFixed(0)}%)<br>true ${m.truth} · #${m.index}</figcaption></figure>`).join('');
  const valLabel = `${report.validationOn}`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escape(report.title)}</title>
<style>
body{font:14px/1.45 system-ui,sans-serif;color:#1d2330;margin:24px;max-width:1100px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:24px 0 8px}
.summary{background:#f4f5f7;border-radius:8px;padding:10px 14px}
.charts{display:flex;flex-wrap:wrap;gap:16px}figure{margin:0}figcaption{color:#556;text-align:center}
table.confusion{border-collapse:collapse;font-variant-numeric:tabular-nums}
table.confusion th,table.confusion td{border:1px solid #e2e4e8;padding:3px 7px;text-align:center}
.digits{display:flex;flex-wrap:wrap;gap:8px}.digit img{image-rendering:pixelated;background:#000;display:block}
.digit figcaption{font-size:12px;text-align:left}
</style></head><body>
<h1>${escape(report.title)}</h1>
<p class="summary"><b>Test accuracy ${(report.testAccuracy * 100).toFixed(2)}%</b> (loss ${report.testLoss.toFixed(4)}) ·
${h.loss.length} epochs in ${report.seconds.toFixed(1)} s<br>${escape(report.recipe)}<br>${escape(report.data)}</p>
<h2>Training</h2>
<div class="charts">
${chart('Loss', [{ label: 'training', color: '#3b6fd8', values: h.loss }, { label: valLabel, color: '#d8573b', values: h.valLoss }], false)}
${chart('Accuracy', [{ label: 'training', color: '#3b6fd8', values: h.accuracy }, { label: valLabel, color: '#d8573b', values: h.valAccuracy }], true)}
</div>
<h2>Confusion matrix on the test set</h2>
${confusionTable(report.confusion)}
<h2>Misclassified test digits</h2>
<p>${report.mistakesTotal} of the test set's digits are misclassified${report.mistakes.length < report.mistakesTotal ? `; the first ${report.mistakes.length} are shown` : ''}: predicted label in bold, with its probability; the true label below.</p>
<div class="digits">${mistakes}</div>
</body></html>
`;
}
