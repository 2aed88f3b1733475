#!/usr/bin/env node
// Converts test files written for Node's test runner (node:test) to vitest, in place.
//
//   node scripts/to-vitest.mjs [--check] [file-or-directory ...]   (default: test/)
//
// Idempotent: a file with no `node:test` import is left as it is, so the whole tree can be converted again
// after a merge, or a new file written in node:test style converted on its own. What it rewrites:
// - `import { before, after, ... } from 'node:test'` → `from 'vitest'`, before/after → beforeAll/afterAll (every
//   reference bound to the import, found with the TypeScript checker, so a local `before` variable is untouched);
// - the options of describe/it/test/suite (and their .skip/.only/.todo forms): `skip`, `todo` and `only` of type
//   string | false become booleans (`Boolean(X)`; a string literal becomes `true`), `timeout` stays;
// - `t.diagnostic(...)` on a test's context (a parameter of a function given to a test, or one typed
//   TestContext) → `console.log(...)`; the parameter goes when nothing else uses it, and TestContext with it;
//   `t.after(fn)` → `onTestFinished(fn)`;
// - a hook's options `before(fn, { timeout: N })` → `beforeAll(fn, N)`;
// - a beforeAll/beforeEach arrow with an expression body gets a block body (`async () => { await x; }`): vitest
//   takes a function returned by those hooks (or by their promise) as a teardown, node:test ignores the value.
// What it cannot convert (t.test subtests, t.mock, t.plan, the concurrency option, ...) it reports as
// `file:line: needs hand work: ...` and exits 2, having converted the rest. --check converts nothing and exits
// 1 when some file would change.
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';

const RENAMED = { before: 'beforeAll', after: 'afterAll' };
const KEPT = new Set(['describe', 'it', 'test', 'suite', 'beforeEach', 'afterEach', 'TestContext']);
const TEST_FUNCTIONS = new Set(['describe', 'it', 'test', 'suite']);
const SETUP_HOOKS = new Set(['before', 'beforeEach']);
const HOOKS = new Set(['before', 'after', 'beforeEach', 'afterEach']);
const BOOLEAN_OPTIONS = new Set(['skip', 'todo', 'only']);
const UNSUPPORTED_OPTIONS = new Set(['concurrency', 'plan', 'signal']);
const CONTEXT_METHODS = { diagnostic: 'console.log', after: 'onTestFinished' };
const UNSUPPORTED_CONTEXT = new Set([
  'test',
  'mock',
  'plan',
  'runOnly',
  'todo',
  'before',
  'beforeEach',
  'afterEach',
  'assert',
  'waitFor',
  'fullName',
  'filePath',
]);

/**
 * Converts the source of one file; returns the new text and the constructs it could not convert.
 * @param {string} source
 * @param {string} [fileName]
 * @returns {{ text: string, unsupported: string[] }}
 */
