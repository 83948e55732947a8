// The only reader of the inventory file. It turns YAML text into plain data and keeps
// a way back from a document path to the line and column it came from, so that every
// later stage can point at the offending node.
import { readFileSync, statSync } from 'node:fs';
import type { Document, Node, Pair, YAMLMap } from 'yaml';
import { InputError } from '../errors';
import { capDiagnostics, DiagnosticList, type DocPath, type Position } from './diagnostics';
import { fastParse } from './fast-parse';

/** The `yaml` library, loaded only when the fast parse steps aside (fast-parse.ts). */
function yamlLibrary(): typeof import('yaml') {
  return require('yaml') as typeof import('yaml');
}

/** Larger inventories are refused before parsing: a fleet of 10,000 hosts is about 3 MiB. */
export const MAX_INVENTORY_BYTES = 16 * 1024 * 1024;
/**
 * Alias expansions allowed when building data; stops "billion laughs" documents. The library
 * counts each use of an anchor times the aliases inside it, so 10,000 hosts that each merge
 * one group (`<<: *common`) cost 10,000, while nested aliases multiply past the limit.
 */
const MAX_ALIAS_COUNT = 100_000;
/** The YAML merge key: `<<: *group` copies the keys of an anchored mapping into this one. */
const MERGE_KEY = '<<';
/** Top-level keys that kindling ignores, so that they can hold anchors (as in Compose files). */
export const EXTENSION_KEY = /^x-/;

export interface LoadedInventory {
  file: string;
  data: unknown;
  locate: (path: DocPath) => Position | undefined;
}

/** Reads and parses FILE; throws InputError with located diagnostics when it is not usable YAML. */
export function loadInventory(file: string): LoadedInventory {
  return parseInventory(file, readInventoryText(file));
}

/** FILE's text, refused (InputError) when it cannot be read or is larger than MAX_INVENTORY_BYTES. */
export function readInventoryText(file: string): string {
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
  return readFileSync(file, 'utf8');
}

/** Parses inventory TEXT that came from FILE (the name is used in messages only). */
export function parseInventory(file: string, text: string): LoadedInventory {
  const fast = fastParse(text);
  if (fast !== undefined && fast.data !== null && fast.data !== undefined) {
    return { file, data: withoutExtensionKeys(fast.data), locate: offsetLocator(text, fast.offsetOf) };
  }
  return parseWithPositions(file, text);
}

/** A locator from a document path to a line and column, through OFFSET_OF; lines counted on first use. */
function offsetLocator(text: string, offsetOf: (path: DocPath) => number | undefined): (path: DocPath) => Position | undefined {
  let lineStarts: number[] | undefined;
  return (path) => {
    const offset = offsetOf(path);
    if (offset === undefined) return undefined;
    if (lineStarts === undefined) {
      lineStarts = [0];
      for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) lineStarts.push(i + 1);
    }
    // The last line start at or before OFFSET, as the yaml library's LineCounter.
    let low = 0;
    let high = lineStarts.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if (lineStarts[middle]! <= offset) low = middle;
      else high = middle - 1;
    }
    return { line: low + 1, column: offset - lineStarts[low]! + 1 };
  };
}

/** The `yaml` library's parse: every syntax error with its position, aliases, merge keys. */
export function parseWithPositions(file: string, text: string): LoadedInventory {
  const { LineCounter, parseDocument } = yamlLibrary();
  const lineCounter = new LineCounter();
  // uniqueKeys is checked below, in one pass: the library's own check is quadratic in the
  // number of keys of a mapping (10,000 hosts: seconds).
  const document = parseDocument(text, { lineCounter, uniqueKeys: false, prettyErrors: false, strict: true, merge: true });
  const toPosition = (offset: number): Position => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };
  const locate = createLocator(document, toPosition);
  const problems = new DiagnosticList(file, () => undefined);
  const tabLines = document.errors.filter((e) => e.code === 'TAB_AS_INDENT').map((e) => toPosition(e.pos[0]).line);
  for (const error of withDuplicateKeys(document, toPosition)) {
    // After the first tab, the other syntax errors are mostly the tabs' echo: one hint is enough.
    if (tabLines.length > 0 && error.code !== 'TAB_AS_INDENT' && toPosition(error.pos[0]).line > tabLines[0]!) continue;
    if (error.code === 'TAB_AS_INDENT') {
      // One hint for the whole file: a file indented with tabs fails on every line.
      if (toPosition(error.pos[0]).line !== tabLines[0]) continue;
      const others = tabLines.length - 1;
      problems.items.push({
        severity: 'error',
        file,
        position: toPosition(error.pos[0]),
        path: [],
        message: `invalid YAML: a line is indented with a tab${others > 0 ? ` (and ${others} more line${others === 1 ? '' : 's'})` : ''}`,
        hint: 'use spaces, not tabs: YAML does not allow tabs for indentation (most editors can convert them); other syntax errors after this line may come from the tabs',
      });
      continue;
    }
    problems.items.push({
      severity: 'error',
      file,
      position: toPosition(error.pos[0]),
      path: error.path ?? [],
      message: error.code === 'DUPLICATE_KEY' ? error.message : `invalid YAML: ${firstLine(error.message)}`,
      hint:
        error.code === 'DUPLICATE_KEY'
          ? 'YAML keeps only one of them; merge the two entries into one'
          : 'fix the YAML syntax at this place (indentation, a missing colon, an unclosed quote)',
    });
  }
  if (problems.items.length > 0) throw new InputError('the inventory is not valid YAML', capDiagnostics(problems.items));

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
        message: aliasBomb ? `too many YAML alias expansions (more than ${MAX_ALIAS_COUNT.toLocaleString('en-US')})` : message,
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
  return { file, data: withoutExtensionKeys(data), locate };
}

