// The real job on the real data: the default recipe, one epoch over all 60,000 MNIST training
// images, through the command users run.

import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const BIN = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));

describe('end to end on MNIST', () => {
  it('one epoch of the default recipe reaches at least 90% test accuracy', () => {
    const result = spawnSync(process.execPath, [BIN, 'train', '--epochs', '1', '--json'], { encoding: 'utf8', timeout: 300_000 });
    expect(result.stderr).toContain('Recipe default: 784-800-10, glorotUniform init');
    expect(result.status).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    const summary = JSON.parse(lines[lines.length - 1]);
    expect(summary.epochs).toHaveLength(1);
    expect(summary.testAccuracy).toBeGreaterThanOrEqual(0.9);
    console.log(`default recipe, 1 epoch: test accuracy ${(summary.testAccuracy * 100).toFixed(2)}% in ${summary.seconds.toFixed(1)} s`);
  });
});