export function toVitest(source, fileName = 'file.ts') {
  if (!/from\s+['"]node:test['"]/.test(source)) return { text: source, unsupported: [] };
  const host = ts.createCompilerHost({ noLib: true, noResolve: true, allowJs: true });
  const original = host.getSourceFile;
  host.getSourceFile = (name, version) =>
    name === fileName
      ? ts.createSourceFile(fileName, source, version, true, kindOf(fileName))
      : original.call(host, name, version);
  const program = ts.createProgram([fileName], { noLib: true, noResolve: true, allowJs: true, types: [] }, host);
  const checker = program.getTypeChecker();
  const file = program.getSourceFile(fileName);
  const edits = [];
  const unsupported = [];
  const where = (node) => `${file.getLineAndCharacterOfPosition(node.getStart(file)).line + 1}`;
  const replace = (node, text) => edits.push({ start: node.getStart(file), end: node.getEnd(), text });

  // The node:test imports: local symbol → imported name.
  const imported = new Map();
  const importDeclarations = [];
  for (const statement of file.statements) {
    if (!ts.isImportDeclaration(statement) || statement.moduleSpecifier.text !== 'node:test') continue;
    importDeclarations.push(statement);
    const clause = statement.importClause;
    if (clause?.name)
      imported.set(checker.getSymbolAtLocation(clause.name), {
        name: 'test',
        local: clause.name.text,
        node: clause.name,
      });
    const bindings = clause?.namedBindings;
    if (bindings && ts.isNamespaceImport(bindings))
      unsupported.push(`${where(bindings)}: a namespace import of node:test`);
    if (bindings && ts.isNamedImports(bindings)) {
      for (const specifier of bindings.elements) {
        const name = (specifier.propertyName ?? specifier.name).text;
        if (!(name in RENAMED) && !KEPT.has(name)) unsupported.push(`${where(specifier)}: node:test's ${name}`);
        imported.set(checker.getSymbolAtLocation(specifier.name), {
          name,
          local: specifier.name.text,
          node: specifier,
        });
      }
    }
  }
  const importOf = (node) => {
    if (!ts.isIdentifier(node)) return undefined;
    const symbol = checker.getSymbolAtLocation(node);
    return symbol ? imported.get(symbol) : undefined;
  };
  // describe / it.skip / test.only(...) → the imported function's name.
  const testFunctionOf = (callee) => {
    const root = ts.isPropertyAccessExpression(callee) ? callee.expression : callee;
    const binding = importOf(root);
    return binding && TEST_FUNCTIONS.has(binding.name) ? binding.name : undefined;
  };

  const contextParameters = new Set(); // symbols of a test's context parameter
  const removedParameters = new Set();
  const needed = new Set();
  const visit = (node) => {
    if (ts.isCallExpression(node)) {
      const testFunction = testFunctionOf(node.expression);
      const hook = importOf(node.expression);
      if (testFunction) {
        for (const argument of node.arguments) {
          if (ts.isObjectLiteralExpression(argument)) rewriteOptions(argument);
          if (
            (ts.isArrowFunction(argument) || ts.isFunctionExpression(argument)) &&
            testFunction !== 'describe' &&
            testFunction !== 'suite'
          ) {
            if (argument.parameters.length > 1) unsupported.push(`${where(argument)}: a test with a done callback`);
            const first = argument.parameters[0];
            if (first && ts.isIdentifier(first.name)) contextParameters.add(checker.getSymbolAtLocation(first.name));
          }
        }
      } else if (hook && HOOKS.has(hook.name)) {
        const options = node.arguments[1];
        if (options && ts.isObjectLiteralExpression(options)) rewriteHookOptions(options);
      }
      if (hook && SETUP_HOOKS.has(hook.name)) {
        const callback = node.arguments[0];
        if (callback && ts.isArrowFunction(callback) && !ts.isBlock(callback.body)) {
          const parameters = callback.parameters.map((parameter) => parameter.getText(file)).join(', ');
          edits.push({
            start: callback.getStart(file),
            end: callback.body.getStart(file),
            text: `async (${parameters}) => { await `,
          });
          edits.push({ start: callback.body.getEnd(), end: callback.body.getEnd(), text: '; }' });
        }
      }
    }
    if (ts.isParameter(node) && node.type && ts.isTypeReferenceNode(node.type) && ts.isIdentifier(node.type.typeName)) {
      const binding = importOf(node.type.typeName);
      if (binding?.name === 'TestContext' && ts.isIdentifier(node.name))
        contextParameters.add(checker.getSymbolAtLocation(node.name));
    }
    ts.forEachChild(node, visit);
  };
  // node:test's before(fn, { timeout }) is vitest's beforeAll(fn, timeout).
  const rewriteHookOptions = (options) => {
    const timeout = options.properties.find(
      (property) => property.name && ts.isIdentifier(property.name) && property.name.text === 'timeout',
    );
    if (options.properties.length !== 1 || !timeout)
      unsupported.push(`${where(options)}: hook options other than timeout`);
    else replace(options, ts.isShorthandPropertyAssignment(timeout) ? 'timeout' : timeout.initializer.getText(file));
  };
  const rewriteOptions = (options) => {
    for (const property of options.properties) {
      const name = property.name && ts.isIdentifier(property.name) ? property.name.text : undefined;
      if (!name) continue;
      if (UNSUPPORTED_OPTIONS.has(name)) unsupported.push(`${where(property)}: the ${name} option`);
      if (!BOOLEAN_OPTIONS.has(name)) continue;
      if (ts.isShorthandPropertyAssignment(property)) {
        replace(property, `${name}: Boolean(${name})`);
      } else if (ts.isPropertyAssignment(property)) {
        const value = property.initializer;
        if (value.kind === ts.SyntaxKind.TrueKeyword || value.kind === ts.SyntaxKind.FalseKeyword) continue;
        if (ts.isPrefixUnaryExpression(value) && value.operator === ts.SyntaxKind.ExclamationToken) continue;
        if (ts.isCallExpression(value) && ts.isIdentifier(value.expression) && value.expression.text === 'Boolean')
          continue;
        if (ts.isStringLiteralLike(value)) replace(value, value.text === '' ? 'false' : 'true');
        else replace(value, `Boolean(${value.getText(file)})`);
      }
    }
  };
  visit(file);

  // References: renamed hooks, and the uses of each context parameter.
  const contextUses = new Map(); // symbol → { total, converted }
  const references = (node) => {
    if (ts.isIdentifier(node) && !ts.isImportSpecifier(node.parent) && !ts.isImportClause(node.parent)) {
      const symbol = checker.getSymbolAtLocation(node);
      const binding = symbol && imported.get(symbol);
      if (binding && binding.name in RENAMED && binding.local === binding.name) replace(node, RENAMED[binding.name]);
      if (symbol && contextParameters.has(symbol) && !ts.isParameter(node.parent)) {
        const uses = contextUses.get(symbol) ?? { total: 0, converted: 0 };
        uses.total += 1;
        const access = node.parent;
        if (ts.isPropertyAccessExpression(access) && access.expression === node) {
          const method = access.name.text;
          if (method in CONTEXT_METHODS && ts.isCallExpression(access.parent) && access.parent.expression === access) {
            replace(access, CONTEXT_METHODS[method]);
            if (method === 'diagnostic') uses.converted += 1;
            else needed.add(CONTEXT_METHODS[method]);
          } else if (UNSUPPORTED_CONTEXT.has(method)) {
            unsupported.push(`${where(access)}: the test context's ${method}`);
          } else if (method === 'name') {
            replace(access.name, 'task.name');
          }
        }
        contextUses.set(symbol, uses);
      }
    }
    ts.forEachChild(node, references);
  };
  references(file);

  // A context parameter used only for diagnostics goes (the function's only parameter, or its last).
  for (const symbol of contextParameters) {
    const uses = contextUses.get(symbol) ?? { total: 0, converted: 0 };
    if (uses.total === 0 || uses.total !== uses.converted) continue;
    const parameter = symbol.valueDeclaration;
    const fn = parameter.parent;
    if (fn.parameters.length !== 1) continue;
    const open = fn.parameters.pos;
    const close = fn.parameters.end;
    const hasParentheses = source[open - 1] === '(' || source.slice(fn.getStart(file), open).includes('(');
    edits.push({ start: open, end: close, text: hasParentheses ? '' : '()' });
    removedParameters.add(parameter);
  }

  // TestContext stays imported only if something still names it.
  let testContextUsed = false;
  const typeUses = (node) => {
    if (ts.isIdentifier(node) && !ts.isImportSpecifier(node.parent)) {
      const binding = imported.get(checker.getSymbolAtLocation(node));
      if (
        binding?.name === 'TestContext' &&
        ![...removedParameters].some((parameter) => node.pos >= parameter.pos && node.end <= parameter.end)
      )
        testContextUsed = true;
    }
    ts.forEachChild(node, typeUses);
  };
  typeUses(file);

  for (const declaration of importDeclarations) {
    const names = [];
    const clause = declaration.importClause;
    if (clause?.name) names.push(clause.name.text === 'test' ? 'test' : `test as ${clause.name.text}`);
    const bindings = clause?.namedBindings;
    if (bindings && ts.isNamedImports(bindings)) {
      for (const specifier of bindings.elements) {
        const name = (specifier.propertyName ?? specifier.name).text;
        if (name === 'TestContext' && !testContextUsed) continue;
        const target = RENAMED[name] ?? name;
        const local = specifier.name.text;
        const typeOnly = specifier.isTypeOnly ? 'type ' : '';
        names.push(local === name ? `${typeOnly}${target}` : `${typeOnly}${target} as ${local}`);
      }
    }
    for (const extra of needed) if (!names.includes(extra)) names.push(extra);
    needed.clear();
    const typeOnly = clause?.isTypeOnly ? 'type ' : '';
    replace(declaration, `import ${typeOnly}{ ${names.join(', ')} } from 'vitest';`);
  }

  edits.sort((a, b) => b.start - a.start || b.end - a.end);
  let text = source;
  for (const edit of edits) text = text.slice(0, edit.start) + edit.text + text.slice(edit.end);
  return { text, unsupported };
}

function kindOf(fileName) {
  if (fileName.endsWith('.tsx')) return ts.ScriptKind.TSX;
  if (/\.[cm]?js$/.test(fileName)) return ts.ScriptKind.JS;
  return ts.ScriptKind.TS;
}

function* sourceFiles(path) {
  if (statSync(path).isDirectory()) {
    for (const entry of readdirSync(path).sort()) {
      if (entry === 'node_modules' || entry.startsWith('.')) continue;
      yield* sourceFiles(join(path, entry));
    }
  } else if (/\.(?:[cm]?ts|tsx|[cm]?js)$/.test(path) && !path.endsWith('.d.ts')) {
    yield path;
  }
}

function main(argv) {
  const check = argv.includes('--check');
  const paths = argv.filter((argument) => argument !== '--check');
  let changed = 0;
  let handWork = 0;
  for (const root of paths.length > 0 ? paths : ['test']) {
    for (const path of sourceFiles(root)) {
      const source = readFileSync(path, 'utf8');
      const { text, unsupported } = toVitest(source, path);
      for (const problem of unsupported)
        console.error(`${relative(process.cwd(), path)}:${problem.replace(/^(\d+): /, '$1: needs hand work: ')}`);
      handWork += unsupported.length;
      if (text === source) continue;
      changed += 1;
      if (check) console.log(`would convert ${path}`);
      else writeFileSync(path, text);
    }
  }
  console.log(
    `to-vitest: ${changed} file(s) ${check ? 'to convert' : 'converted'}${handWork ? `, ${handWork} construct(s) need hand work` : ''}`,
  );
  if (handWork) process.exit(2);
  if (check && changed) process.exit(1);
}

if (import.meta.url === `file://${process.argv[1]}`) main(process.argv.slice(2));
