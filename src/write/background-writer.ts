// Writes staged files on a second thread while the main thread renders the next host. A first
// generate is half rendering (JavaScript, one core) and half creating files (the kernel): on
// two cores the two overlap instead of taking turns. The main thread stays synchronous: it
// posts jobs and, before committing, waits for all of them (Atomics.wait on a shared counter).
import { join } from 'node:path';
import { MessageChannel, Worker, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import { textSlices } from './text-slices';
import { MESSAGE_BYTES, SLOT, type FilePart, type WriterJob, type WriterMessage, type WriterReply, type WriterThreadData } from './writer-protocol';

const utf8 = new TextEncoder();

/** Jobs posted but not yet done before send() waits: bounds the contents held in the queue. */
const MAX_PENDING_JOBS = 256;

/** Jobs per message: two or three host folders' files. */
const JOBS_PER_MESSAGE = 32;

/** Message buffers made at most: what the messages in flight may hold, 8 MB (larger files' own buffers aside). */
const MAX_BUFFERS = 16;

/**
 * The thread's young generation, MiB. It allocates little that lives (jobs, digests, stamps):
 * left to V8, its heap grew to 33 MiB during a first generate of 10,000 hosts; with 4 MiB it
 * stays at 20 MiB, for about 20 ms more of the thread's collections at 2,000 hosts (2 MiB:
 * 16 MiB, for 45 ms more; bench/README.md, ninth session). Only the young generation is
 * limited: Node leaves the old one at V8's default, and a limit there would end the thread
 * (ERR_WORKER_OUT_OF_MEMORY) instead of collecting harder.
 */
const WRITER_YOUNG_GENERATION_MB = 4;

/** A wait with no job finishing for this long means the thread is gone, not that the disk is slow. */
const STALLED_AFTER_MS = 120_000;

/**
 * UTF-16 units that encode to at most MESSAGE_BYTES (three bytes a unit at the most): a part
 * larger than a message took a buffer of its own, which the thread let go and freed only at
 * its next collection, seldom: with a 10,000-host README's sections the thread held 13.3 MiB
 * of buffers at the end of the run, where its peak is; in slices, 6.5 (its pooled ones).
 */
const SLICE_UNITS = Math.floor(MESSAGE_BYTES / 3);

export class BackgroundWriter {
  private readonly shared = new Int32Array(new SharedArrayBuffer(12));
  private readonly worker: Worker;
  private readonly replies: MessagePort;
  /** Buffers the thread gave back (MESSAGE_BYTES each), to carry the next messages. */
  private readonly spares: MessagePort;
  /** Buffers of MESSAGE_BYTES made so far: in flight, given back, or the unsent message's. */
  private buffersMade = 0;
  private posted = 0;
  /** Set once a wait gave up on the thread (it died, or the disk hangs). */
  private stalled = false;
  /** Jobs not yet posted: one message carries several (each message costs locks and a wake-up). */
  private unsent: WriterJob[] = [];
  /** The unsent jobs' file contents, encoded one after the other: [0, used). */
  private contents: Buffer | undefined;
  private used = 0;

  /** STALLED_AFTER_MS: how long a wait may see no job finish before it gives the thread up (tests shorten it). */
  constructor(private readonly stalledAfterMs = STALLED_AFTER_MS) {
    const replies = new MessageChannel();
    const spares = new MessageChannel();
    this.replies = replies.port1;
    this.spares = spares.port1;
    const data: WriterThreadData = { shared: this.shared.buffer as SharedArrayBuffer, replies: replies.port2, spares: spares.port2 };
    this.worker = new Worker(join(__dirname, 'writer-thread.js'), {
      workerData: data,
      transferList: [replies.port2, spares.port2],
      resourceLimits: { maxYoungGenerationSizeMb: WRITER_YOUNG_GENERATION_MB },
    });
    // The process may end while the thread idles: committing waits for every job first.
    this.worker.unref();
  }

  mkdir(path: string, recursive: boolean): void {
    this.post({ kind: 'mkdir', path, recursive });
  }

  /** SUM_AS: record the digest of its bytes under this name for the next writeSums. */
  write(path: string, content: string, mode: number, sumAs?: string): void {
    this.post({ kind: 'write', path, start: 0, end: 0, mode, sumAs }, content);
  }

  /**
   * Writes at PATH the PARTS, one after the other, each encoded as it comes and let go: the
   * file is never held whole, not even as bytes. Its one stamp is taken after the last part.
   */
  writeInParts(path: string, parts: Iterable<string>, mode: number): void {
    let part: FilePart = 'first';
    for (const content of parts) {
      for (const slice of textSlices(content, SLICE_UNITS)) {
        this.post({ kind: 'write', path, start: 0, end: 0, mode, part }, slice);
        part = 'middle';
      }
    }
    // Stamped by an empty last part (one job more, no part held back to know it is the last);
    // a file of no parts is made, empty, by a plain write.
    this.post({ kind: 'write', path, start: 0, end: 0, mode, ...(part === 'first' ? {} : { part: 'last' as const }) }, '');
  }

  /** Writes at PATH the SHA256SUMS of the files written with sumAs since the last writeSums. */
  writeSums(path: string, mode: number): void {
    this.post({ kind: 'sums', path, mode });
  }

  /**
   * Waits until every job posted is done; throws the first failure's message as an Error.
   * Returns the stamps of the files written since the last finish, in the order posted
   * (write and writeSums): size, mtimeMs and mode, three numbers a file.
   */
  finish(): Float64Array {
    this.post({ kind: 'stamps' });
    this.send();
    this.waitUntilPending(0);
    const failure = this.failure();
    if (failure !== undefined) throw new Error(failure);
    const reply = receiveMessageOnPort(this.replies)?.message as WriterReply | undefined;
    if (reply === undefined || !('stamps' in reply)) throw new Error('the writer thread did not say what it wrote');
    return reply.stamps;
  }

  /** Ends the thread; its jobs must be finished first (finish), or their files may be half written. */
  close(): void {
    void this.worker.terminate();
    this.replies.close();
    this.spares.close();
  }

  private post(job: WriterJob, content?: string): void {
    if (content !== undefined && job.kind === 'write') this.encode(job, content);
    this.unsent.push(job);
    if (this.unsent.length >= JOBS_PER_MESSAGE) this.send();
  }

  /**
   * Encodes a file's TEXT into the unsent message's buffer at once, so that the string dies
   * young: held until its message went, each one outlived a scavenge or two and was copied,
   * then promoted (garbage collection was 17 % of a first generate of 10,000 hosts, and its
   * old generation grew to 390 MB). One pass: room is made for a byte a character (ASCII,
   * what scripts are), and only a file whose UTF-8 is longer is encoded again, with room for
   * exactly its bytes (room for the most it could take, 3 bytes a UTF-16 unit, was 24 MB for
   * the 8 MB README of 10,000 hosts, at the end of the run where the peak is).
   */
  private encode(job: WriterJob & { kind: 'write' }, text: string): void {
    // A file larger than a message buffer gets a buffer of its own, sized by its bytes at once:
    // sized by its characters first, the 8 MB README of 10,000 hosts took two, at the end of
    // the run where its peak was.
    let contents = this.room(text.length > MESSAGE_BYTES ? Buffer.byteLength(text, 'utf8') : text.length);
    let { read, written } = utf8.encodeInto(text, contents.subarray(this.used));
    if (read < text.length) {
      contents = this.room(Buffer.byteLength(text, 'utf8'));
      ({ read, written } = utf8.encodeInto(text, contents.subarray(this.used)));
    }
    job.start = this.used;
    this.used += written;
    job.end = this.used;
  }

  /** The unsent message's buffer with BYTES free after this.used: sends what is unsent first if it is full. */
  private room(bytes: number): Buffer {
    if (this.contents !== undefined && this.used + bytes > this.contents.length) {
      if (this.unsent.length > 0) {
        this.send();
      } else {
        // It holds nothing yet: a larger one replaces it, and a pooled one is no longer counted
        // (else the pool could count buffers that no message will bring back, and wait for them).
        if (this.contents.length === MESSAGE_BYTES) this.buffersMade -= 1;
        this.contents = undefined;
      }
    }
    if (this.contents === undefined) {
      this.contents = bytes <= MESSAGE_BYTES ? this.spareBuffer() : Buffer.allocUnsafeSlow(bytes);
      this.used = 0;
    }
    return this.contents;
  }

  /**
   * A buffer of MESSAGE_BYTES: one the thread gave back, else a new one while fewer than
   * MAX_BUFFERS were made, else the next one given back. Left to the thread's garbage
   * collector, which runs seldom there, 1.6 GB of buffers went through a first generate of
   * 10,000 hosts and up to 80 MB of them waited to be freed at once.
   */
  private spareBuffer(): Buffer {
    for (;;) {
      const spare = receiveMessageOnPort(this.spares)?.message as ArrayBuffer | undefined;
      if (spare !== undefined) return Buffer.from(spare);
      // Nothing in flight can bring one back: make one (the count is a bound, not a promise).
      if (this.buffersMade < MAX_BUFFERS || this.posted === Atomics.load(this.shared, SLOT.done)) {
        this.buffersMade += 1;
        return Buffer.allocUnsafeSlow(MESSAGE_BYTES);
      }
      // Every buffer is in a posted message: the thread gives one back before it counts that
      // message's jobs done, so one more job done may have brought one.
      this.waitUntilPending(this.posted - Atomics.load(this.shared, SLOT.done) - 1);
      if (Atomics.load(this.shared, SLOT.failed) !== 0) return Buffer.allocUnsafeSlow(MESSAGE_BYTES);
    }
  }

  /**
   * Posts the unsent jobs with their files' contents, one after the other in one buffer of its
   * own, which the message moves to the thread: a string would be copied (at 1,000 hosts,
   * 160 MB and 10 % of the run), and a buffer per file costs a transfer each.
   */
  private send(): void {
    if (this.unsent.length === 0) return;
    this.waitUntilPending(MAX_PENDING_JOBS - this.unsent.length);
    const contents = (this.contents?.buffer ?? new ArrayBuffer(0)) as ArrayBuffer;
    const message: WriterMessage = { jobs: this.unsent, contents };
    this.worker.postMessage(message, [contents]);
    this.posted += this.unsent.length;
    this.unsent = [];
    this.contents = undefined;
  }

  private failure(): string | undefined {
    if (Atomics.load(this.shared, SLOT.failed) === 0) return undefined;
    const reply = receiveMessageOnPort(this.replies)?.message as WriterReply | undefined;
    return reply !== undefined && 'failure' in reply ? reply.failure : 'the writer thread failed';
  }

  /** Blocks until at most LIMIT jobs are pending, or one failed (nothing later is written then). */
  private waitUntilPending(limit: number): void {
    let stalledSince = Date.now();
    for (;;) {
      if (this.stalled) throw new Error('the writer thread stopped');
      const done = Atomics.load(this.shared, SLOT.done);
      if (this.posted - done <= limit || Atomics.load(this.shared, SLOT.failed) !== 0) return;
      // Set before the wait, cleared after: a job finishing in between wakes the wait or
      // changes SLOT.done, which makes the wait return at once.
      Atomics.store(this.shared, SLOT.waiting, 1);
      const woken = Atomics.wait(this.shared, SLOT.done, done, 1_000);
      Atomics.store(this.shared, SLOT.waiting, 0);
      if (woken !== 'timed-out') {
        stalledSince = Date.now();
      } else if (Date.now() - stalledSince > this.stalledAfterMs) {
        this.stalled = true; // discarding must not wait for it again
        throw new Error(`the writer thread has not finished a file for ${this.stalledAfterMs / 1000} s`);
      }
    }
  }
}
