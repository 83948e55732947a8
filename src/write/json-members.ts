// Where the members of a JSON file's top object are, and those of objects in it, found in one
// pass over the file a chunk at a time: nothing is parsed but what the caller keeps, and the
// file is never held whole (digests-file.ts: the digests file of 10,000 hosts is 11 MB).
import { readSync } from 'node:fs';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const COLON = 0x3a;
const COMMA = 0x2c;

/** [start, end) in the file. */
export type Range = [start: number, end: number];

/** The file is not JSON (or not the JSON its reader expects): a cache that is not read. */
export class NotJson extends Error {}

function isSpace(byte: number): boolean {
  return byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;
}

/** The bytes of a file, read from its start a chunk at a time, and where in the file each is. */
export class ChunkedBytes {
  private chunk: Buffer;
  private length = 0;
  private at = 0;
  /** Where in the file chunk[0] is. */
  private chunkStart = 0;

  /** ON_READ: given each chunk as it is read (the whole file, once the end was peeked at). */
  constructor(
    private readonly fd: number,
    private readonly onRead: (chunk: Uint8Array) => void = () => {},
    chunkBytes = 64 * 1024,
  ) {
    this.chunk = Buffer.allocUnsafe(chunkBytes);
  }

  /** Where in the file the next byte is. */
  get position(): number {
    return this.chunkStart + this.at;
  }

  /** The next byte, not taken; -1 at the end of the file. */
  peek(): number {
    if (this.at === this.length && !this.refill()) return -1;
    return this.chunk[this.at]!;
  }

  /** The next byte, taken; -1 at the end of the file. */
  take(): number {
    const byte = this.peek();
    if (byte !== -1) this.at += 1;
    return byte;
  }

  /** The next byte that is not white space, not taken; -1 at the end of the file. */
  peekSignificant(): number {
    for (;;) {
      const byte = this.peek();
      if (byte === -1 || !isSpace(byte)) return byte;
      this.at += 1;
    }
  }

  /**
   * Takes the rest of a string whose opening quote was taken, to its closing quote, giving
   * SINK each stretch of its bytes (escapes as written, the closing quote included) as it passes.
   */
  takeStringRest(sink?: (bytes: Uint8Array) => void): void {
    let backslashes = 0; // a run of backslashes that may go on past a chunk's end
    for (;;) {
      if (this.at === this.length && !this.refill()) throw new NotJson('a string does not end');
      const from = this.at;
      let quote = this.chunk.indexOf(QUOTE, from);
      while (quote !== -1 && quote < this.length) {
        // Escaped when an odd number of backslashes stand before it (counted into the last chunk too).
        let before = 0;
        while (quote - 1 - before >= from && this.chunk[quote - 1 - before] === BACKSLASH) before += 1;
        if (quote - before === from) before += backslashes;
        if (before % 2 === 0) break;
        quote = this.chunk.indexOf(QUOTE, quote + 1);
      }
      if (quote !== -1 && quote < this.length) {
        this.at = quote + 1;
        sink?.(this.chunk.subarray(from, this.at));
        return;
      }
      // No closing quote in this chunk: count the backslashes it ends with.
      let trailing = 0;
      while (this.length - 1 - trailing >= from && this.chunk[this.length - 1 - trailing] === BACKSLASH) trailing += 1;
      backslashes = trailing === this.length - from ? backslashes + trailing : trailing;
      this.at = this.length;
      sink?.(this.chunk.subarray(from, this.length));
    }
  }

  private refill(): boolean {
    this.chunkStart += this.length;
    this.length = readSync(this.fd, this.chunk, 0, this.chunk.length, this.chunkStart);
    this.at = 0;
    this.onRead(this.chunk.subarray(0, this.length));
    return this.length > 0;
  }
}

/** Bytes kept of a value, while it is short enough to be worth parsing. */
class Kept {
  private readonly pieces: Buffer[] = [];
  private size = 0;
  overflowed = false;

  constructor(private readonly maxBytes: number) {}

  add(bytes: Uint8Array): void {
    if (this.overflowed) return;
    this.size += bytes.length;
    if (this.size > this.maxBytes) {
      this.overflowed = true;
      this.pieces.length = 0;
    } else {
      this.pieces.push(Buffer.from(bytes));
    }
  }

