// Golden files: compare output with a committed file, or rewrite the file when the run has
// UPDATE_GOLDEN=1 (after an intended change; the rewrite then shows up as a reviewed diff).
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, relative } from 'node:path';
import { REPO_ROOT } from './cli';

export const UPDATE_GOLDEN = process.env.UPDATE_GOLDEN === '1';

/** The first line where two texts differ, with a little context (assert's own diff of long texts is very slow). */
function firstDifference(actual: string, expected: string): string {
  const a = actual.split('\n');
  const e = expected.split('\n');
  let i = 0;
  while (i < a.length && i < e.length && a[i] === e[i]) i += 1;
  const context = (lines: string[]): string => lines.slice(Math.max(0, i - 2), i + 3).map((l) => `    ${l}`).join('\n');
  return `first difference at line ${i + 1} (of ${a.length} actual, ${e.length} expected)\n  actual:\n${context(a)}\n  expected:\n${context(e)}`;
}

export function assertGolden(goldenFile: string, actual: string): void {
  const name = relative(REPO_ROOT, goldenFile);
  if (UPDATE_GOLDEN) {
    mkdirSync(dirname(goldenFile), { recursive: true });
    writeFileSync(goldenFile, actual);
    return;
  }
  assert.ok(existsSync(goldenFile), `${name} is missing; run the tests once with UPDATE_GOLDEN=1 and review it`);
  const expected = readFileSync(goldenFile, 'utf8');
  if (actual !== expected) assert.fail(`output differs from ${name} (UPDATE_GOLDEN=1 rewrites it after an intended change): ${firstDifference(actual, expected)}`);
}