/** DATA without its top-level x- keys: they are the admin's anchors and notes, not settings. */
function withoutExtensionKeys(data: unknown): unknown {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return data;
  return Object.fromEntries(Object.entries(data).filter(([key]) => !EXTENSION_KEY.test(key)));
}

interface ParseError {
  code: string;
  pos: [number, number];
  message: string;
  /** For a duplicate key: the document path of the key. */
  path?: DocPath;
}

/**
 * The document's errors, with an error DUPLICATE_KEY at each key that repeats an earlier key
 * of the same mapping (scalar keys of equal value, as the yaml library's uniqueKeys), naming
 * the key and both lines, placed among the other errors in document order.
 */
function withDuplicateKeys(document: Document.Parsed, toPosition: (offset: number) => Position): ParseError[] {
  const { isMap, isScalar, isSeq } = yamlLibrary();
  const duplicates: ParseError[] = [];
  const walk = (node: unknown, path: DocPath): void => {
    if (isMap(node)) {
      const seen = new Map<unknown, number>();
      for (const pair of node.items) {
        const key = pair.key;
        const keyPath = isScalar(key) ? [...path, String(key.value)] : path;
        if (isScalar(key) && !Number.isNaN(key.value)) {
          // NaN !== NaN for the library too
          const start = key.range?.[0] ?? 0;
          const first = seen.get(key.value);
          if (first !== undefined) {
            const lines = `line ${toPosition(start).line} and line ${toPosition(first).line}`;
            const what = path.length === 1 && path[0] === 'hosts' ? `host '${String(key.value)}'` : `key '${String(key.value)}'`;
            duplicates.push({ code: 'DUPLICATE_KEY', pos: [start, start + 1], message: `${what} defined twice: ${lines}`, path: keyPath });
          } else {
            seen.set(key.value, start);
          }
        }
        walk(key, path);
        walk(pair.value, keyPath);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => walk(item, [...path, i]));
    }
  };
  walk(document.contents, []);
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
function createLocator(document: Document.Parsed, toPosition: (offset: number) => Position): (path: DocPath) => Position | undefined {
  const { isAlias, isMap, isPair, isScalar, isSeq } = yamlLibrary();
  const root = document.contents as Node | null;
  const indexes = new WeakMap<object, Map<string, Pair>>();
  // A key written in the mapping wins; else the first merged mapping (`<<: *group` or a list
  // of them) that has it, so a merged value points at its line in the anchored group.
  const entry = (map: YAMLMap, name: string, depth = 0): Pair | undefined => {
    let index = indexes.get(map);
    if (index === undefined) {
      index = new Map();
      for (const pair of map.items) {
        if (!isPair(pair)) continue;
        const keyNode = pair.key as Node | null;
        // With merge keys on, the library holds `<<` as a symbol: String() gives "Symbol(<<)".
        const key = isScalar(keyNode) ? (typeof keyNode.value === 'symbol' ? MERGE_KEY : String(keyNode.value)) : String(keyNode);
        if (!index.has(key)) index.set(key, pair);
      }
      indexes.set(map, index);
    }
    const own = index.get(name);
    if (own !== undefined || depth > 10) return own;
    const merge = index.get(MERGE_KEY)?.value;
    const groups = isSeq(merge) ? merge.items : [merge];
    for (const group of groups) {
      const resolved = isAlias(group) ? group.resolve(document) : group;
      const found = isMap(resolved) ? entry(resolved, name, depth + 1) : undefined;
      if (found !== undefined) return found;
    }
    return undefined;
  };
  return (path) => {
    let node: unknown = root;
    let offset = root?.range?.[0];
    for (const part of path) {
      if (isAlias(node)) node = node.resolve(document);
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
