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

/**
 * TEXT as a JSON string, in pieces: the quotes and each slice escaped, the same bytes as
 * JSON.stringify(TEXT) when joined, never all of them at once (the 8 MB of warnings of
 * 10,000 hosts, escaped whole, were two more copies of them at the end of the run).
 */
export function* jsonStringPieces(text: string): Generator<string> {
  yield '"';
  for (const slice of textSlices(text, 1 << 16)) yield JSON.stringify(slice).slice(1, -1);
  yield '"';
}
