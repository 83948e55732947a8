// The digests file of the last generate (write-dist.ts's HostDigests), read a host's entry at
// a time. Parsed whole, the file of 10,000 hosts (11 MB) was 22 MB of objects, made before
// the first host was rendered and held while the hosts were: the peak of a generate that
// renders every host again over an existing tree. Read whole into one buffer to find its
// entries, two such buffers (the no-change check's and generate's) still waited for a full
// collection when the first host was rendered, where that peak then was (bench/README.md,
// twelfth session). Here the file is read once, a chunk at a time, to find where each entry
// is (json-members.ts), and an entry is read again, and parsed, only when its host asks.
import { createHash } from 'node:crypto';
import { closeSync, openSync, readSync } from 'node:fs';
import { readFully } from './compare';
import { jsonStringPieces } from './text-slices';
import { ChunkedBytes, expectEnd, keptValue, nextIs, NotJson, readMembers, valueRange, type Range } from './json-members';

/** The SHA-256 of TEXT as the digests file holds it: a JSON string, quotes and escapes as written. */
export function jsonStringDigest(text: string): string {
  const hash = createHash('sha256');
  for (const piece of jsonStringPieces(text)) hash.update(piece);
  return hash.digest('hex');
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
    /**
     * The run stamped in the file: its digest, and where its warnings are, with the SHA-256 of
     * their JSON string as written (jsonStringDigest of the text; runStderr reads the text).
     */
    readonly run: { digest: string; stderrDigest: string; stderr: Range } | undefined,
  ) {
    this.entries = entries;
    this.fd = fd;
  }

  /**
   * The file at PATH, or undefined when there is none, or it is not a version 2 digests file
   * (a cache: a file that cannot be read only costs a render), or, with RUN_DIGEST, when the
   * run it stamps is not that one.
   */
  static open(path: string, runDigest?: string): DigestsFile | undefined {
    let fd: number;
    try {
      fd = openSync(path, 'r');
    } catch {
      return undefined;
    }
    try {
      const whole = createHash('sha256');
      const bytes = new ChunkedBytes(fd, (chunk) => whole.update(chunk));
      let version: unknown;
      let hosts: Map<string, Range> | undefined;
      let run: { digest: unknown; stderr?: Range; stderrDigest?: string } | undefined;
      readMembers(bytes, (key) => {
        if (key === 'version') {
          version = keptValue(bytes, 64).value;
        } else if (key === 'hosts') {
          const entries = new Map<string, Range>(); // a name given twice: the last one counts, as in JSON.parse
          readMembers(bytes, (folder) => entries.set(folder, valueRange(bytes)));
          hosts = entries;
        } else if (key === 'run' && nextIs(bytes, '{')) {
          const stamped: NonNullable<typeof run> = { digest: undefined };
          readMembers(bytes, (member) => {
            if (member === 'digest') {
              stamped.digest = keptValue(bytes, 1024).value;
            } else if (member === 'stderr' && nextIs(bytes, '"')) {
              const hash = createHash('sha256');
              stamped.stderr = valueRange(bytes, (piece) => hash.update(piece));
              stamped.stderrDigest = hash.digest('hex');
            } else {
              valueRange(bytes);
            }
          });
          run = stamped;
        } else {
          valueRange(bytes);
        }
      });
      expectEnd(bytes);
      const stamped = typeof run?.digest === 'string' && run.stderr !== undefined ? { digest: run.digest, stderrDigest: run.stderrDigest!, stderr: run.stderr } : undefined;
      if (version !== 2 || hosts === undefined || (runDigest !== undefined && stamped?.digest !== runDigest)) {
        closeSync(fd);
        return undefined;
      }
      return new DigestsFile(fd, whole.digest('hex'), hosts, stamped);
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
      return JSON.parse(this.read(range).toString('utf8'));
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

  /** The warnings the stamped run printed; undefined when there is no run, or they are not a JSON string. */
  runStderr(): string | undefined {
    if (this.run === undefined) return undefined;
    try {
      return JSON.parse(this.read(this.run.stderr).toString('utf8')) as string;
    } catch (error) {
      if (error instanceof SyntaxError) return undefined;
      throw error;
    }
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  private read([start, end]: Range): Buffer {
    if (this.fd === undefined) throw new Error('the digests file was closed');
    const fd = this.fd;
    const bytes = Buffer.allocUnsafe(end - start);
    if (readFully({ read: (into, position) => readSync(fd, into, 0, into.length, position) }, bytes, start) < bytes.length) throw new SyntaxError('the digests file was cut short');
    return bytes;
  }
}
