// The account each peer logs in as on the hosts it reaches: one per peer, so that an escape
// from the forced command by one peer reaches nothing of another (issue 11). Pure.
import { createHash } from 'node:crypto';

/** The longest user name useradd accepts on the fleet's distributions. */
export const ACCOUNT_NAME_MAX = 32;

/** Hex digits of sha256(peer) that keep a shortened name unique. */
const HASH_DIGITS = 8;

/**
 * The account PEER logs in as on every host it reaches: PREFIX + PEER, or, when that is longer
 * than ACCOUNT_NAME_MAX, PREFIX + the start of PEER + '-' + the first 8 hex digits of
 * sha256(PEER), exactly ACCOUNT_NAME_MAX long (two long names that share their start differ).
 */
export function accountName(prefix: string, peer: string): string {
  const whole = `${prefix}${peer}`;
  if (whole.length <= ACCOUNT_NAME_MAX) return whole;
  const hash = createHash('sha256').update(peer).digest('hex').slice(0, HASH_DIGITS);
  return `${prefix}${peer.slice(0, ACCOUNT_NAME_MAX - prefix.length - HASH_DIGITS - 1)}-${hash}`;
}
