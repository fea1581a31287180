// The shape of src/, checked rather than reviewed (issue 20): files small enough to read in one sitting,
// functions short enough to hold in one's head, and no export that nothing outside its file uses. It
// parses the sources with the TypeScript compiler (syntax only, no type checker), so it needs no build.
// Its sibling for the folder rule is `npm run lint:deps` (.dependency-cruiser.cjs).

import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const MAX_FILE_LINES = 350;
const MAX_FUNCTION_LINES = 80;

/**
 * Functions allowed over MAX_FUNCTION_LINES, keyed `src/<path>.ts <name>` as the failure lists them, each
 * with a one-line reason why splitting it would make it harder to read.
 */
const LONG_FUNCTIONS_ALLOWED: Record<string, string> = {};

/** The public entries: whatever they export is the package's API (typedoc.json, package.json "exports"). */
const ENTRIES = ['src/index.ts', 'src/edge.ts', 'src/infer/index.ts', 'src/infer/edge.ts'];
/** How tests, benchmarks and examples name the entries. */
const PACKAGE_NAMES: Record<string, string> = { 'mnist-wasm': 'src/index.ts', 'mnist-wasm/infer': 'src/infer/index.ts' };

const root = fileURLToPath(new URL('..', import.meta.url));
const toRepoPath = (absolute: string) => relative(root, absolute).split(sep).join('/');

function filesUnder(folder: string, extensions: RegExp): string[] {
  return readdirSync(join(root, folder), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && extensions.test(entry.name))
    .map((entry) => toRepoPath(join(entry.parentPath, entry.name)))
    .sort();
}

function parse(path: string): ts.SourceFile {
  const text = readFileSync(join(root, path), 'utf8');
  const kind = /\.m?js$/.test(path) ? ts.ScriptKind.JS : ts.ScriptKind.TS;
  return ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true, kind);
}

const sources = new Map(filesUnder('src', /\.ts$/).map((path) => [path, parse(path)]));
const users = new Map(
  [...filesUnder('test', /\.(ts|mjs|js)$/), ...filesUnder('bench', /\.(ts|mjs|js)$/)].map((path) => [path, parse(path)]),
);

const lineOf = (file: ts.SourceFile, position: number) => file.getLineAndCharacterOfPosition(position).line + 1;

/** Lines as `wc -l` counts them: a final newline does not start another line. */
function lineCount(file: ts.SourceFile): number {
  const text = file.getFullText();
  return text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
}

// ---- functions ----

type FunctionNode =
  | ts.FunctionDeclaration | ts.FunctionExpression | ts.ArrowFunction | ts.MethodDeclaration
  | ts.ConstructorDeclaration | ts.GetAccessorDeclaration | ts.SetAccessorDeclaration;

function isFunctionWithBody(node: ts.Node): node is FunctionNode {
  return (
    (ts.isFunctionDeclaration(node) || ts.isFunctionExpression(node) || ts.isArrowFunction(node) || ts.isMethodDeclaration(node) ||
      ts.isConstructorDeclaration(node) || ts.isGetAccessorDeclaration(node) || ts.isSetAccessorDeclaration(node)) &&
    node.body !== undefined
  );
}

function nameText(name: ts.Node | undefined, file: ts.SourceFile): string | undefined {
  if (!name) return undefined;
  if (ts.isIdentifier(name) || ts.isPrivateIdentifier(name) || ts.isStringLiteral(name) || ts.isNumericLiteral(name)) return name.text;
  return name.getText(file);
}

