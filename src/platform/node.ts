// Node's built-in modules, imported only on the paths that run in Node (reading files, starting
// worker_threads). The specifier is built at run time so that bundlers for browsers and edge
// Workers, and workerd's module loader, do not try to resolve node: modules that those platforms
// lack and never reach; the magic comments keep Vite and webpack from warning about it.

type NodeModules = {
  'fs/promises': typeof import('node:fs/promises');
  path: typeof import('node:path');
  module: typeof import('node:module');
  os: typeof import('node:os');
  worker_threads: typeof import('node:worker_threads');
};

/** `import('node:' + name)`, typed. */
export function nodeModule<Name extends keyof NodeModules>(name: Name): Promise<NodeModules[Name]> {
  return import(/* @vite-ignore */ /* webpackIgnore: true */ `node:${name}`) as Promise<NodeModules[Name]>;
}
