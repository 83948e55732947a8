// Writing one staged file, the same on the main thread and on the writer thread.
import { closeSync, fchmodSync, fstatSync, openSync, writeFileSync } from 'node:fs';

/** A file as written: generate keeps these to know, next time, that nobody changed it. */
export interface WrittenStamp {
  size: number;
  mtimeMs: number;
  mode: number;
}

/** Writes DATA at PATH with MODE, whatever the umask; returns the file's stamp as written. */
export function writeStagedFile(path: string, data: string | Uint8Array, mode: number): WrittenStamp {
  const fd = openSync(path, 'w', mode);
  try {
    writeFileSync(fd, data);
    fchmodSync(fd, mode); // the umask must not decide a script's mode
    // Taken here, where the file is open, instead of a stat by name once it is in place.
    const { size, mtimeMs, mode: written } = fstatSync(fd);
    return { size, mtimeMs, mode: written & 0o777 };
  } finally {
    closeSync(fd);
  }
}
