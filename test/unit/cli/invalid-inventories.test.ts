// Table-driven bad input: every test/fixtures/invalid/<case>.yaml must exit 2, report each
// line of <case>.expected at its file:line:column, and leave an existing dist/ untouched.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GOLDEN_SEED, REPO_ROOT, runCli, scratchDir, snapshotTree } from '../support/cli';

const INVALID_DIR = join(REPO_ROOT, 'test', 'fixtures', 'invalid');
const cases = readdirSync(INVALID_DIR)
  .filter((f) => f.endsWith('.yaml'))
  .sort();

/** A generated dist/ of the seed fleet to check that bad input changes nothing in it. */
function existingDist(): string {
  const dir = scratchDir();
  cpSync(GOLDEN_SEED, join(dir, 'dist'), { recursive: true, preserveTimestamps: true });
  return join(dir, 'dist');
}

test('there are at least 30 invalid inventories, each with its expected messages', () => {
  assert.ok(cases.length >= 30, `only ${cases.length} cases`);
  for (const file of cases) {
    const expected = readFileSync(join(INVALID_DIR, file.replace(/\.yaml$/, '.expected')), 'utf8').trim();
    assert.notEqual(expected, '', `${file} has an empty .expected`);
  }
});

for (const file of cases) {
  test(`invalid inventory ${file} exits 2 with located errors and writes nothing`, () => {
    const dist = existingDist();
    const before = snapshotTree(dist);
    const relative = `test/fixtures/invalid/${file}`;
    const result = runCli(['generate', '-i', relative, '-o', dist]);
    assert.equal(result.status, 2, result.stderr);
    assert.equal(result.stdout, '');
    const expectedLines = readFileSync(join(INVALID_DIR, file.replace(/\.yaml$/, '.expected')), 'utf8').trim().split('\n');
    for (const line of expectedLines) {
      assert.match(line, /^\d+:\d+: (error|warning): /, `malformed expectation in ${file}: ${line}`);
      assert.ok(result.stderr.includes(`${relative}:${line}`), `missing:\n  ${relative}:${line}\nin:\n${result.stderr}`);
    }
    assert.match(result.stderr, /nothing was written/);
    assert.deepEqual(snapshotTree(dist), before, 'dist/ changed');
  });
}

test('a 50 MB document is refused before it is parsed, and dist/ is untouched', () => {
  const dir = scratchDir();
  const huge = join(dir, 'huge.yaml');
  const line = `# ${'x'.repeat(1021)}\n`;
  writeFileSync(huge, `version: 1\n${line.repeat(50 * 1024)}`);
  const dist = existingDist();
  const before = snapshotTree(dist);
  const started = Date.now();
  const result = runCli(['generate', '-i', huge, '-o', dist]);
  assert.equal(result.status, 2);
  assert.match(result.stderr, /huge\.yaml: error: the file is 50\.0 MiB; kindling reads inventories of at most 16\.0 MiB/);
  assert.ok(Date.now() - started < 5000, 'it should fail fast');
  assert.deepEqual(snapshotTree(dist), before);
});

test('a missing inventory file is a clear input error', () => {
  const result = runCli(['validate', '-i', 'no-such-inventory.yaml']);
  assert.equal(result.status, 2);
  assert.match(result.stderr, /no-such-inventory\.yaml: cannot read the inventory: ENOENT/);
  assert.match(result.stderr, /\n  hint: .*kindling init no-such-inventory\.yaml\n$/);
});
