// The engine may be rebuilt, but never change a result: the recipes, trained as users train them, must
// save the same bytes as when these fingerprints were recorded (2026-12-06, at d3942dc, before the engine
// was reorganised), on one thread and on two.

import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const BIN = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));

/** SHA-256 of the saved model file, per recipe; `mlp-best` (named `best` when they were recorded) trains for 2 epochs here (its schedule follows). */
const RECORDED: Record<string, { args: string[]; sha256: string }> = {
  seed: { args: [], sha256: 'a60c734ff4f66d7e4c780115c37dcda7d3250d13f09b13185a79d1776840a763' },
  default: { args: [], sha256: '1ca06b54c6a85521207584689f8e171870d77001e74ffcc9b589ffe82ca36ea7' },
  'mlp-best': { args: ['--epochs', '2'], sha256: '154c48a8843129c178bc8ff064c7a0a8763a3ac1f937f367d11e675c074af002' },
};

let folder: string;
beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'mnist-wasm-same-bits-'));
});
afterAll(async () => {
  await rm(folder, { recursive: true, force: true });
});

describe.each(Object.entries(RECORDED))('recipe %s', (recipe, { args, sha256 }) => {
  it.each([1, 2])('saves the recorded bytes on %i thread(s)', async (threads) => {
    const path = join(folder, `${recipe}-${threads}.mnwm`);
    const result = spawnSync(
      process.execPath,
      [BIN, 'train', '--recipe', recipe, '--threads', String(threads), ...args, '--save', path],
      { encoding: 'utf8', timeout: 240_000 },
    );
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const digest = createHash('sha256').update(await readFile(path)).digest('hex');
    expect(digest).toBe(sha256);
  }, 300_000);
});
