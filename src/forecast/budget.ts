// The room a target gives each sender, and the room a host keeps free for its own blaze.
// The forecast (src/forecast/) uses these numbers today; issue 11's store will enforce the
// same ones, so that the forecast and the fleet refuse a copy on the same night.

/** Sender budgets hold this much more than the plan's estimate, for growth and jitter. */
export const SENDER_BUDGET_HEADROOM = 1.25;

/** The smallest free space a host keeps on /archive for its own blaze: 1 GiB. */
export const MINIMUM_FREE_SPACE_FLOOR_BYTES = 1024 ** 3;

/** The floor holds this many nights of the host's own copies (blaze writes, then prunes). */
export const FREE_SPACE_FLOOR_NIGHTS = 2;

/**
 * The most a sender's folder on a target may hold: its copies between two prunes (the
 * newest, the NETWORK_DAYS nights before it, and tonight's arriving copy: days + 2 nights of
 * the sender's copies) × SENDER_BUDGET_HEADROOM. Counting days + 2, not days, keeps a short
 * retention (3 days) from hitting its budget on an ordinary night.
 */
export function senderBudgetBytes(senderNightlyBytes: number, networkDays: number): number {
  return Math.ceil(senderNightlyBytes * (networkDays + 2) * SENDER_BUDGET_HEADROOM);
}

/**
 * The free space a host keeps on /archive for its own blaze: the larger of 1 GiB and two
 * nights of its own copies. blaze writes tonight's copies before it prunes, so one night
 * must always fit; the second night is room for a night that grew.
 */
export function freeSpaceFloorBytes(ownNightlyBytes: number): number {
  return Math.max(MINIMUM_FREE_SPACE_FLOOR_BYTES, FREE_SPACE_FLOOR_NIGHTS * ownNightlyBytes);
}
