// Budgets that are checked, not typed: the sizes users download, measured by `npm run size`'s own
// script on the build that `npm test` made, against the budgets and against the README's table.

import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

interface Sizes {
  files: Array<{ what: string; bytes: number; gzipped: number }>;
  lines: Array<{ what: string; lines: number }>;
}

const root = fileURLToPath(new URL('..', import.meta.url));
const sizes = JSON.parse(execFileSync(process.execPath, ['bench/size.js', '--json'], { cwd: root, encoding: 'utf8' })) as Sizes;
const file = (what: string) => sizes.files.find((row) => row.what.startsWith(what))!;

/**
 * What importing the browser entry loads, gzipped, plus 1 KB of room. It was 26,875 bytes at the
 * README's rewrite; the hardening (strict options, save-path checks, checkpoint fingerprints, typed
 * errors with messages that name the problem) brought it to 30,529, and writing ONNX and TensorFlow.js
 * models (`toOnnx`, `toTfjs`) to 33,332, with reading TensorFlow.js models loaded only when used (4.1
 * KB more). The engine's reorganisation (issue 20: a module per layer kind, work items, the choice
 * between every thread and one) and fit and Sequential split into small modules, whose shared state
 * keeps its property names where closures' variables had minified to one letter, brought it to
 * 34,833. Convolutional networks (issue 21: conv2d, maxPooling2d and flatten, their checks and
 * shapes, their engine modules, and rmsprop) brought it to 38,857; exporting them to ONNX and
 * TensorFlow.js (Conv, MaxPool and the NHWC↔NCHW transposes; Conv2D, MaxPooling2D and Flatten configs)
 * to 39,656, with their TensorFlow.js reader in the part loaded only when used (0.8 KB more). An app
 * that only predicts imports mnist-wasm/infer instead (test/infer-size.test.ts).
 * Growing it further is a decision to write down here, not a drift.
 */
const BROWSER_ENTRY_BUDGET = 39_656 + 1024;
const WASM_BUDGET = 25 * 1024;

describe('npm run size', () => {
  it(`keeps the main browser entry within ${BROWSER_ENTRY_BUDGET} bytes gzipped`, () => {
    expect(file('library, browser entry').gzipped).toBeLessThanOrEqual(BROWSER_ENTRY_BUDGET);
  });

  it('keeps every .wasm build within 25 KB gzipped', () => {
    const builds = sizes.files.filter((row) => row.what.endsWith('.wasm'));
    expect(builds).toHaveLength(4);
    for (const build of builds) expect(build.gzipped, build.what).toBeLessThanOrEqual(WASM_BUDGET);
  });

  it("agrees with the README's headline figures", () => {
    const readme = readFileSync(`${root}/README.md`, 'utf8');
    const figures = /to predict, ([\d.]+) KB of gzipped JavaScript and a ([\d.]+) KB gzipped `\.wasm`.*?;\s+to train, ([\d.]+) KB and ([\d.]+) KB/s.exec(readme);
    expect(figures, 'README.md has no "to predict, N KB of gzipped JavaScript and a N KB gzipped `.wasm` …; to train, N KB and N KB" line').not.toBeNull();
    const rows = ['inference entry, browser', 'inference kernels', 'library, browser entry', 'build/kernels.wasm'];
    rows.forEach((what, i) => expect(Math.abs(Number(figures![i + 1]) * 1024 - file(what).gzipped), what).toBeLessThanOrEqual(205));
  });

  it("agrees with the README's size table (regenerate it with npm run size -- --markdown)", () => {
    const readme = readFileSync(`${root}/README.md`, 'utf8');
    const table = /<!-- size:begin -->\n([\s\S]*?)<!-- size:end -->/.exec(readme)?.[1];
    expect(table, 'README.md has no <!-- size:begin --> … <!-- size:end --> block').toBeDefined();
    const rows = table!.split('\n').filter((line) => line.startsWith('| ') && !line.startsWith('| what') && !line.startsWith('| ---'));
    expect(rows).toHaveLength(sizes.files.length + sizes.lines.length);
    for (const row of rows) {
      const [what, first, second] = row.split('|').slice(1, -1).map((cell) => cell.trim());
      const measuredFile = sizes.files.find((entry) => entry.what === what);
      if (measuredFile) {
        // Within 2% or 0.2 KB: a table typed by hand, or left behind by a real change, fails.
        const close = (shown: string, bytes: number) => Math.abs(parseFloat(shown) * 1024 - bytes) <= Math.max(0.02 * bytes, 205);
        expect(close(first, measuredFile.bytes), `${what}: README says ${first}, measured ${measuredFile.bytes} bytes`).toBe(true);
        expect(close(second, measuredFile.gzipped), `${what}: README says ${second} gzipped, measured ${measuredFile.gzipped} bytes`).toBe(true);
      } else {
        const measured = sizes.lines.find((entry) => entry.what === what);
        expect(measured, `README's size table has a row "${what}" that npm run size does not measure`).toBeDefined();
        const shown = Number(first.replace(/[^\d]/g, ''));
        expect(Math.abs(shown - measured!.lines), `${what}: README says ${first}, measured ${measured!.lines}`).toBeLessThanOrEqual(0.05 * measured!.lines);
      }
    }
  });
});
