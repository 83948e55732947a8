// The retention rule of the generated blaze (templates/lib/retention.ejs, prune_kind), as
// arithmetic: the one place the forecast decides which copies a night's prune removes.
// test/bats/forecast-prune.bats runs the real blaze against this.

export const SECONDS_PER_DAY = 86400;

/**
 * prune_kind's rule: a copy whose modification time is more than DAYS days before the
 * newest copy of its kind is pruned (`mtime < newest_mtime - days * 86400`); the newest
 * copy never is. With one copy a night at the same time, DAYS + 1 copies stay.
 */
export function isPruned(copySeconds: number, newestSeconds: number, days: number): boolean {
  return copySeconds !== newestSeconds && copySeconds < newestSeconds - days * SECONDS_PER_DAY;
}

/** One stored copy: the night it was written (as seconds) and its size. */
export interface StoredCopy {
  seconds: number;
  bytes: number;
}

/**
 * The copies of one kind in one folder, oldest first, with their total. A copy is added
 * each night and the prune removes from the old end only, so a night costs O(1) on average
 * (a 10,000-host fleet forecast stays a loop over nights, not over every copy again).
 */
export class CopyFolder {
  private readonly copies: StoredCopy[] = [];
  private first = 0;
  bytes = 0;

  constructor(readonly days: number) {}

  store(copy: StoredCopy): void {
    this.copies.push(copy);
    this.bytes += copy.bytes;
  }

  /** Applies prune_kind with this folder's DAYS, counted back from the newest copy. */
  prune(): void {
    if (this.first >= this.copies.length) return;
    const newest = this.copies[this.copies.length - 1]!.seconds;
    while (this.first < this.copies.length - 1 && isPruned(this.copies[this.first]!.seconds, newest, this.days)) {
      this.bytes -= this.copies[this.first]!.bytes;
      this.first += 1;
    }
  }

  get count(): number {
    return this.copies.length - this.first;
  }
}
