// A scratch folder that belongs to one test and is removed when the test ends, passed or failed.
import { rmSync } from 'node:fs';
import type { TestContext } from 'node:test';
import { scratchDir } from './cli';

export function scratchDirFor(t: TestContext): string {
  const dir = scratchDir();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
