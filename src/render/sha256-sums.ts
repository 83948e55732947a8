// A host folder's SHA256SUMS, in sha256sum's own format, so a host checks its download with
// `sha256sum -c SHA256SUMS`. One place for its text: the main thread makes it from rendered
// strings (render.ts), the writer thread from the bytes it writes (writer-thread.ts), and the
// two must agree to the byte. Kept free of other imports: the writer thread loads it.
import { createHash } from 'node:crypto';

export const SHA256SUMS = 'SHA256SUMS';

/** The SHA-256 of DATA (a string as UTF-8), in hex. */
export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** The text of SHA256SUMS for these [file name, hex digest] pairs: a line each, sorted by name. */
export function sha256SumsText(digests: [name: string, hexDigest: string][]): string {
  return [...digests]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, digest]) => `${digest}  ${name}\n`)
    .join('');
}