  /** The value parsed, or undefined when it was too long to keep. */
  parsed(): unknown {
    return this.overflowed ? undefined : JSON.parse(Buffer.concat(this.pieces).toString('utf8'));
  }
}

/** What a member's value gives the reader: its range, and, when short, its value parsed. */
export interface MemberValue {
  range: Range;
  /** The value, when it is at most the reader's MAX_KEPT_BYTES; else undefined. */
  value: unknown;
}

/**
 * Reads the JSON value whose first byte is next: passes its bytes to SINK, returns its range.
 * Objects and arrays are walked through, their strings and brackets counted; what is inside
 * is not checked (whoever parses a value checks it).
 */
export function valueRange(bytes: ChunkedBytes, sink?: (piece: Uint8Array) => void): Range {
  const first = bytes.peekSignificant();
  const start = bytes.position;
  if (first === QUOTE) {
    bytes.take();
    sink?.(Uint8Array.of(QUOTE));
    bytes.takeStringRest(sink);
    return [start, bytes.position];
  }
  if (first === OPEN_BRACE || first === OPEN_BRACKET) {
    const closers: number[] = [];
    do {
      const byte = bytes.take();
      if (byte === -1) throw new NotJson('an object or array does not end');
      sink?.(Uint8Array.of(byte));
      if (byte === QUOTE) bytes.takeStringRest(sink);
      else if (byte === OPEN_BRACE) closers.push(CLOSE_BRACE);
      else if (byte === OPEN_BRACKET) closers.push(CLOSE_BRACKET);
      else if ((byte === CLOSE_BRACE || byte === CLOSE_BRACKET) && closers.pop() !== byte) throw new NotJson('a bracket does not match');
    } while (closers.length > 0);
    return [start, bytes.position];
  }
  // A number, true, false or null: to the next delimiter.
  for (;;) {
    const byte = bytes.peek();
    if (byte === -1 || byte === COMMA || byte === CLOSE_BRACE || byte === CLOSE_BRACKET || isSpace(byte)) break;
    sink?.(Uint8Array.of(byte));
    bytes.take();
  }
  if (bytes.position === start) throw new NotJson('a value is missing');
  return [start, bytes.position];
}

/**
 * Reads the object whose opening brace is next, calling MEMBER with each key (parsed) when
 * its value is next; MEMBER reads the value (with valueRange, keptValue or readMembers).
 */
export function readMembers(bytes: ChunkedBytes, member: (key: string) => void): void {
  if (bytes.peekSignificant() !== OPEN_BRACE) throw new NotJson('an object was expected');
  bytes.take();
  if (bytes.peekSignificant() === CLOSE_BRACE) {
    bytes.take();
    return;
  }
  for (;;) {
    if (bytes.peekSignificant() !== QUOTE) throw new NotJson('a key was expected');
    const key = keptValue(bytes, 4096).value;
    if (typeof key !== 'string') throw new NotJson('a key is too long');
    if (bytes.peekSignificant() !== COLON) throw new NotJson('a colon was expected');
    bytes.take();
    bytes.peekSignificant();
    member(key);
    const next = bytes.peekSignificant();
    bytes.take();
    if (next === CLOSE_BRACE) return;
    if (next !== COMMA) throw new NotJson('a comma or a closing brace was expected');
  }
}

/** Reads the value that is next, keeping it parsed when it is at most MAX_KEPT_BYTES long (SINK: as valueRange). */
export function keptValue(bytes: ChunkedBytes, maxKeptBytes: number, sink?: (piece: Uint8Array) => void): MemberValue {
  const kept = new Kept(maxKeptBytes);
  const range = valueRange(bytes, (piece) => {
    kept.add(piece);
    sink?.(piece);
  });
  return { range, value: kept.parsed() };
}

/** Whether the next value starts with CHARACTER ('{' an object, '"' a string, …); nothing is taken. */
export function nextIs(bytes: ChunkedBytes, character: string): boolean {
  return bytes.peekSignificant() === character.charCodeAt(0);
}

/** Checks that nothing but white space is left. */
export function expectEnd(bytes: ChunkedBytes): void {
  if (bytes.peekSignificant() !== -1) throw new NotJson('more than one value');
}
