// An edge Worker (Cloudflare Workers, workerd) that answers POST /predict with a trained model.
// It imports the inference entry, 'mnist-wasm/infer': forward-only kernels and no training code, a
// few kilobytes in all. Workers may not compile WebAssembly from bytes at run time: wrangler resolves
// 'mnist-wasm/infer' to its edge variant (the "workerd" export condition), which brings the kernels in
// as a module the platform compiles ahead of time, so loadModel needs nothing else. The model comes in
// as bytes (model.bin, written by model.toBytes()). See README.md here for wrangler's rules.

import { loadModel, predict } from 'mnist-wasm/infer';
import modelBytes from './model.bin';

const PIXELS = 784;
let loading;

export default {
  async fetch(request) {
    const { pathname } = new URL(request.url);
    if (pathname !== '/predict') return Response.json({ error: 'POST 784 pixels to /predict' }, { status: 404 });
    if (request.method !== 'POST') return Response.json({ error: 'use POST' }, { status: 405 });
    let pixels;
    try {
      pixels = await readPixels(request);
    } catch (error) {
      return Response.json({ error: error.message }, { status: 400 });
    }
    // Read once, by the first request; the ones that arrive meanwhile wait for the same model.
    loading ??= loadModel(modelBytes);
    const probabilities = Array.from(predict(await loading, pixels));
    const predicted = probabilities.indexOf(Math.max(...probabilities));
    return Response.json({ class: predicted, probabilities });
  },
};

/** 784 grey levels, as raw bytes (application/octet-stream) or a JSON array of numbers from 0 to 255. */
async function readPixels(request) {
  const type = request.headers.get('content-type') ?? '';
  if (type.startsWith('application/octet-stream')) {
    const bytes = new Uint8Array(await request.arrayBuffer());
    if (bytes.length !== PIXELS) throw new Error(`expected ${PIXELS} bytes, got ${bytes.length}`);
    return bytes;
  }
  let values;
  try {
    values = await request.json();
  } catch {
    throw new Error('expected a JSON array of 784 grey levels, or application/octet-stream bytes');
  }
  if (!Array.isArray(values) || values.length !== PIXELS) throw new Error(`expected a JSON array of ${PIXELS} numbers`);
  if (!values.every((v) => Number.isInteger(v) && v >= 0 && v <= 255)) throw new Error('pixels must be integers from 0 to 255');
  return Uint8Array.from(values);
}
