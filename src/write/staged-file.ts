// Writing one staged file, the same on the main thread and on the writer thread.
import { closeSync, fchmodSync, fstatSync, openSync, writeFileSync } from 'node:fs';

/** A file as written: generate keeps these to know, next time, that nobody changed it. */
export interface WrittenStamp {
  size: number;
  mtimeMs: number;
  mode: number;
}

/**
 * Writes DATA at PATH with MODE, whatever the umask (APPEND: after what PATH holds, a file
 * written in parts); returns the file's stamp as written.
 */
export function writeStagedFile(path: string, data: string | Uint8Array, mode: number, append = false): WrittenStamp {
  const fd = openSync(path, append ? 'a' : 'w', mode);
  try {
    writeFileSync(fd, data);
    // Taken here, where the file is open, instead of a stat by name once it is in place.
    const { size, mtimeMs, mode: created } = fstatSync(fd);
    // The umask must not decide a script's mode; changing the mode leaves the mtime as it is.
    if ((created & 0o7777) !== mode) fchmodSync(fd, mode);
    return { size, mtimeMs, mode: mode & 0o777 };
  } finally {
    closeSync(fd);
  }
}
