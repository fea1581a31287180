// The Keras-style summary table.

import type { Topology } from '../network/topology.js';

const COLUMNS = [29, 26, 12];
const WIDTH = 65;

export function formatSummary(name: string, topology: Topology): string {
  const row = (cells: string[]): string => cells.map((cell, i) => cell.padEnd(COLUMNS[i])).join('').trimEnd();
  const lines = [
    `Model: "${name}"`,
    '_'.repeat(WIDTH),
    row([' Layer (type)', 'Output Shape', 'Param #']),
    '='.repeat(WIDTH),
  ];
  topology.layers.forEach((layer, i) => {
    if (i > 0) lines.push('');
    lines.push(row([` ${layer.name} (${layer.type})`, `(None, ${layer.units})`, group(layer.params)]));
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

function group(n: number): string {
  return n.toLocaleString('en-US');
}
