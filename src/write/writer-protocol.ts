// What the main thread and the writer thread (writer-thread.ts) say to each other.
import type { MessagePort } from 'node:worker_threads';

/**
 * One staging step, done in the order posted. A file's bytes are [start, end) of its message's
 * buffer (a part of it, when it is written in parts). A write with sumAs also records the digest of its bytes under that name; a 'sums'
 * job writes the SHA256SUMS of the digests recorded since the last one (sha256-sums.ts); a
 * 'stamps' job posts back what each file written looks like (WriterReply).
 */
export type WriterJob =
  | { kind: 'mkdir'; path: string; recursive: boolean }
  | { kind: 'write'; path: string; start: number; end: number; mode: number; sumAs?: string; part?: FilePart }
  | { kind: 'sums'; path: string; mode: number }
  | { kind: 'stamps' };

/**
 * Where a write is in a file written in parts (a SectionedFile), if it is: the first part
 * makes the file, the others append to it, and only the last one is stamped.
 */
export type FilePart = 'first' | 'middle' | 'last';

/**
 * What the thread posts back: its first failure; or, for a 'stamps' job, the stamp of each
 * file written since the last one (write and sums jobs, in order), as [size, mtimeMs, mode] triples.
 */
export type WriterReply = { failure: string } | { stamps: Float64Array };

/** Jobs with the contents of their files, one after the other in one buffer (moved, not copied). */
export interface WriterMessage {
  jobs: WriterJob[];
  contents: ArrayBuffer;
}

/** A message's buffer, unless one file needs more: sent when full, even with fewer jobs. */
export const MESSAGE_BYTES = 512 * 1024;

/**
 * Slots of the shared Int32Array: jobs finished (failed ones too), whether one failed, and
 * whether the main thread is waiting (only then does a finished job wake it: a futex call per
 * file would cost more than the file).
 */
export const SLOT = { done: 0, failed: 1, waiting: 2 } as const;

export interface WriterThreadData {
  /** SharedArrayBuffer of three Int32 slots (SLOT). */
  shared: SharedArrayBuffer;
  /** Where the thread posts its replies (WriterReply). */
  replies: MessagePort;
  /** Where the thread gives each message's buffer back once its jobs are done, for the next message. */
  spares: MessagePort;
}
