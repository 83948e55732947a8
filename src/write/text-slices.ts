// Long text handed on a slice at a time (the README to the writer thread, the warnings into
// the digests file), so that no step needs the whole of it as one string or buffer.

/**
 * TEXT in slices of at most MAX_UNITS UTF-16 units, in order, never cutting a surrogate pair:
 * its halves apart would each be encoded as U+FFFD, or escaped by JSON.stringify as \uXXXX.
 * TEXT itself when it is short enough. MAX_UNITS is 2 or more (a pair needs room).
 */
export function* textSlices(text: string, maxUnits: number): Generator<string> {
  if (text.length <= maxUnits) {
    yield text;
    return;
  }
  for (let start = 0; start < text.length; ) {
    let end = Math.min(start + maxUnits, text.length);
    const last = text.charCodeAt(end - 1);
    if (end < text.length && end - 1 > start && last >= 0xd800 && last <= 0xdbff) end -= 1;
    yield text.slice(start, end);
    start = end;
  }
}
