// What users download: each entry of the package bundled and minified by esbuild for a browser or an
// edge Worker (as Vite, webpack or wrangler would ship it, with @assemblyscript/loader), the worker
// threads' script, and each .wasm build; raw and gzipped (level 9). Prints a table, or JSON with --json.
//   npm run build && node bench/size.js

import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const gzip = (bytes) => gzipSync(bytes, { level: 9 }).length;

async function bundled(entry, conditions) {
  const result = await build({
    entryPoints: [entry], absWorkingDir: root, bundle: true, minify: true, format: 'esm', platform: 'browser',
    conditions, write: false, outdir: 'out', loader: { '.wasm': 'file' }, logLevel: 'silent',
  });
  const js = result.outputFiles.find((file) => file.path.endsWith('.js')).contents;
  return { bytes: js.length, gzipped: gzip(js) };
}

const rows = [
  { what: 'library, browser entry (dist/index.js with @assemblyscript/loader)', ...(await bundled('dist/index.js', [])) },
  { what: 'library, edge entry (dist/edge.js, the "workerd" condition)', ...(await bundled('dist/edge.js', [])) },
  { what: 'worker threads\' script (dist/threads/worker.js with the loader)', ...(await bundled('dist/threads/worker.js', [])) },
];
for (const name of ['kernels', 'kernels-threads', 'kernels-relaxed', 'kernels-threads-relaxed']) {
  const bytes = await readFile(new URL(`../build/${name}.wasm`, import.meta.url));
  rows.push({ what: `build/${name}.wasm`, bytes: bytes.length, gzipped: gzip(bytes) });
}

if (process.argv.includes('--json')) {
  console.log(JSON.stringify(rows, null, 2));
} else {
  const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
  const width = Math.max(...rows.map((row) => row.what.length));
  console.log(`${'what'.padEnd(width)}  ${'minified'.padStart(9)}  ${'gzipped'.padStart(9)}`);
  for (const row of rows) console.log(`${row.what.padEnd(width)}  ${kb(row.bytes).padStart(9)}  ${kb(row.gzipped).padStart(9)}`);
}
