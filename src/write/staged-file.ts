// Writing one staged file, the same on the main thread and on the writer thread.
import { chmodSync, writeFileSync } from 'node:fs';

export function writeStagedFile(path: string, data: string | Uint8Array, mode: number): void {
  writeFileSync(path, data, { mode });
  chmodSync(path, mode); // the umask must not decide a script's mode
}
