// The hand-written `Kernels` interface (src/wasm/kernels.ts), through which TypeScript calls every
// kernel, held to what each .wasm build really exports: the same names and, for each, as many
// parameters. A kernel renamed or given another argument in assembly/ without the interface
// following would otherwise type-check and then run with its arguments shifted.

import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));

/** Each method of the `Kernels` interface and its number of parameters, read from the source. */
function declared(): Map<string, number> {
  const source = ts.createSourceFile('kernels.ts', readFileSync(`${root}/src/wasm/kernels.ts`, 'utf8'), ts.ScriptTarget.ES2022, true);
  const methods = new Map<string, number>();
  source.forEachChild((node) => {
    if (!ts.isInterfaceDeclaration(node) || node.name.text !== 'Kernels') return;
    for (const member of node.members) {
      if (ts.isMethodSignature(member)) methods.set(member.name.getText(source), member.parameters.length);
    }
  });
  return methods;
}

/**
 * Each exported function of a build and its number of parameters, AssemblyScript's runtime helpers
 * left out; read in a Node that has relaxed SIMD (Node 20 needs the flag), so every build compiles.
 */
function exported(build: string): Map<string, number> {
  const script = `
    const { readFileSync } = await import('node:fs');
    const module = new WebAssembly.Module(readFileSync(${JSON.stringify(`${root}/build/${build}.wasm`)}));
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 32768, shared: ${build.includes('threads')} });
    const { exports } = new WebAssembly.Instance(module, { env: { memory, abort: () => undefined } });
    console.log(JSON.stringify(Object.entries(exports).filter(([name, value]) => typeof value === 'function' && !name.startsWith('__')).map(([name, fn]) => [name, fn.length])));`;
  const output = execFileSync(process.execPath, ['--experimental-wasm-relaxed-simd', '--input-type=module', '-e', script], { encoding: 'utf8' });
  return new Map(JSON.parse(output) as Array<[string, number]>);
}

describe('the Kernels interface', () => {
  it('declares the kernels it should (a sanity check of the reading)', () => {
    expect(declared().get('denseForward')).toBe(10);
    expect(declared().size).toBeGreaterThan(30);
  });

  it.each(['kernels', 'kernels-threads', 'kernels-relaxed', 'kernels-threads-relaxed'])('matches build/%s.wasm: every export, with its parameter count', (build) => {
    expect(Object.fromEntries(declared())).toEqual(Object.fromEntries(exported(build)));
  });
});
