// The fast path of load.ts (issue 14): js-yaml parses a 10,000-host inventory about ten times
// faster than the `yaml` library, whose document model load.ts needs for its diagnostics.
// This parse returns the same data and the start offset of every mapping key and sequence
// item (what the locator reports), or undefined whenever it cannot vouch for that: any
// syntax error, alias, merge key, tag, directive, non-string key, or a node layout it did
// not follow. load.ts then parses with `yaml` as before, so every diagnostic of a document
// that is not plain keeps its exact text and position.
import { FAILSAFE_SCHEMA, load, Type } from 'js-yaml';
import type { DocPath } from './diagnostics';

/** A node of the document as the fast parse saw it: where it starts, and its children. */
interface NodeRecord {
  start: number;
  /** True for a mapping key (the next character after blanks is `:`). */
  isKey: boolean;
  isSequence?: boolean;
  result: unknown;
  children: NodeRecord[];
  /** For a mapping: key name → [offset of the key, the value's record]. */
  entries?: Map<string, { keyStart: number; value: NodeRecord | undefined }>;
}

// The YAML 1.2 core schema exactly as the `yaml` library resolves it (js-yaml's own core
// schema also reads 1_000 and 0b101 as numbers, which `yaml` keeps as strings).
const CORE_INT = /^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$/;
const CORE_FLOAT = /^(?:[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)|[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+|[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*))$/;
const CORE_NULL = /^(?:~|[Nn]ull|NULL)?$/;
const CORE_BOOL = /^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/;

const coreNull = new Type('tag:yaml.org,2002:null', {
  kind: 'scalar',
  resolve: (text: string) => CORE_NULL.test(text),
  construct: () => null,
  predicate: (value: unknown) => value === null,
});
const coreBool = new Type('tag:yaml.org,2002:bool', {
  kind: 'scalar',
  resolve: (text: string) => CORE_BOOL.test(text),
  construct: (text: string) => text[0] === 't' || text[0] === 'T',
  predicate: (value: unknown) => typeof value === 'boolean',
});
const coreInt = new Type('tag:yaml.org,2002:int', {
  kind: 'scalar',
  resolve: (text: string) => CORE_INT.test(text),
  construct: (text: string) =>
    text.startsWith('0o') ? parseInt(text.slice(2), 8) : text.startsWith('0x') ? parseInt(text.slice(2), 16) : Number(text),
  predicate: (value: unknown) => typeof value === 'number' && Number.isInteger(value),
});
const coreFloat = new Type('tag:yaml.org,2002:float', {
  kind: 'scalar',
  resolve: (text: string) => CORE_FLOAT.test(text),
  construct: (text: string) => {
    if (/nan/i.test(text)) return NaN;
    if (/inf/i.test(text)) return text.startsWith('-') ? -Infinity : Infinity;
    return Number(text);
  },
  predicate: (value: unknown) => typeof value === 'number',
});
const CORE_SCHEMA = FAILSAFE_SCHEMA.extend({ implicit: [coreNull, coreBool, coreInt, coreFloat] });

const NO_CHILDREN: NodeRecord[] = [];

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
  const stack: NodeRecord[] = [{ start: 0, isKey: false, result: undefined, children: [] }];
  let plain = true;
  let data: unknown;
  try {
    data = load(text, {
      schema: CORE_SCHEMA,
      listener(event, state) {
        if (!plain) return;
        if (event === 'open') {
          stack.push({ start: state.position + shift, isKey: false, result: undefined, children: [] });
          return;
        }
        const record = stack.pop()!;
        record.result = state.result;
        let next = state.position;
        while (state.input[next] === ' ' || state.input[next] === '\t') next++;
        record.isKey = state.input[next] === ':';
        if (record.isKey && typeof record.result !== 'string') plain = false;
        else if (!indexChildren(record)) plain = false;
        // Kept for the whole run (a warning may need a position): only what offsetOf reads.
        for (const child of record.children) if (!child.isKey) child.result = undefined;
        record.isSequence = Array.isArray(record.result);
        if (!record.isSequence) record.children = NO_CHILDREN;
        stack[stack.length - 1]!.children.push(record);
      },
    });
  } catch {
    return undefined;
  }
  const root = stack[0]!.children.at(-1);
  if (!plain || root === undefined) return undefined;
  return {
    data,
    offsetOf(path) {
      let record = root;
      let offset: number | undefined = root.start;
      for (const part of path) {
        if (record.entries) {
          const entry = record.entries.get(String(part));
          if (!entry) break;
          offset = entry.keyStart;
          if (!entry.value) break;
          record = entry.value;
        } else if (record.isSequence) {
          const item = record.children[Number(part)];
          if (item === undefined || String(Number(part)) !== String(part)) break;
          offset = item.start;
          record = item;
        } else {
          break;
        }
      }
      return offset;
    },
  };
}

/**
 * Pairs a closed collection's children with its data: a sequence's items one each, a
 * mapping's keys in order, each followed by its value (none for an empty value). False when
 * they do not line up (a layout this parse did not follow: load.ts takes the `yaml` path).
 */
function indexChildren(record: NodeRecord): boolean {
  const { result, children } = record;
  if (Array.isArray(result)) return children.length === result.length;
  if (typeof result !== 'object' || result === null) return true;
  // A node that js-yaml reads through an inner node (a mapping tried first as a key): one
  // child with the same result, whose entries are this node's.
  if (children.length === 1 && children[0]!.result === result && !children[0]!.isKey) {
    record.entries = children[0]!.entries;
    return record.entries !== undefined;
  }
  const keys = Object.keys(result);
  const entries = new Map<string, { keyStart: number; value: NodeRecord | undefined }>();
  let previousKey: string | undefined;
  for (const child of children) {
    if (child.isKey) {
      const name = child.result as string;
      if (name === '<<' || entries.has(name)) return false;
      entries.set(name, { keyStart: child.start, value: undefined });
      previousKey = name;
    } else {
      const entry = previousKey === undefined ? undefined : entries.get(previousKey);
      if (entry === undefined || entry.value !== undefined) return false;
      entry.value = child;
    }
  }
  if (entries.size !== keys.length || keys.some((key) => !entries.has(key))) return false;
  record.entries = entries;
  return true;
}
