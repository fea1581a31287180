// The folder rule of docs/design.md and /work/shared/ARCHITECTURE.md, checked by `npm run lint:deps`
// (part of `npm test`'s pretest) instead of by reviewers. Imports point one way:
//
//   cli/ ──► model/ ──► train/ ──► engine/ ──► threads/ ──► wasm/
//   export/ ◄── model/, cli/      infer/ (forward-only entry)      data/
//   network/ (what a network is), then errors.ts, math.ts, random.ts and platform/ at the bottom.
//
// src/index.ts and src/edge.ts (and infer/index.ts, infer/edge.ts) are the entries: they may import
// anything. Type-only imports count as imports (tsPreCompilationDeps), since a type is also a
// dependency a reader has to follow.

/** Top to bottom: a folder may import any folder after it, never one before it. */
const CHAIN = ['cli', 'model', 'train', 'engine', 'threads', 'wasm'];

/** `^src/(a|b)/`: a path in one of these folders of src/. */
const inFolders = (folders) => `^src/(${folders.join('|')})/`;

const chainRules = CHAIN.slice(1).map((folder, index) => {
  const above = CHAIN.slice(0, index + 1);
  return {
    name: `${folder}-not-up-the-chain`,
    comment:
      `${folder}/ sits below ${above.map((name) => `${name}/`).join(', ')} in cli → model → train → engine → threads → wasm; ` +
      `importing upward ties the lower layer to policy it must not know. Move the shared piece down to ${folder}/ or below.`,
    severity: 'error',
    from: { path: inFolders([folder]) },
    to: { path: inFolders(above) },
  };
});

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    ...chainRules,
    {
      name: 'export-only-from-model-and-cli',
      comment:
        'export/ (ONNX and TF.js writers and reader) is reached through model/ (and cli/): the engine, training and ' +
        'inference know nothing of other formats. Call it from model/ or cli/, or from the public entries.',
      severity: 'error',
      from: { path: '^src/', pathNot: ['^src/(model|cli|export)/', '^src/(infer/)?(index|edge)\\.ts$'] },
      to: { path: '^src/export/' },
    },
    {
      name: 'export-independent-of-engine',
      comment:
        'export/ turns a network description and its weights into other formats; it must not depend on the model, ' +
        'training, the engine, threads or the command line. Take what it needs from network/ instead.',
      severity: 'error',
      from: { path: '^src/export/' },
      to: { path: inFolders(['model', 'train', 'engine', 'threads', 'cli']) },
    },
    {
      name: 'network-is-a-leaf',
      comment:
        'network/ (layer descriptions, topology, the model file reader) is imported by everyone, so it imports ' +
        'nothing of src/ but errors.ts and platform/; anything else would make it a cycle waiting to happen.',
      severity: 'error',
      from: { path: '^src/network/' },
      to: { path: '^src/', pathNot: ['^src/network/', '^src/platform/', '^src/errors\\.ts$'] },
    },
    {
      name: 'data-knows-no-training',
      comment:
        'data/ (IDX, gzip, PNG, loaders, input checks) reads and checks data; it never trains, runs a model, writes ' +
        'other formats or reaches the command line or the inference entry.',
      severity: 'error',
      from: { path: '^src/data/' },
      to: { path: inFolders(['train', 'engine', 'threads', 'model', 'export', 'cli', 'infer']) },
    },
    {
      name: 'infer-is-forward-only',
      comment:
        "infer/ is the forward-only entry ('mnist-wasm/infer'), kept to a few kilobytes: it never pulls in the model, " +
        'training, the engine, threads, the exporters or the command line.',
      severity: 'error',
      from: { path: '^src/infer/' },
      to: { path: inFolders(['model', 'train', 'engine', 'threads', 'export', 'cli']) },
    },
    {
      name: 'bottom-imports-only-bottom',
      comment:
        'errors.ts, math.ts, random.ts and platform/ are the bottom of src/: everything may import them, so they ' +
        'import nothing of src/ but each other.',
      severity: 'error',
      from: { path: ['^src/(errors|math|random)\\.ts$', '^src/platform/'] },
      to: { path: '^src/', pathNot: ['^src/(errors|math|random)\\.ts$', '^src/platform/'] },
    },
    {
      name: 'entries-are-not-imported',
      comment:
        'src/index.ts, src/edge.ts, src/infer/index.ts and src/infer/edge.ts are the public entries, the top of ' +
        'everything; only an edge entry re-exports its sibling index.ts. Import the module that defines the thing.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/(infer/)?edge\\.ts$' },
      to: { path: '^src/(infer/)?(index|edge)\\.ts$' },
    },
    {
      name: 'no-circular',
      comment:
        'Modules must not depend on each other in a circle, type-only imports included: a cycle means neither side ' +
        'can be read, tested or moved alone. Move what both need into a third module below them.',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'not-to-unresolvable',
      comment:
        'Every import in src/ must resolve to a file or a package; one the cruiser cannot resolve is also one no ' +
        'rule above can check. (The .wasm modules the edge entries import are built by `npm run build:wasm`.)',
      severity: 'error',
      from: { path: '^src/' },
      to: { couldNotResolve: true, pathNot: '\\.wasm$' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // Type-only imports and `export type … from` are dependencies too.
    tsPreCompilationDeps: true,
    // Resolves the `.js` specifiers of NodeNext TypeScript to the `.ts` files they name.
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.d.ts', '.js'],
    },
    reporterOptions: {
      text: { highlightFocused: true },
    },
  },
};
