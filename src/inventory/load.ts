// The only reader of the inventory file. It turns YAML text into plain data and keeps
// a way back from a document path to the line and column it came from, so that every
// later stage can point at the offending node.
import { readFileSync, statSync } from 'node:fs';
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node, type Pair, type YAMLMap } from 'yaml';
import { InputError } from '../errors';
import { DiagnosticList, type DocPath, type Position } from './diagnostics';

/** Larger inventories are refused before parsing: a fleet of 10,000 hosts is about 3 MiB. */
export const MAX_INVENTORY_BYTES = 16 * 1024 * 1024;
/** Alias expansions allowed when building data; stops "billion laughs" documents. */
const MAX_ALIAS_COUNT = 100;

export interface LoadedInventory {
  file: string;
  data: unknown;
  locate: (path: DocPath) => Position | undefined;
}

/** Reads and parses FILE; throws InputError with located diagnostics when it is not usable YAML. */
export function loadInventory(file: string): LoadedInventory {
  let size: number;
  try {
    size = statSync(file).size;
  } catch (error) {
    throw new InputError(`${file}: cannot read the inventory: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  if (size > MAX_INVENTORY_BYTES) {
    const mib = (n: number): string => (n / 1024 / 1024).toFixed(1);
    throw new InputError(
      `${file}: error: the file is ${mib(size)} MiB; kindling reads inventories of at most ${mib(MAX_INVENTORY_BYTES)} MiB\n` +
        '  hint: a fleet of 10,000 hosts takes about 3 MiB; is this the right file?',
    );
  }
  return parseInventory(file, readFileSync(file, 'utf8'));
}

/** Parses inventory TEXT that came from FILE (the name is used in messages only). */
export function parseInventory(file: string, text: string): LoadedInventory {
  const lineCounter = new LineCounter();
  // uniqueKeys is checked below, in one pass: the library's own check is quadratic in the
  // number of keys of a mapping (10,000 hosts: seconds).
  const document = parseDocument(text, { lineCounter, uniqueKeys: false, prettyErrors: false, strict: true });
  const toPosition = (offset: number): Position => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };
  const locate = createLocator(document.contents as Node | null, toPosition);
  const problems = new DiagnosticList(file, () => undefined);
  for (const error of withDuplicateKeys(document)) {
    const what = error.code === 'DUPLICATE_KEY' ? 'a key appears twice in the same mapping' : firstLine(error.message);
    const hint =
      error.code === 'DUPLICATE_KEY'
        ? 'YAML keeps only one of them; merge the two entries into one'
        : 'fix the YAML syntax at this place (indentation, a missing colon, an unclosed quote)';
    problems.items.push({
      severity: 'error',
      file,
      position: toPosition(error.pos[0]),
      path: [],
      message: `invalid YAML: ${what}`,
      hint,
    });
  }
  if (problems.items.length > 0) throw new InputError('the inventory is not valid YAML', problems.items);

  let data: unknown;
  try {
    data = document.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const aliasBomb = /alias/i.test(message);
    throw new InputError('the inventory cannot be read', [
      {
        severity: 'error',
        file,
        position: { line: 1, column: 1 },
        path: [],
        message: aliasBomb ? `too many YAML alias expansions (more than ${MAX_ALIAS_COUNT})` : message,
        hint: aliasBomb ? 'write the repeated settings once under defaults: instead of nesting aliases' : 'check the YAML structure',
      },
    ]);
  }
  if (data === null || data === undefined) {
    throw new InputError('the inventory is empty', [
      {
        severity: 'error',
        file,
        position: { line: 1, column: 1 },
        path: [],
        message: 'the inventory is empty: expected a mapping with version, fleet and hosts',
        hint: 'run `kindling init` to write a commented starter inventory',
      },
    ]);
  }
  return { file, data, locate };
}

interface ParseError {
  code: string;
  pos: [number, number];
  message: string;
}

/**
 * The document's errors, with an error DUPLICATE_KEY at each key that repeats an earlier key
 * of the same mapping, as the yaml library reports with uniqueKeys (scalar keys of equal
 * value), placed among the other errors in document order.
 */
function withDuplicateKeys(document: Document.Parsed): ParseError[] {
  const duplicates: ParseError[] = [];
  const walk = (node: unknown): void => {
    if (isMap(node)) {
      const seen = new Set<unknown>();
      for (const pair of node.items) {
        const key = pair.key;
        if (isScalar(key) && !Number.isNaN(key.value)) {
          // NaN !== NaN for the library too
          if (seen.has(key.value)) {
            const start = key.range?.[0] ?? 0;
            duplicates.push({ code: 'DUPLICATE_KEY', pos: [start, start + 1], message: 'Map keys must be unique' });
          }
          seen.add(key.value);
        }
        walk(key);
        walk(pair.value);
      }
    } else if (isSeq(node)) {
      for (const item of node.items) walk(item);
    }
  };
  walk(document.contents);
  if (duplicates.length === 0) return document.errors;
  duplicates.sort((a, b) => a.pos[0] - b.pos[0]);
  const merged: ParseError[] = [];
  let next = 0;
  for (const error of document.errors) {
    while (next < duplicates.length && duplicates[next]!.pos[0] < error.pos[0]) merged.push(duplicates[next++]!);
    merged.push(error);
  }
  return merged.concat(duplicates.slice(next));
}

function firstLine(message: string): string {
  return message.split('\n')[0] ?? message;
}

/**
 * Finds the position of a document path by walking down from the root: the key of a mapping
 * entry, the start of a sequence item. Each mapping is indexed by key on first use only, so
 * a lookup costs the depth of the path, not the size of the document (10,000 hosts). A path
 * that is not in the document (a missing property) falls back to its nearest existing ancestor.
 */
function createLocator(root: Node | null, toPosition: (offset: number) => Position): (path: DocPath) => Position | undefined {
  const indexes = new WeakMap<object, Map<string, Pair>>();
  const entry = (map: YAMLMap, name: string): Pair | undefined => {
    let index = indexes.get(map);
    if (index === undefined) {
      index = new Map();
      for (const pair of map.items) {
        if (!isPair(pair)) continue;
        const keyNode = pair.key as Node | null;
        const key = isScalar(keyNode) ? String(keyNode.value) : String(keyNode);
        if (!index.has(key)) index.set(key, pair);
      }
      indexes.set(map, index);
    }
    return index.get(name);
  };
  return (path) => {
    let node: unknown = root;
    let offset = root?.range?.[0];
    for (const part of path) {
      if (isMap(node)) {
        const pair = entry(node, String(part));
        if (!pair) break;
        offset = (pair.key as Node | null)?.range?.[0] ?? (pair.value as Node | null)?.range?.[0] ?? offset;
        node = pair.value;
      } else if (isSeq(node)) {
        const item = node.items[Number(part)] as Node | null | undefined;
        if (item === undefined || String(Number(part)) !== String(part)) break;
        offset = item?.range?.[0] ?? offset;
        node = item;
      } else {
        break;
      }
    }
    return offset === undefined ? undefined : toPosition(offset);
  };
}