/** A name a reader can search for: `Class.method`, `Class.get name`, the variable or property an arrow is assigned to. */
function functionName(node: FunctionNode, file: ts.SourceFile): string {
  const owner = ts.isClassLike(node.parent) ? `${nameText(node.parent.name, file) ?? '(class)'}.` : '';
  if (ts.isConstructorDeclaration(node)) return `${owner}constructor`;
  if (ts.isGetAccessorDeclaration(node)) return `${owner}get ${nameText(node.name, file)}`;
  if (ts.isSetAccessorDeclaration(node)) return `${owner}set ${nameText(node.name, file)}`;
  if (ts.isFunctionDeclaration(node) || ts.isMethodDeclaration(node)) return `${owner}${nameText(node.name, file) ?? 'default'}`;
  if (ts.isFunctionExpression(node) && node.name) return node.name.text;
  const parent = node.parent;
  if ((ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent) || ts.isPropertyDeclaration(parent)) && parent.name) {
    const holder = ts.isPropertyDeclaration(parent) && ts.isClassLike(parent.parent) ? `${nameText(parent.parent.name, file)}.` : '';
    return `${holder}${nameText(parent.name, file)}`;
  }
  // A callback: named by its call and the function around it, which stay put when lines move.
  const around = enclosingFunction(node);
  const where = around ? `${functionName(around, file)} > ` : '';
  if (ts.isCallExpression(parent)) return `${where}${parent.expression.getText(file).replace(/\s+/g, '')}(…) callback`;
  return `${where}(anonymous function, line ${lineOf(file, node.getStart(file))})`;
}

function enclosingFunction(node: ts.Node): FunctionNode | undefined {
  for (let up = node.parent; up; up = up.parent) if (isFunctionWithBody(up)) return up;
  return undefined;
}

interface FunctionSpan {
  key: string;
  where: string;
  lines: number;
}

function functionSpans(): FunctionSpan[] {
  const spans: FunctionSpan[] = [];
  for (const [path, file] of sources) {
    const visit = (node: ts.Node) => {
      if (isFunctionWithBody(node)) {
        // From the signature's first line (decorators and modifiers included, its doc comment not) to
        // the closing brace.
        const first = lineOf(file, node.getStart(file));
        const lines = lineOf(file, node.getEnd()) - first + 1;
        const name = functionName(node, file);
        spans.push({ key: `${path} ${name}`, where: `${path}:${first} ${name}`, lines });
      }
      ts.forEachChild(node, visit);
    };
    visit(file);
  }
  return spans;
}

// ---- exports ----

interface Export {
  path: string;
  name: string;
  line: number;
  /** The declaration whose public signature may name other exports of the file (undefined for re-exports). */
  declaration?: ts.Node;
}

const hasExportModifier = (node: ts.Node) =>
  ts.canHaveModifiers(node) && (ts.getModifiers(node) ?? []).some((modifier) => modifier.kind === ts.SyntaxKind.ExportKeyword);
const hasDefaultModifier = (node: ts.Node) =>
  ts.canHaveModifiers(node) && (ts.getModifiers(node) ?? []).some((modifier) => modifier.kind === ts.SyntaxKind.DefaultKeyword);

function bindingNames(name: ts.BindingName): string[] {
  if (ts.isIdentifier(name)) return [name.text];
  return name.elements.flatMap((element) => (ts.isOmittedExpression(element) ? [] : bindingNames(element.name)));
}

/** Every name a file exports, where it is declared. `export * from` is handled as a use (see uses()). */
function exportsOf(path: string, file: ts.SourceFile): Export[] {
  const found: Export[] = [];
  const add = (name: string, node: ts.Node, declaration?: ts.Node) => {
    if (!found.some((entry) => entry.name === name)) found.push({ path, name, line: lineOf(file, node.getStart(file)), declaration });
  };
  for (const statement of file.statements) {
    if (ts.isExportDeclaration(statement) && statement.exportClause && ts.isNamedExports(statement.exportClause)) {
      for (const element of statement.exportClause.elements) add(element.name.text, element);
    } else if (ts.isExportAssignment(statement)) {
      add('default', statement, statement);
    } else if (hasExportModifier(statement)) {
      if (ts.isVariableStatement(statement)) {
        for (const declaration of statement.declarationList.declarations) {
          for (const name of bindingNames(declaration.name)) add(name, declaration, declaration);
        }
      } else if (hasDefaultModifier(statement)) {
        add('default', statement, statement);
      } else {
        const name = (statement as ts.DeclarationStatement).name;
        if (name && (ts.isIdentifier(name) || ts.isStringLiteral(name))) add(name.text, statement, statement);
      }
    }
  }
  return found;
}

