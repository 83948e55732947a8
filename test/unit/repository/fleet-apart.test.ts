// The root inventory.yaml and dist/ are the admin's fleet, not fixtures: no test may read
// them, so that an admin's edit never breaks a test. Tests read test/fixtures/inventories/
// seed.yaml and test/golden/seed/ instead; the root files are only checked for consistency
// (`kindling generate --check` in scripts/test-all).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { REPO_ROOT } from '../support/cli';

/** Every file below DIR (relative to the repository), without goldens and fixtures (data, not code). */
function testCode(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      if (!['golden', 'fixtures'].includes(name)) out.push(...testCode(path));
    } else if (/\.(ts|mjs|js|bats|bash|sh)$/.test(name)) out.push(relative(REPO_ROOT, path));
  }
  return out;
}

// A path to the root inventory.yaml or dist/, however a test spells the repository's root.
const ROOT_FLEET = /(REPO_ROOT|repoRoot|\$\{?REPO_ROOT\}?)["'`]?(\)|\s*,\s*)?["'`/]*\/?(inventory\.yaml|dist)\b/;

test('the pattern finds a test that reads the root inventory or dist/', () => {
  for (const line of [
    "join(REPO_ROOT, 'dist', 'README.md')",
    "join(REPO_ROOT, 'inventory.yaml')",
    '"$REPO_ROOT/dist/iraq/crontab"',
    '"$REPO_ROOT"/dist/*/crontab',
    'e2e_setup_file "${REPO_ROOT}/inventory.yaml"',
  ]) assert.match(line, ROOT_FLEET);
  for (const line of ["join(REPO_ROOT, 'test', 'golden', 'seed')", '"$REPO_ROOT/test/fixtures/inventories/seed.yaml"', "join(scratchDir(), 'dist')"]) {
    assert.doesNotMatch(line, ROOT_FLEET);
  }
});

test('no test, bench or test script reads the root inventory.yaml or dist/', () => {
  const self = 'test/unit/repository/fleet-apart.test.ts';
  const files = [...testCode(join(REPO_ROOT, 'test')), ...testCode(join(REPO_ROOT, 'bench')), 'scripts/update-golden'].filter((f) => f !== self);
  assert.ok(files.length > 30, `only ${files.length} files`);
  const offenders: string[] = [];
  for (const file of files) {
    readFileSync(join(REPO_ROOT, file), 'utf8').split('\n').forEach((line, i) => {
      // scripts/update-golden regenerates the root dist/ (consistency, not a test).
      if (file === 'scripts/update-golden' && line.startsWith('node build/cli.js generate -i inventory.yaml -o dist')) return;
      if (ROOT_FLEET.test(line) || /-i inventory\.yaml\b|-o dist\b/.test(line)) offenders.push(`${file}:${i + 1}: ${line.trim()}`);
    });
  }
  assert.deepEqual(offenders, []);
});
