// The writer thread's record of what it wrote (writer-thread.ts): each file's stamp, as numbers.
import type { WrittenStamp } from './staged-file';

/** Numbers a StampList chunk holds: 21,845 files' stamps, 512 KiB. */
const CHUNK_NUMBERS = 3 * 21_845;

/**
 * The stamps of the files written since they were last taken: size, mtimeMs, mode, ... In
 * chunks of their own memory, not one growing array of numbers: at 10,000 hosts those were
 * 420,000 numbers, and each copy the array made as it grew stayed in the thread's heap (its
 * large objects, freed only by a full collection, which a thread that allocates this little
 * seldom makes): 10 MiB of it at the end of the run, where its peak is (bench/README.md,
 * eleventh session).
 */
export class StampList {
  private chunks: Float64Array[] = [];
  private used: number;

  /** CHUNK_NUMBERS: numbers a chunk holds, three a file (tests make it small). */
  constructor(private readonly chunkNumbers = CHUNK_NUMBERS) {
    this.used = chunkNumbers;
  }

  add({ size, mtimeMs, mode }: WrittenStamp): void {
    if (this.used === this.chunkNumbers) {
      this.chunks.push(new Float64Array(this.chunkNumbers));
      this.used = 0;
    }
    const chunk = this.chunks[this.chunks.length - 1]!;
    chunk[this.used] = size;
    chunk[this.used + 1] = mtimeMs;
    chunk[this.used + 2] = mode;
    this.used += 3;
  }

  /** Every stamp added since the last take, in order, in one array; the list is empty after. */
  take(): Float64Array {
    const full = this.chunks.length === 0 ? 0 : (this.chunks.length - 1) * this.chunkNumbers + this.used;
    const all = new Float64Array(full);
    this.chunks.forEach((chunk, i) => all.set(i === this.chunks.length - 1 ? chunk.subarray(0, this.used) : chunk, i * this.chunkNumbers));
    this.chunks = [];
    this.used = this.chunkNumbers;
    return all;
  }
}
