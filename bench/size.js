// What users download and what contributors read: each entry of the package bundled and minified by
// esbuild for a browser or an edge Worker (as Vite, webpack or wrangler would ship it, with
// @assemblyscript/loader where it is imported, and split where the library imports code only when it
// is used: a row counts what a page loads to import the entry, and `lazy` what it may load later),
// the worker threads' script, each .wasm build (raw and gzipped, level 9), and the lines of src/ and
// assembly/. The inference entry (mnist-wasm/infer) and its forward-only kernels have rows of their
// own, held to their budgets by test/infer-size.test.ts. The README's size table is this script's
// --markdown output, and test/size.test.ts holds both the README and the budgets to what it measures.
//   npm run size                 a table
//   npm run size -- --json       JSON: { files: [{ what, bytes, gzipped }], lines: [{ what, lines }] }
//   npm run size -- --markdown   the README's table

import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const gzip = (bytes) => gzipSync(bytes, { level: 9 }).length;

async function bundled(entry) {
  const result = await build({
    entryPoints: [entry], absWorkingDir: root, bundle: true, minify: true, format: 'esm', platform: 'browser', splitting: true,
    write: false, outdir: 'out', loader: { '.wasm': 'file' }, logLevel: 'silent', metafile: true,
  });
  const outputs = result.metafile.outputs;
  const contents = new Map(result.outputFiles.map((file) => [relative(root, file.path), file.contents]));
  const [main] = Object.keys(outputs).filter((path) => outputs[path].entryPoint === entry);
  // What importing the entry loads: it and the chunks it imports statically, each file gzipped alone.
  const initial = new Set([main]);
  for (const path of initial) for (const { path: next, kind } of outputs[path].imports) if (kind === 'import-statement' && next.endsWith('.js')) initial.add(next);
  const scripts = Object.keys(outputs).filter((path) => path.endsWith('.js'));
  const sum = (paths, size) => paths.reduce((total, path) => total + size(contents.get(path)), 0);
  const lazy = scripts.filter((path) => !initial.has(path));
  return {
    bytes: sum([...initial], (js) => js.length), gzipped: sum([...initial], gzip),
    lazyBytes: sum(lazy, (js) => js.length), lazyGzipped: sum(lazy, gzip),
  };
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
  { what: "worker threads' script (dist/engine/worker.js)", ...(await bundled('dist/engine/worker.js')) },
  { what: 'inference entry, browser (dist/infer/index.js)', ...(await bundled('dist/infer/index.js')) },
  { what: 'inference entry, edge (dist/infer/edge.js)', ...(await bundled('dist/infer/edge.js')) },
];
const wasm = async (what, name) => {
  const bytes = await readFile(join(root, 'build', `${name}.wasm`));
  files.push({ what, bytes: bytes.length, gzipped: gzip(bytes) });
};
for (const name of ['kernels', 'kernels-threads', 'kernels-relaxed', 'kernels-threads-relaxed']) await wasm(`build/${name}.wasm`, name);
await wasm('inference kernels (build/kernels-infer.wasm)', 'kernels-infer');
const counts = [
  { what: 'src/ (TypeScript)', lines: await lines('src') },
  { what: 'assembly/ (AssemblyScript)', lines: await lines('assembly') },
];

const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
if (process.argv.includes('--json')) {
  console.log(JSON.stringify({ files, lines: counts }, null, 2));
} else if (process.argv.includes('--markdown')) {
  console.log('| what | minified | gzipped | loaded later, when used |\n| --- | --- | --- | --- |');
  for (const row of files) console.log(`| ${row.what} | ${kb(row.bytes)} | ${kb(row.gzipped)} | ${row.lazyBytes ? `${kb(row.lazyGzipped)} gzipped` : ''} |`);
  for (const row of counts) console.log(`| ${row.what} | ${row.lines.toLocaleString('en-US')} lines | | |`);
} else {
  const width = Math.max(...files.map((row) => row.what.length));
  console.log(`${'what'.padEnd(width)}  ${'minified'.padStart(9)}  ${'gzipped'.padStart(9)}`);
  for (const row of files) console.log(`${row.what.padEnd(width)}  ${kb(row.bytes).padStart(9)}  ${kb(row.gzipped).padStart(9)}`);
  for (const row of counts) console.log(`${row.what.padEnd(width)}  ${`${row.lines} lines`.padStart(9)}`);
}
