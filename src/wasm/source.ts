// Where a kernel build comes from, for both entries: a compiled module, the file's bytes, a fetch
// Response, or the file's URL (read from disk in Node, fetched elsewhere). Without the loader, which
// only the training entry needs: the inference entry shares this and stays small.

import { KernelsUnavailableError } from '../errors.js';
import { nodeModule } from '../platform/node.js';

/** What `init` accepts: a compiled module, the file's bytes, a fetch Response, or the file's URL. */
export type KernelSource = WebAssembly.Module | BufferSource | Response | URL | string;

/**
 * Compiles `source`; a relative URL or path is taken from `base()`, asked for only then: in an edge
 * runtime, where the kernels come as a compiled module, `import.meta.url` may not make a URL at all.
 */
export async function compileSource(source: KernelSource, base: () => URL): Promise<WebAssembly.Module> {
  if (source instanceof WebAssembly.Module) return source;
  if (source instanceof URL || typeof source === 'string') return compileBytes(await readUrl(new URL(source, base())));
  if (typeof Response !== 'undefined' && source instanceof Response) return compileBytes(await source.arrayBuffer());
  return compileBytes(source as BufferSource);
}

export async function compileBytes(bytes: BufferSource): Promise<WebAssembly.Module> {
  try {
    return await WebAssembly.compile(bytes);
  } catch (error) {
    throw new KernelsUnavailableError(`could not compile the WebAssembly kernels: ${(error as Error).message}`);
  }
}

export async function readUrl(url: URL): Promise<Uint8Array<ArrayBuffer>> {
  if (url.protocol === 'file:') {
    const { readFile } = await nodeModule('fs/promises');
    try {
      return new Uint8Array(await readFile(url));
    } catch (error) {
      throw new KernelsUnavailableError(
        `could not load the WebAssembly kernels from ${url.pathname}: ${(error as Error).message} (run "npm run build")`,
      );
    }
  }
  let response: Response;
  try {
    response = await fetch(url);
  } catch (error) {
    throw new KernelsUnavailableError(`could not load the WebAssembly kernels from ${url.href}: ${(error as Error).message}`);
  }
  if (!response.ok) throw new KernelsUnavailableError(`could not load the WebAssembly kernels from ${url.href}: HTTP ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}
