// A .wasm import, as edge runtimes' bundlers resolve it: a module compiled ahead of time.
declare module '*.wasm' {
  const module: WebAssembly.Module;
  export default module;
}
