/** The shape of packages/core/src's import graph: no cycles, and plugins' entry apart from the host. */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('../src/', import.meta.url));

/** Every module of src and the modules it imports at run time (type-only imports left out), dynamic imports included. */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  const files = readdirSync(SRC, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
  for (const file of files) {
    const source = ts.createSourceFile(file, readFileSync(path.join(SRC, file), 'utf8'), ts.ScriptTarget.Latest);
    const targets: string[] = [];
    const add = (specifier: string): void => {
      if (specifier.startsWith('.')) targets.push(path.relative(SRC, path.resolve(SRC, path.dirname(file), specifier)));
    };
    const visit = (node: ts.Node): void => {
      if (ts.isImportDeclaration(node) && !node.importClause?.isTypeOnly && ts.isStringLiteral(node.moduleSpecifier)) {
        const named = node.importClause?.namedBindings;
        const onlyTypes = !node.importClause?.name && named && ts.isNamedImports(named) && named.elements.length > 0 && named.elements.every((e) => e.isTypeOnly);
        if (!onlyTypes) add(node.moduleSpecifier.text);
      } else if (ts.isExportDeclaration(node) && !node.isTypeOnly && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
        add(node.moduleSpecifier.text);
      } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword && ts.isStringLiteral(node.arguments[0]!)) {
        add((node.arguments[0] as ts.StringLiteral).text);
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
    graph.set(file, targets);
  }
  return graph;
}

/** Each cycle once, as the files around it. */
function findCycles(graph: Map<string, string[]>): string[][] {
  const cycles: string[][] = [];
  const done = new Set<string>();
  const walk = (file: string, trail: string[]): void => {
    const at = trail.indexOf(file);
    if (at >= 0) return void cycles.push([...trail.slice(at), file]);
    if (done.has(file)) return;
    trail.push(file);
    for (const next of graph.get(file) ?? []) walk(next, trail);
    trail.pop();
    done.add(file);
  };
  for (const file of [...graph.keys()].sort()) walk(file, []);
  return cycles;
}

/** Every module `from` reaches at run time. */
function reachable(graph: Map<string, string[]>, from: string): Set<string> {
  const seen = new Set<string>();
  const stack = [from];
  while (stack.length > 0) {
    const file = stack.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    stack.push(...(graph.get(file) ?? []));
  }
  return seen;
}

describe('packages/core/src imports', () => {
  const graph = importGraph();

  it('finds the modules and their imports (the check below has something to check)', () => {
    expect(graph.get('host.ts')).toContain('app/create.ts');
    expect(graph.get('plugins/loader.ts')).toContain('index.ts');
  });

  it('have no cycle', () => {
    expect(findCycles(graph)).toEqual([]);
  });

  it('the plugin entry reaches none of the host: no manager, no app, no hot reloader, no storage driver', () => {
    const reached = [...reachable(graph, 'index.ts')];
    expect(reached.filter((f) => /^(app|hot)\/|plugins\/(manager|swap|loader|plan)\.ts|storage\/(sqlite|memory)\.ts|host\.ts/.test(f))).toEqual([]);
  });
});
