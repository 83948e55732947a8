// kindling's version, from the package.json it ships with (found upwards from this file, in
// build/ as in a package).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export function kindlingVersion(start: string = __dirname): string {
  for (let dir = start; dir !== dirname(dir); dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (!existsSync(file)) continue;
    const manifest = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
    if (manifest.name === 'kindling' && typeof manifest.version === 'string') return manifest.version;
  }
  return 'unknown';
}
