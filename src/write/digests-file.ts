// The digests file of the last generate (write-dist.ts's HostDigests), read a host's entry at
// a time. Parsed whole, the file of 10,000 hosts (11 MB) was 22 MB of objects, made before
// the first host was rendered and held while the hosts were: the peak of a generate that
// renders every host again over an existing tree (bench/README.md, twelfth session). Here the
// file is read once to find where each entry is, and an entry is read again, and parsed, only
// when its host asks for it.
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { sha256Hex } from '../render/sha256-sums';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const COLON = 0x3a;
const COMMA = 0x2c;

type Range = [start: number, end: number];

class NotJson extends Error {}

function isSpace(byte: number | undefined): boolean {
  return byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;
}

function skipSpace(bytes: Buffer, at: number): number {
  while (isSpace(bytes[at])) at += 1;
  return at;
}

/** The index just after the JSON string whose opening quote is at AT. */
function stringEnd(bytes: Buffer, at: number): number {
  for (let quote = bytes.indexOf(QUOTE, at + 1); quote !== -1; quote = bytes.indexOf(QUOTE, quote + 1)) {
    // Escaped when an odd number of backslashes stand before it.
    let backslashes = 0;
    while (bytes[quote - 1 - backslashes] === BACKSLASH) backslashes += 1;
    if (backslashes % 2 === 0) return quote + 1;
  }
  throw new NotJson('a string does not end');
}

/** The index just after the JSON value that starts at AT (its inside is not checked: see eachMember). */
function valueEnd(bytes: Buffer, at: number): number {
  const first = bytes[at];
  if (first === QUOTE) return stringEnd(bytes, at);
  if (first !== OPEN_BRACE && first !== OPEN_BRACKET) {
    let i = at;
    while (i < bytes.length && bytes[i] !== COMMA && bytes[i] !== CLOSE_BRACE && bytes[i] !== CLOSE_BRACKET && !isSpace(bytes[i])) i += 1;
    if (i === at) throw new NotJson('a value is missing');
    return i;
  }
  let depth = 0;
  for (let i = at; i < bytes.length; i += 1) {
    const byte = bytes[i];
    if (byte === QUOTE) i = stringEnd(bytes, i) - 1;
    else if (byte === OPEN_BRACE || byte === OPEN_BRACKET) depth += 1;
    else if ((byte === CLOSE_BRACE || byte === CLOSE_BRACKET) && --depth === 0) return i + 1;
  }
  throw new NotJson('an object or array does not end');
}

/**
 * Calls MEMBER for each member of the JSON object whose opening brace is at AT, with its key's
 * bytes and where its value starts; MEMBER returns where the value ends. Returns the index
 * just after the object. Only the object's own structure is checked: a value is checked by
 * whoever parses it.
 */
function eachMember(bytes: Buffer, at: number, member: (key: Range, value: number) => number): number {
  if (bytes[at] !== OPEN_BRACE) throw new NotJson('an object was expected');
  let i = skipSpace(bytes, at + 1);
  if (bytes[i] === CLOSE_BRACE) return i + 1;
  for (;;) {
    if (bytes[i] !== QUOTE) throw new NotJson('a key was expected');
    const key: Range = [i, stringEnd(bytes, i)];
    i = skipSpace(bytes, key[1]);
    if (bytes[i] !== COLON) throw new NotJson('a colon was expected');
    i = skipSpace(bytes, member(key, skipSpace(bytes, i + 1)));
    if (bytes[i] === CLOSE_BRACE) return i + 1;
    if (bytes[i] !== COMMA) throw new NotJson('a comma or a closing brace was expected');
    i = skipSpace(bytes, i + 1);
  }
}

/** The members of the JSON object at AT, by name: each value's bytes. */
function members(bytes: Buffer, at: number): Map<unknown, Range> {
  const found = new Map<unknown, Range>();
  eachMember(bytes, at, (key, value) => {
    const end = valueEnd(bytes, value);
    found.set(parseRange(bytes, key), [value, end]);
    return end;
  });
  return found;
}

/** How the run's member begins, as generate writes it (HostDigests.save in write-dist.ts). */
export const RUN_MEMBER = '"run":{"digest":';

/**
 * False when BYTES, a digests file, cannot hold a run stamped with DIGEST. Any other run, which
 * is every run that renders, is told without finding where each entry is: the run's member is
 * written last, and no JSON string holds RUN_MEMBER (its quotes would be escaped), so the last
 * one is the run's, or, in a file without a run, a host folder's named "run", whose digest (a
 * host's) is never a run's. True says only that the file may hold it.
 */
function mayHoldRun(bytes: Buffer, digest: string): boolean {
  const at = bytes.lastIndexOf(RUN_MEMBER);
  const quoted = Buffer.from(JSON.stringify(digest), 'utf8');
  return at !== -1 && bytes.subarray(at + RUN_MEMBER.length, at + RUN_MEMBER.length + quoted.length).equals(quoted);
}