/** The src/ file an import specifier names, if any: relative in src/, '../dist/<path>.js' elsewhere, or the package name. */
function resolveSpecifier(from: string, specifier: string): string | undefined {
  if (PACKAGE_NAMES[specifier]) return PACKAGE_NAMES[specifier];
  if (!specifier.startsWith('.')) return undefined;
  let target = toRepoPath(resolve(root, dirname(from), specifier));
  if (target.startsWith('dist/')) target = `src/${target.slice('dist/'.length)}`;
  target = target.replace(/\.(js|d\.ts)$/, '.ts');
  return sources.has(target) ? target : undefined;
}

const ALL = '*';

/** Which names of which src/ files a file imports or re-exports (ALL for a namespace, `export *` or an opaque dynamic import). */
function uses(path: string, file: ts.SourceFile): Array<{ target: string; name: string }> {
  const found: Array<{ target: string; name: string }> = [];
  const use = (specifier: ts.Node | undefined, names: string[]) => {
    if (!specifier || !ts.isStringLiteralLike(specifier)) return;
    const target = resolveSpecifier(path, specifier.text);
    if (target && target !== path) for (const name of names) found.push({ target, name });
  };
  const visit = (node: ts.Node) => {
    if (ts.isImportDeclaration(node)) {
      const clause = node.importClause;
      const names: string[] = [];
      if (clause?.name) names.push('default');
      const bindings = clause?.namedBindings;
      if (bindings && ts.isNamespaceImport(bindings)) names.push(ALL);
      if (bindings && ts.isNamedImports(bindings)) for (const element of bindings.elements) names.push((element.propertyName ?? element.name).text);
      use(node.moduleSpecifier, names);
    } else if (ts.isExportDeclaration(node)) {
      const clause = node.exportClause;
      if (!clause || ts.isNamespaceExport(clause)) use(node.moduleSpecifier, [ALL]);
      else use(node.moduleSpecifier, clause.elements.map((element) => (element.propertyName ?? element.name).text));
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      // `const { a, b } = await import('./x.js')` names what it takes; anything else may take everything.
      const awaited = ts.isAwaitExpression(node.parent) ? node.parent.parent : undefined;
      const pattern = awaited && ts.isVariableDeclaration(awaited) && ts.isObjectBindingPattern(awaited.name) ? awaited.name : undefined;
      const names = pattern?.elements.every((element) => !element.dotDotDotToken)
        ? pattern.elements.map((element) => nameText(element.propertyName ?? element.name, file)!)
        : [ALL];
      use(node.arguments[0], names);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) {
      const qualifier = node.qualifier;
      const first = qualifier && (ts.isIdentifier(qualifier) ? qualifier : leftmost(qualifier));
      use(node.argument.literal, [first ? first.text : ALL]);
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found;
}

function leftmost(name: ts.QualifiedName): ts.Identifier {
  return ts.isIdentifier(name.left) ? name.left : leftmost(name.left);
}

const isPrivateMember = (node: ts.Node) =>
  (ts.isClassElement(node) && node.name !== undefined && ts.isPrivateIdentifier(node.name)) ||
  (ts.canHaveModifiers(node) && (ts.getModifiers(node) ?? []).some((modifier) => modifier.kind === ts.SyntaxKind.PrivateKeyword));

/**
 * Names a declaration's public signature refers to: parameter, return, property and heritage types,
 * the type a variable or alias stands for. Function bodies and private members are not part of it.
 */
function signatureNames(declaration: ts.Node): Set<string> {
  const names = new Set<string>();
  const visit = (node: ts.Node) => {
    if (isPrivateMember(node)) return;
    if (ts.isTypeReferenceNode(node) || ts.isExpressionWithTypeArguments(node) || ts.isTypeQueryNode(node)) {
      const name = ts.isTypeReferenceNode(node) ? node.typeName : ts.isTypeQueryNode(node) ? node.exprName : node.expression;
      if (ts.isIdentifier(name)) names.add(name.text);
      else if (ts.isQualifiedName(name)) names.add(leftmost(name).text);
      else if (ts.isPropertyAccessExpression(name) && ts.isIdentifier(name.expression)) names.add(name.expression.text);
    }
    if (isFunctionWithBody(node)) {
      for (const child of [...(node.typeParameters ?? []), ...node.parameters]) visit(child);
      if (node.type) visit(node.type);
      return;
    }
    ts.forEachChild(node, visit);
  };
  visit(declaration);
  return names;
}

/** Exports nothing outside their file uses, with the public entries' exports and their signatures' types as roots. */
function unusedExports(): Export[] {
  const all = [...sources].flatMap(([path, file]) => exportsOf(path, file));
  const used = new Set<string>();
  const key = (path: string, name: string) => `${path} ${name}`;
  const pending: Export[] = [];
  const markUsed = (path: string, name: string) => {
    const targets = all.filter((entry) => entry.path === path && (name === ALL || entry.name === name));
    for (const target of targets) {
      if (used.has(key(target.path, target.name))) continue;
      used.add(key(target.path, target.name));
      pending.push(target);
    }
  };
  for (const entry of ENTRIES) markUsed(entry, ALL);
  for (const [path, file] of [...sources, ...users]) for (const { target, name } of uses(path, file)) markUsed(target, name);
  // An export a used export's signature names is needed for its declaration (and TypeDoc) to make sense.
  while (pending.length > 0) {
    const next = pending.pop()!;
    if (next.declaration) for (const name of signatureNames(next.declaration)) if (name !== next.name) markUsed(next.path, name);
  }
  return all.filter((entry) => !used.has(key(entry.path, entry.name)));
}

describe('the shape of src/', () => {
  it('finds the sources and the public entries', () => {
    expect(sources.size).toBeGreaterThan(40);
    for (const entry of ENTRIES) expect(sources.has(entry), entry).toBe(true);
  });

  it(`has no file over ${MAX_FILE_LINES} lines`, () => {
    const long = [...sources]
      .map(([path, file]) => ({ path, lines: lineCount(file) }))
      .filter(({ lines }) => lines > MAX_FILE_LINES)
      .map(({ path, lines }) => `${path}:1 (${lines} lines)`);
    expect(long, `split these files (at most ${MAX_FILE_LINES} lines each)`).toEqual([]);
  });

  it(`has no function over ${MAX_FUNCTION_LINES} lines, but for the allow-list's, which say why`, () => {
    const long = functionSpans()
      .filter(({ key, lines }) => lines > MAX_FUNCTION_LINES && !(key in LONG_FUNCTIONS_ALLOWED))
      .map(({ where, lines }) => `${where} (${lines} lines)`);
    expect(long, `split these functions (at most ${MAX_FUNCTION_LINES} lines each, signature to closing brace)`).toEqual([]);
  });

  it('keeps the allow-list of long functions true: each entry still long, with a one-line reason', () => {
    const spans = functionSpans();
    const stale = Object.entries(LONG_FUNCTIONS_ALLOWED)
      .filter(([key, reason]) => !spans.some((span) => span.key === key && span.lines > MAX_FUNCTION_LINES) || !reason.trim() || reason.includes('\n'))
      .map(([key]) => key);
    expect(stale, 'remove these entries of LONG_FUNCTIONS_ALLOWED, or give them a one-line reason').toEqual([]);
  });

  it('exports nothing that no other file of src/, test/ or bench/ uses and no public entry reaches', () => {
    const unused = unusedExports().map(({ path, line, name }) => `${path}:${line} ${name}`);
    expect(unused, 'drop the export keyword (or the declaration, if its own file does not use it either)').toEqual([]);
  });
});
