// The retention rule of the generated blaze (templates/lib/retention.ejs, prune_kind), as
// arithmetic: the one place the forecast decides which copies a night's prune removes.
// test/bats/forecast-prune.bats runs the real blaze against this.

export const SECONDS_PER_DAY = 86400;
/** RETENTION_SLACK_SECONDS of retention.ejs: arrivals of runs at about the same hour count as whole nights. */
export const RETENTION_SLACK_SECONDS = 43200;

/**
 * prune_kind's rule on ages: a copy that ARRIVED (blaze's arrival ledger, never the file's
 * date) more than DAYS days before the newest arrival of its kind is pruned
 * (`arrival < newest - days * 86400 - 43200`), unless it is among the KEEP newest arrivals
 * (CopyFolder.prune). With one copy a night at the same time, max(DAYS + 1, KEEP) copies stay.
 */
export function isPruned(copySeconds: number, newestSeconds: number, days: number): boolean {
  return copySeconds < newestSeconds - days * SECONDS_PER_DAY - RETENTION_SLACK_SECONDS;
}

/** One stored copy: the night it arrived (as seconds) and its size. */
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
  // Two number arrays rather than an object per copy: a 10,000-host forecast stores millions.
  private readonly seconds: number[] = [];
  private readonly sizes: number[] = [];
  private first = 0;
  bytes = 0;

  constructor(
    readonly days: number,
    readonly keepNewest: number,
  ) {}

  store(copy: StoredCopy): void {
    this.seconds.push(copy.seconds);
    this.sizes.push(copy.bytes);
    this.bytes += copy.bytes;
  }

  /** Applies prune_kind with this folder's DAYS and KEEP, counted back from the newest arrival. */
  prune(): void {
    const last = this.seconds.length - 1;
    if (this.first > last) return;
    const newest = this.seconds[last]!;
    while (this.count > this.keepNewest && isPruned(this.seconds[this.first]!, newest, this.days)) {
      this.bytes -= this.sizes[this.first]!;
      this.first += 1;
    }
  }

  get count(): number {
    return this.seconds.length - this.first;
  }
}
