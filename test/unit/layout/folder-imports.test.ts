// The folders of src/ form layers: each imports only from folders below it, never in a loop
// (inventory/ once imported plan/ while plan/ imported inventory/). This reads the imports of
// every src/**/*.ts file, maps them to folders (a file directly in src/ is its own node), and
// fails with the loop it finds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { REPO_ROOT } from '../support/cli';

const SRC = join(REPO_ROOT, 'src');

/** Edges of the import graph that are allowed to close a loop, each with its reason. */
// Type-only edges that may close a loop, by "from -> to" (none today: Diagnostic, which
// InputError carries, lives in errors.ts below every folder).
const TYPE_ONLY_ALLOWED = new Map<string, string>([]);

interface Edge {
  from: string;
  to: string;
  file: string;
  typeOnly: boolean;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

/** The folder of src/ a file belongs to: its first path part ("plan"), or the file itself ("cli.ts"). */
function nodeOf(file: string): string {
  return relative(SRC, file).split(sep)[0]!;
}

/** Every relative import and re-export of FILE, with whether it is type-only. */
export function importsOf(text: string): { specifier: string; typeOnly: boolean }[] {
  const found: { specifier: string; typeOnly: boolean }[] = [];
  const pattern = /^\s*(import|export)\s+(type\s+)?([^'"]*?)\s*(?:from\s+)?['"](\.[^'"]+)['"]/gms;
  for (const match of text.matchAll(pattern)) found.push({ specifier: match[4]!, typeOnly: match[2] !== undefined });
  return found;
}

function edges(): Edge[] {
  const out: Edge[] = [];
  for (const file of sourceFiles(SRC)) {
    for (const { specifier, typeOnly } of importsOf(readFileSync(file, 'utf8'))) {
      const target = resolve(dirname(file), specifier);
      const from = nodeOf(file);
      const to = nodeOf(`${target}.ts`);
      if (from !== to) out.push({ from, to, file: relative(REPO_ROOT, file), typeOnly });
    }
  }
  return out;
}

/** A loop in the graph as a list of nodes (first = last), or undefined when there is none. */
export function findLoop(graph: Map<string, Set<string>>): string[] | undefined {
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string): string[] | undefined => {
    state.set(node, 'open');
    stack.push(node);
    for (const next of [...(graph.get(node) ?? [])].sort()) {
      if (state.get(next) === 'open') return [...stack.slice(stack.indexOf(next)), next];
      if (state.get(next) === undefined) {
        const loop = visit(next);
        if (loop) return loop;
      }
    }
    stack.pop();
    state.set(node, 'done');
    return undefined;
  };
  for (const node of [...graph.keys()].sort()) {
    if (state.get(node) === undefined) {
      const loop = visit(node);
      if (loop) return loop;
    }
  }
  return undefined;
}

function graphOf(list: Edge[]): Map<string, Set<string>> {
  const graph = new Map<string, Set<string>>();
  for (const e of list) graph.set(e.from, (graph.get(e.from) ?? new Set()).add(e.to));
  return graph;
}

function describe(loop: string[], list: Edge[]): string {
  const steps = loop.slice(1).map((to, i) => {
    const from = loop[i]!;
    const files = list.filter((e) => e.from === from && e.to === to).map((e) => e.file);
    return `${from} -> ${to} (${[...new Set(files)].join(', ')})`;
  });
  return `import loop between folders of src/:\n  ${steps.join('\n  ')}`;
}

test('the loop finder finds a loop and accepts a layered graph', () => {
  const loop = findLoop(new Map([['inventory', new Set(['plan'])], ['plan', new Set(['inventory', 'parse'])], ['parse', new Set<string>()]]));
  assert.deepEqual(loop, ['inventory', 'plan', 'inventory']);
  assert.equal(findLoop(new Map([['inventory', new Set(['parse'])], ['plan', new Set(['inventory', 'parse'])]])), undefined);
});

test('the import reader sees value, type-only and re-export imports, over several lines', () => {
  const text = "import { a } from '../plan/x';\nimport type { B } from './y';\nexport { c } from '../parse/z';\nimport {\n  d,\n  e,\n} from '../format/w';\nimport { f } from 'node:fs';\n";
  assert.deepEqual(importsOf(text), [
    { specifier: '../plan/x', typeOnly: false },
    { specifier: './y', typeOnly: true },
    { specifier: '../parse/z', typeOnly: false },
    { specifier: '../format/w', typeOnly: false },
  ]);
});

test('no folder of src/ imports (even a type) from a folder that imports it back', () => {
  const list = edges();
  assert.ok(list.some((e) => e.from === 'plan' && e.to === 'inventory'), 'the import reader found no plan -> inventory edge; it is broken');
  const allowed = list.filter((e) => !(TYPE_ONLY_ALLOWED.has(`${e.from} -> ${e.to}`) && e.typeOnly));
  const loop = findLoop(graphOf(allowed));
  assert.equal(loop, undefined, loop && describe(loop, allowed));
});

test('no folder of src/ imports a value from a folder that imports it back', () => {
  const values = edges().filter((e) => !e.typeOnly);
  const loop = findLoop(graphOf(values));
  assert.equal(loop, undefined, loop && describe(loop, values));
});

test('inventory/ and plan/ share their parsing helpers through parse/, which imports neither', () => {
  const list = edges();
  assert.deepEqual(list.filter((e) => e.from === 'inventory' && e.to === 'plan'), []);
  assert.deepEqual(list.filter((e) => e.from === 'parse' || e.from === 'format').map((e) => `${e.file} -> ${e.to}`), []);
});
