// Types for the package's .wasm subpaths. Edge runtimes (Cloudflare Workers, workerd) and bundlers
// configured for it import a .wasm file as a WebAssembly.Module compiled ahead of time, which init()
// takes as it is:
//
//   import kernels from 'mnist-wasm/kernels.wasm';
//   await init(kernels);

declare const kernels: WebAssembly.Module;
export default kernels;
