// The body of the background writer (background-writer.ts): a worker thread that makes the
// staging folders and writes the staged files in the order they were posted, while the main
// thread goes on rendering. It never renames or deletes: committing or discarding the staged
// files stays with the main thread, after every write here has finished.
import { mkdirSync } from 'node:fs';
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { sha256Hex, sha256SumsText } from '../render/sha256-sums';
import { writeStagedFile, type WrittenStamp } from './staged-file';
import { StampList } from './stamp-list';
import { MESSAGE_BYTES, SLOT, type WriterJob, type WriterMessage, type WriterReply, type WriterThreadData } from './writer-protocol';

function run(port: MessagePort, data: WriterThreadData): void {
  const shared = new Int32Array(data.shared);
  let failed = false;
  /** Digests of the files written since the last 'sums' job, for the next one. */
  let digests: [string, string][] = [];
  const stamps = new StampList();
  const written = (stamp: WrittenStamp): void => stamps.add(stamp);
  const perform = (job: WriterJob, contents: Buffer): void => {
    if (job.kind === 'mkdir') {
      mkdirSync(job.path, { recursive: job.recursive });
    } else if (job.kind === 'write') {
      const bytes = contents.subarray(job.start, job.end);
      if (job.sumAs !== undefined) digests.push([job.sumAs, sha256Hex(bytes)]);
      const stamp = writeStagedFile(job.path, bytes, job.mode, job.part === 'middle' || job.part === 'last');
      if (job.part === undefined || job.part === 'last') written(stamp);
    } else if (job.kind === 'sums') {
      written(writeStagedFile(job.path, sha256SumsText(digests), job.mode));
      digests = [];
    } else {
      const triples = stamps.take();
      const reply: WriterReply = { stamps: triples };
      data.replies.postMessage(reply, [triples.buffer as ArrayBuffer]);
    }
  };
  port.on('message', ({ jobs, contents }: WriterMessage) => {
    const bytes = Buffer.from(contents);
    for (const job of jobs) {
      if (failed) break;
      try {
        perform(job, bytes);
      } catch (error) {
        // The first failure is the one reported; later jobs are only counted, so that the
        // main thread, waiting for all of them, wakes up and discards what was staged.
        failed = true;
        const reply: WriterReply = { failure: error instanceof Error ? error.message : String(error) };
        data.replies.postMessage(reply);
        Atomics.store(shared, SLOT.failed, 1);
      }
    }
    // Given back before the jobs are counted, so that the main thread, woken, finds it spare;
    // a buffer made larger for one large file is let go (it would keep its size for good).
    if (contents.byteLength === MESSAGE_BYTES) data.spares.postMessage(contents, [contents]);
    // Counted after any reply was posted: the main thread, woken, finds it on its port.
    Atomics.add(shared, SLOT.done, jobs.length);
    if (Atomics.load(shared, SLOT.waiting) !== 0) Atomics.notify(shared, SLOT.done);
  });
}

if (parentPort !== null) run(parentPort, workerData as WriterThreadData);
