// What more than one command prints: counts grouped as people read them, and the warning about asking
// for more threads than cores. Its own module so that the commands' files need not import main.ts,
// which runs the command line when it is loaded.

import { availableParallelism } from 'node:os';

/** More threads than cores gives the same results (the work split never changes them), only later: say so once. */
export function warnAboutThreads(threads: number | undefined): void {
  const cores = availableParallelism();
  if (threads === undefined || threads <= cores) return;
  process.stderr.write(`mnist-wasm: --threads ${threads} is more than this machine's ${cores} core${cores === 1 ? '' : 's'}; results are the same, but it will be slower\n`);
}

export function group(n: number): string {
  return n.toLocaleString('en-US');
}
