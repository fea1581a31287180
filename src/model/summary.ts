// The Keras-style summary table: per layer its name and type, the shape of its output with the batch
// as None ((None, 800), (None, 26, 26, 16)), and its parameter count, laid out as Keras 2 (tf-keras 2.13
// and later) prints it, trailing spaces aside.

import type { Topology } from '../network/topology.js';

/** Where each column ends, Keras's [0.45, 0.85, 1] of its 65 characters for a Sequential model. */
const POSITIONS = [29, 55, 65];
const WIDTH = 65;

export function formatSummary(name: string, topology: Topology): string {
  const lines = [
    `Model: "${name}"`,
    '_'.repeat(WIDTH),
    ...row(['Layer (type)', 'Output Shape', 'Param #']),
    '='.repeat(WIDTH),
  ];
  topology.layers.forEach((layer, i) => {
    if (i > 0) lines.push('');
    lines.push(...row([`${layer.name} (${layer.type})`, `(None, ${layer.shape.join(', ')})`, group(layer.params)]));
  });
  lines.push(
    '='.repeat(WIDTH),
    `Total params: ${group(topology.paramCount)}`,
    `Trainable params: ${group(topology.paramCount)}`,
    'Non-trainable params: 0',
    '_'.repeat(WIDTH),
  );
  return lines.join('\n');
}

/**
 * Keras's print_row (tf-keras 2.13 and later): each field cut to its column less the two spaces before
 * the next and one more, or just after a "),", "},", "]," or "'," in it, and the rest carried to the
 * next line, so that ` max_pooling2d (MaxPooling2` is followed by a line ` D)`.
 */
function row(fields: string[]): string[] {
  const left = [...fields];
  const lines: string[] = [];
  do {
    let line = ' ';
    left.forEach((field, column) => {
      const last = column === left.length - 1;
      const width = POSITIONS[column] - (column === 0 ? 0 : POSITIONS[column - 1]) - (last ? 0 : 3);
      const breaks = ['),', '},', '],', "',"].map((end) => field.slice(0, width).indexOf(end)).filter((at) => at >= 0);
      const cutoff = breaks.length > 0 ? Math.min(...breaks) + 2 : width;
      line = (line + field.slice(0, cutoff) + (last ? '' : '  ')).padEnd(POSITIONS[column]);
      left[column] = field.slice(cutoff);
    });
    lines.push(line.trimEnd());
  } while (left.some((field) => field !== ''));
  return lines;
}

function group(n: number): string {
  return n.toLocaleString('en-US');
}
