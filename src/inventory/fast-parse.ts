// The fast path of load.ts (issue 14): js-yaml parses a 10,000-host inventory about ten times
// faster than the `yaml` library, whose document model load.ts needs for its diagnostics.
// This parse returns the same data and the start offset of every mapping key and sequence
// item (what the locator reports), or undefined whenever it cannot vouch for that: any
// syntax error, alias, merge key, tag, directive, non-string key, or a node layout it did
// not follow. load.ts then parses with `yaml` as before, so every diagnostic of a document
// that is not plain keeps its exact text and position.
import { FAILSAFE_SCHEMA, load, Type } from 'js-yaml';
import type { DocPath } from './diagnostics';

// The YAML 1.2 core schema exactly as the `yaml` library resolves it (js-yaml's own core
// schema also reads 1_000 and 0b101 as numbers, which `yaml` keeps as strings).
const CORE_INT = /^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$/;
const CORE_FLOAT = /^(?:[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)|[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+|[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*))$/;
const CORE_NULL = /^(?:~|[Nn]ull|NULL)?$/;
const CORE_BOOL = /^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/;

// js-yaml tries every implicit type on every plain scalar (some 150,000 at 10,000 hosts):
// each resolver first rules out by length or first character what its pattern cannot match.

/** True when CODE (a first character) can start a number: a sign, a point or a digit. */
function canStartNumber(code: number): boolean {
  return code === 0x2b || code === 0x2d || code === 0x2e || (code >= 0x30 && code <= 0x39);
}

const coreNull = new Type('tag:yaml.org,2002:null', {
  kind: 'scalar',
  resolve: (text: string) => (text.length <= 1 || text.length === 4) && CORE_NULL.test(text),
  construct: () => null,
  predicate: (value: unknown) => value === null,
});
const coreBool = new Type('tag:yaml.org,2002:bool', {
  kind: 'scalar',
  resolve: (text: string) => (text.length === 4 || text.length === 5) && CORE_BOOL.test(text),
  construct: (text: string) => text[0] === 't' || text[0] === 'T',
  predicate: (value: unknown) => typeof value === 'boolean',
});
const coreInt = new Type('tag:yaml.org,2002:int', {
  kind: 'scalar',
  resolve: (text: string) => canStartNumber(text.charCodeAt(0)) && CORE_INT.test(text),
  construct: (text: string) =>
    text.startsWith('0o') ? parseInt(text.slice(2), 8) : text.startsWith('0x') ? parseInt(text.slice(2), 16) : Number(text),
  predicate: (value: unknown) => typeof value === 'number' && Number.isInteger(value),
});
const coreFloat = new Type('tag:yaml.org,2002:float', {
  kind: 'scalar',
  resolve: (text: string) => canStartNumber(text.charCodeAt(0)) && CORE_FLOAT.test(text),
  construct: (text: string) => {
    if (/nan/i.test(text)) return NaN;
    if (/inf/i.test(text)) return text.startsWith('-') ? -Infinity : Infinity;
    return Number(text);
  },
  predicate: (value: unknown) => typeof value === 'number',
});
const CORE_SCHEMA = FAILSAFE_SCHEMA.extend({ implicit: [coreNull, coreBool, coreInt, coreFloat] });

/** Text that may hold what the fast path does not follow: a tag, an alias, a directive. */
const NOT_PLAIN = /(?:^|[\s[{,])[!*]|^%/m;

export interface FastParse {
  data: unknown;
  /** The offset (in TEXT) of the node at PATH, as load.ts's locator finds it in the `yaml` document. */
  offsetOf: (path: DocPath) => number | undefined;
}

export function fastParse(text: string): FastParse | undefined {
  if (NOT_PLAIN.test(text)) return undefined;
  // js-yaml drops a leading byte-order mark before counting offsets; `yaml` counts it.
  const shift = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  // About one node per 10 characters in an inventory (a 10,000-host fleet: 315,000 nodes in 3 MB).
  const tree = new NodeTree(text.length >> 3);
  // The open nodes, innermost last, with what their close needs to know of their children.
  const open: number[] = [SENTINEL];
  const childCount: number[] = [0];
  const firstChildResult: unknown[] = [undefined];
  let plain = true;
  let data: unknown;
  try {
    data = load(text, {
      schema: CORE_SCHEMA,
      listener(event, state) {
        if (!plain) return;
        if (event === 'open') {
          open.push(tree.add(state.position + shift));
          childCount.push(0);
          firstChildResult.push(undefined);
          return;
        }
        const node = open.pop()!;
        const count = childCount.pop()!;
        const onlyChildResult = firstChildResult.pop();
        const result = state.result;
        let next = state.position;
        while (state.input[next] === ' ' || state.input[next] === '\t') next++;
        if (state.input[next] === ':') {
          if (typeof result !== 'string') plain = false;
          else tree.markKey(node, result);
        } else if (!tree.index(node, result, count, onlyChildResult)) {
          plain = false;
        }
        const parent = open[open.length - 1]!;
        tree.link(parent, node);
        const depth = childCount.length - 1;
        if (childCount[depth]! === 0) firstChildResult[depth] = result;
        childCount[depth] = childCount[depth]! + 1;
      },
    });
  } catch {
    return undefined;
  }
  const root = tree.lastChild(SENTINEL);
  if (!plain || root === NONE) return undefined;
  return { data, offsetOf: (path) => tree.offsetOf(root, path) };
}

/** No node: the end of a list of children, or a mapping key without a value. */
const NONE = -1;
/** The parent of the document's top-level node. */
const SENTINEL = 0;

const enum NodeKind {
  /** A scalar, or a collection whose children offsetOf never reads. */
  Other = 0,
  /** A mapping key (the next character after blanks is `:`); its name is in keyNames. */
  Key = 1,
  Sequence = 2,
  /** A mapping: its children are keys, each followed by its value unless the value is empty. */
  Mapping = 3,
  /** A mapping that js-yaml read through its only child (a mapping tried first as a key). */
  MappingThroughChild = 4,
}

/** Mappings with more children (keys and values) than this are indexed by name on their first lookup. */
const INDEXED_MAPPING_CHILDREN = 32;

/**
 * The nodes as the fast parse saw them, in the order they opened: numbers in typed arrays
 * (a 10,000-host inventory has some 300,000 nodes; an object, array and Map per node held
 * twice the memory of the data itself, and the garbage collector copied it all), plus the
 * name of each mapping key.
 */
class NodeTree {
  private count = 1;
  private start: Int32Array;
  private kind: Uint8Array;
  private firstChild: Int32Array;
  private lastChildOf: Int32Array;
  private nextSibling: Int32Array;
  /** Each node's name when it is a mapping key, else ''. */
  private readonly keyNames: string[] = [''];
  /** Large mappings by name, built on their first lookup: key name → key node. */
  private readonly keysByName = new Map<number, Map<string, number>>();

  constructor(capacity: number) {
    const size = Math.max(64, capacity);
    this.start = new Int32Array(size);
    this.kind = new Uint8Array(size);
    this.firstChild = new Int32Array(size).fill(NONE);
    this.lastChildOf = new Int32Array(size).fill(NONE);
    this.nextSibling = new Int32Array(size).fill(NONE);
  }

  add(start: number): number {
    if (this.count === this.start.length) this.grow();
    const node = this.count++;
    this.start[node] = start;
    this.keyNames.push('');
    return node;
  }

  private grow(): void {
    const size = this.start.length * 2;
    const widen = <T extends Int32Array | Uint8Array>(old: T, fresh: T, fill: number): T => {
      fresh.fill(fill, old.length);
      fresh.set(old);
      return fresh;
    };
    this.start = widen(this.start, new Int32Array(size), 0);
    this.kind = widen(this.kind, new Uint8Array(size), NodeKind.Other);
    this.firstChild = widen(this.firstChild, new Int32Array(size), NONE);
    this.lastChildOf = widen(this.lastChildOf, new Int32Array(size), NONE);
    this.nextSibling = widen(this.nextSibling, new Int32Array(size), NONE);
  }

  /** Appends closed NODE to PARENT's children. */
  link(parent: number, node: number): void {
    const last = this.lastChildOf[parent]!;
    if (last === NONE) this.firstChild[parent] = node;
    else this.nextSibling[last] = node;
    this.lastChildOf[parent] = node;
  }

  lastChild(node: number): number {
    return this.lastChildOf[node]!;
  }

  markKey(node: number, name: string): void {
    this.kind[node] = NodeKind.Key;
    this.keyNames[node] = name;
  }

  /**
   * Records what closed NODE is, from its RESULT and its COUNT children: a sequence's items
   * one each, a mapping's keys in order, each followed by its value (none for an empty
   * value). False when they do not line up (a layout this parse did not follow: load.ts
   * takes the `yaml` path).
   */
  index(node: number, result: unknown, count: number, onlyChildResult: unknown): boolean {
    if (Array.isArray(result)) {
      this.kind[node] = NodeKind.Sequence;
      return count === result.length;
    }
    if (typeof result !== 'object' || result === null) return true;
    const first = this.firstChild[node]!;
    if (count === 1 && onlyChildResult === result && this.kind[first] !== NodeKind.Key) {
      const through = this.kind[first];
      this.kind[node] = NodeKind.MappingThroughChild;
      return through === NodeKind.Mapping || through === NodeKind.MappingThroughChild;
    }
    let keys = 0;
    let previousWasKey = false;
    for (let child = first; child !== NONE; child = this.nextSibling[child]!) {
      if (this.kind[child] === NodeKind.Key) {
        const name = this.keyNames[child]!;
        if (name === '<<' || !Object.prototype.hasOwnProperty.call(result, name)) return false;
        keys += 1;
        previousWasKey = true;
      } else {
        // A value must follow its key: two values in a row, or one first, is not a layout this parse knows.
        if (!previousWasKey) return false;
        previousWasKey = false;
      }
    }
    // js-yaml refuses a duplicate key, so as many keys as the mapping has, each one of its
    // own, are its keys once each.
    if (keys !== Object.keys(result).length) return false;
    this.kind[node] = NodeKind.Mapping;
    return true;
  }

  /** The offset of the node at PATH below ROOT, or of its nearest ancestor in the document. */
  offsetOf(root: number, path: DocPath): number {
    let node = root;
    let offset = this.start[root]!;
    for (const part of path) {
      while (this.kind[node] === NodeKind.MappingThroughChild) node = this.firstChild[node]!;
      if (this.kind[node] === NodeKind.Mapping) {
        const key = this.keyNamed(node, String(part));
        if (key === NONE) break;
        offset = this.start[key]!;
        const value = this.nextSibling[key]!;
        if (value === NONE || this.kind[value] === NodeKind.Key) break;
        node = value;
      } else if (this.kind[node] === NodeKind.Sequence) {
        const position = Number(part);
        if (!Number.isInteger(position) || position < 0 || String(position) !== String(part)) break;
        const item = this.childAt(node, position);
        if (item === NONE) break;
        offset = this.start[item]!;
        node = item;
      } else {
        break;
      }
    }
    return offset;
  }

  private keyNamed(mapping: number, name: string): number {
    let index = this.keysByName.get(mapping);
    if (index === undefined) {
      let children = 0;
      let found = NONE;
      for (let child = this.firstChild[mapping]!; child !== NONE && children <= INDEXED_MAPPING_CHILDREN; child = this.nextSibling[child]!) {
        if (found === NONE && this.kind[child] === NodeKind.Key && this.keyNames[child] === name) found = child;
        children += 1;
      }
      if (children <= INDEXED_MAPPING_CHILDREN) return found;
      index = new Map();
      for (let child = this.firstChild[mapping]!; child !== NONE; child = this.nextSibling[child]!) {
        if (this.kind[child] === NodeKind.Key) index.set(this.keyNames[child]!, child);
      }
      this.keysByName.set(mapping, index);
    }
    return index.get(name) ?? NONE;
  }

  private childAt(sequence: number, position: number): number {
    let child = this.firstChild[sequence]!;
    for (let i = 0; i < position && child !== NONE; i++) child = this.nextSibling[child]!;
    return child;
  }
}
