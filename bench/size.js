// What users download and what contributors read: each entry of the package bundled and minified by
// esbuild for a browser or an edge Worker (as Vite, webpack or wrangler would ship it, with
// @assemblyscript/loader), the worker threads' script, each .wasm build (raw and gzipped, level 9),
// and the lines of src/ and assembly/. The README's size table is this script's --markdown output,
// and test/size.test.ts holds both the README and the budgets to what it measures.
//   npm run size                 a table
//   npm run size -- --json       JSON: { files: [{ what, bytes, gzipped }], lines: [{ what, lines }] }
//   npm run size -- --markdown   the README's table

import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const gzip = (bytes) => gzipSync(bytes, { level: 9 }).length;

async function bundled(entry) {
  const result = await build({
    entryPoints: [entry], absWorkingDir: root, bundle: true, minify: true, format: 'esm', platform: 'browser',
    write: false, outdir: 'out', loader: { '.wasm': 'file' }, logLevel: 'silent',
  });
  const js = result.outputFiles.find((file) => file.path.endsWith('.js')).contents;
  return { bytes: js.length, gzipped: gzip(js) };
}

/** Lines of the .ts files below `folder`, blank ones included: what a reader scrolls through. */
async function lines(folder) {
  const entries = await readdir(join(root, folder), { recursive: true });
  let count = 0;
  for (const entry of entries.filter((name) => name.endsWith('.ts'))) {
    count += (await readFile(join(root, folder, entry), 'utf8')).split('\n').length - 1;
  }
  return count;
}

const files = [
  { what: 'library, browser entry (dist/index.js)', ...(await bundled('dist/index.js')) },
  { what: 'library, edge entry (dist/edge.js)', ...(await bundled('dist/edge.js')) },
  { what: "worker threads' script (dist/threads/worker.js)", ...(await bundled('dist/threads/worker.js')) },
];
for (const name of ['kernels', 'kernels-threads', 'kernels-relaxed', 'kernels-threads-relaxed']) {
  const bytes = await readFile(join(root, 'build', `${name}.wasm`));
  files.push({ what: `build/${name}.wasm`, bytes: bytes.length, gzipped: gzip(bytes) });
}
const counts = [
  { what: 'src/ (TypeScript)', lines: await lines('src') },
  { what: 'assembly/ (AssemblyScript)', lines: await lines('assembly') },
];

const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
if (process.argv.includes('--json')) {
  console.log(JSON.stringify({ files, lines: counts }, null, 2));
} else if (process.argv.includes('--markdown')) {
  console.log('| what | minified | gzipped |\n| --- | --- | --- |');
  for (const row of files) console.log(`| ${row.what} | ${kb(row.bytes)} | ${kb(row.gzipped)} |`);
  for (const row of counts) console.log(`| ${row.what} | ${row.lines.toLocaleString('en-US')} lines | |`);
} else {
  const width = Math.max(...files.map((row) => row.what.length));
  console.log(`${'what'.padEnd(width)}  ${'minified'.padStart(9)}  ${'gzipped'.padStart(9)}`);
  for (const row of files) console.log(`${row.what.padEnd(width)}  ${kb(row.bytes).padStart(9)}  ${kb(row.gzipped).padStart(9)}`);
  for (const row of counts) console.log(`${row.what.padEnd(width)}  ${`${row.lines} lines`.padStart(9)}`);
}