function parseRange(bytes: Buffer, [start, end]: Range): unknown {
  return JSON.parse(bytes.toString('utf8', start, end));
}

/**
 * The digests file at PATH: { version: 2, hosts: { FOLDER: ENTRY, … }, run?: { digest, stderr } },
 * its hosts' entries read when asked for. Open while they may be asked for: close() it.
 */
export class DigestsFile {
  /** Each host folder's entry: where its bytes are in the file. */
  private readonly entries: Map<string, Range>;
  private fd: number | undefined;

  private constructor(
    fd: number,
    /** The file's SHA-256. */
    readonly digest: string,
    entries: Map<string, Range>,
    /** The run stamped in the file: its digest and its warnings' SHA-256 (the text is read again by runStderr). */
    readonly run: { digest: string; stderrDigest: string; stderr: Range } | undefined,
  ) {
    this.entries = entries;
    this.fd = fd;
  }

  /**
   * The file at PATH, or undefined when there is none, or it is not a version 2 digests file
   * (a cache: a file that cannot be read only costs a render), or, with RUN_DIGEST, when it
   * cannot hold a run stamped with it.
   */
  static open(path: string, runDigest?: string): DigestsFile | undefined {
    let fd: number;
    let bytes: Buffer;
    try {
      fd = openSync(path, 'r');
    } catch {
      return undefined;
    }
    try {
      bytes = readFileSync(fd);
      if (runDigest !== undefined && !mayHoldRun(bytes, runDigest)) {
        closeSync(fd);
        return undefined;
      }
      // The file's members, but each host's entry only found, not parsed: the hosts are the
      // file, and their entries are read again when asked for (entry()).
      const top = new Map<unknown, Range>();
      const entries = new Map<string, Range>();
      const root = skipSpace(bytes, 0);
      const rootEnd = eachMember(bytes, root, (key, value) => {
        const name = parseRange(bytes, key);
        if (name === 'hosts') {
          entries.clear(); // a name given twice: the last one counts, as in JSON.parse
          const end = eachMember(bytes, value, (host, entry) => {
            const entryEnd = valueEnd(bytes, entry);
            entries.set(parseRange(bytes, host) as string, [entry, entryEnd]);
            return entryEnd;
          });
          top.set(name, [value, end]);
          return end;
        }
        const end = valueEnd(bytes, value);
        top.set(name, [value, end]);
        return end;
      });
      // Nothing but white space after the file's object, as JSON.parse would have it.
      if (skipSpace(bytes, rootEnd) !== bytes.length) throw new NotJson('more than one value');
      const version = top.get('version');
      if (version === undefined || parseRange(bytes, version) !== 2 || !top.has('hosts')) {
        closeSync(fd);
        return undefined;
      }
      const runRange = top.get('run');
      let run: DigestsFile['run'];
      if (runRange !== undefined && bytes[runRange[0]] === OPEN_BRACE) {
        const runMembers = members(bytes, runRange[0]);
        const digest = runMembers.get('digest');
        const stderr = runMembers.get('stderr');
        const digestValue = digest && parseRange(bytes, digest);
        const stderrValue = stderr && parseRange(bytes, stderr);
        if (typeof digestValue === 'string' && typeof stderrValue === 'string') run = { digest: digestValue, stderrDigest: sha256Hex(stderrValue), stderr: stderr! };
      }
      return new DigestsFile(fd, sha256Hex(bytes), entries, run);
    } catch (error) {
      closeSync(fd);
      if (error instanceof NotJson || error instanceof SyntaxError) return undefined;
      throw error;
    }
  }

  /** How many host folders the file has entries for. */
  get size(): number {
    return this.entries.size;
  }

  has(folder: string): boolean {
    return this.entries.has(folder);
  }

  folders(): IterableIterator<string> {
    return this.entries.keys();
  }

  /** FOLDER's entry, parsed; undefined when the file has none, or it is not JSON. */
  entry(folder: string): unknown {
    const range = this.entries.get(folder);
    if (range === undefined) return undefined;
    try {
      return parseRange(this.read(range), [0, range[1] - range[0]]);
    } catch (error) {
      if (error instanceof SyntaxError) return undefined;
      throw error;
    }
  }

  /** FOLDER's entry (as entry()), after which the file no longer has one for it. */
  take(folder: string): unknown {
    const entry = this.entry(folder);
    this.entries.delete(folder);
    return entry;
  }

  /** The warnings the stamped run printed. */
  runStderr(): string | undefined {
    return this.run === undefined ? undefined : (parseRange(this.read(this.run.stderr), [0, this.run.stderr[1] - this.run.stderr[0]]) as string);
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  private read([start, end]: Range): Buffer {
    if (this.fd === undefined) throw new Error('the digests file was closed');
    const bytes = Buffer.allocUnsafe(end - start);
    let done = 0;
    while (done < bytes.length) {
      const read = readSync(this.fd, bytes, done, bytes.length - done, start + done);
      if (read === 0) throw new SyntaxError('the digests file was cut short');
      done += read;
    }
    return bytes;
  }
}
