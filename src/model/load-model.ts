// loadModel: a model read from a path in Node, whichever kind of file it names: this library's own
// (`save`), or a TensorFlow.js Layers model's folder or model.json. Apart from sequential.ts because it
// is the one entry point that looks at the file system to decide what it reads.

import { init } from '../wasm/kernels.js';
import { isFolder, readFileBytes } from '../platform/files.js';
import { Sequential, withWeights } from './sequential.js';

/**
 * Reads a model in Node: a file written by `save`, or a TensorFlow.js Layers model (its folder, or its
 * model.json with the weight files beside it; see {@link Sequential.fromTfjs}). Everything is checked
 * before anything is built; a bad file gives a ModelFormatError that names the file and the problem.
 *
 * @example
 * const model = await loadModel('mnist.mnwm');        // or loadModel('exported/model.json')
 * model.predict(images);
 */
export async function loadModel(path: string): Promise<Sequential> {
  if (typeof path === 'string' && (/\.json$/i.test(path) || (await isFolder(path)))) {
    // Imported when needed: a page that never reads a TensorFlow.js model downloads none of that code.
    const { readTfjsModel } = await import('../export/tfjs-read.js');
    return withWeights(await readTfjsModel(path));
  }
  const model = Sequential.fromBytes(await readFileBytes(path, 'loadModel'), path);
  await init();
  return model;
}
