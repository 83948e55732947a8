// Where kindling finds the inventory and puts its output when the command line does not say:
// the nearest inventory.yaml here or above (or $KINDLING_INVENTORY), dist/ beside it; a
// positional inventory for validate and generate; a clear message when there is none.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { SEED_INVENTORY, runCli } from '../support/cli';
import { scratchDirFor } from '../support/scratch';

/** A fleet repository in a scratch folder: inventory.yaml at its root and a subfolder docs/notes/. */
function fleetRepository(t: Parameters<typeof scratchDirFor>[0]): { root: string; sub: string } {
  const root = scratchDirFor(t);
  copyFileSync(SEED_INVENTORY, join(root, 'inventory.yaml'));
  const sub = join(root, 'docs', 'notes');
  mkdirSync(sub, { recursive: true });
  return { root, sub };
}

test('from a subfolder, kindling finds the inventory above and names it as reached from here', (t) => {
  const { sub } = fleetRepository(t);
  const result = runCli(['validate'], { cwd: sub });
  assert.equal(result.status, 0, result.stderr);
  assert.match(result.stdout, /^\.\.\/\.\.\/inventory\.yaml: valid, 7 hosts /);
  assert.match(result.stderr, /^\.\.\/\.\.\/inventory\.yaml:\d+:\d+: warning: /m);
});

test('from a subfolder, generate writes dist/ beside the inventory, not into the subfolder', (t) => {
  const { root, sub } = fleetRepository(t);
  const result = runCli(['generate'], { cwd: sub });
  assert.equal(result.status, 0, result.stderr);
  assert.match(result.stdout, /^\.\.\/\.\.\/dist\/: \d+ written, 0 unchanged, 0 removed\n$/);
  assert.ok(existsSync(join(root, 'dist', 'chile', 'blaze')));
  assert.deepEqual(readdirSync(sub), []);
  // And diff, run from the root, compares with that same dist/.
  const diff = runCli(['diff', '--stat'], { cwd: root, env: { GIT_CEILING_DIRECTORIES: root } });
  assert.match(diff.stdout, /^kindling diff: inventory\.yaml against dist\/; .*\nno changes\n$/);
  assert.equal(diff.status, 0);
});

test('KINDLING_INVENTORY names the inventory when -i does not; -i wins over it', (t) => {
  const { root } = fleetRepository(t);
  const elsewhere = scratchDirFor(t);
  const byEnv = runCli(['plan', '--json'], { cwd: elsewhere, env: { KINDLING_INVENTORY: join(root, 'inventory.yaml') } });
  assert.equal(byEnv.status, 0, byEnv.stderr);
  assert.equal((JSON.parse(byEnv.stdout) as { hosts: unknown[] }).hosts.length, 7);
  const missing = runCli(['validate'], { cwd: elsewhere, env: { KINDLING_INVENTORY: join(elsewhere, 'nope.yaml') } });
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /KINDLING_INVENTORY=.*nope\.yaml: no such file/);
  const byOption = runCli(['validate', '-i', join(root, 'inventory.yaml')], { cwd: elsewhere, env: { KINDLING_INVENTORY: join(elsewhere, 'nope.yaml') } });
  assert.equal(byOption.status, 0, byOption.stderr);
});

test('with no inventory here or above, the message hints at -i FILE and kindling init, exit 2', (t) => {
  const empty = scratchDirFor(t);
  for (const command of ['validate', 'generate', 'plan', 'diff', 'graph']) {
    const result = runCli([command], { cwd: empty, env: { KINDLING_INVENTORY: '' } });
    assert.equal(result.status, 2, command);
    assert.equal(result.stdout, '');
    assert.match(result.stderr, /^kindling: no inventory\.yaml in \/.* or any folder above it\n  hint: .*-i FILE.*kindling init\n$/, command);
  }
  assert.deepEqual(readdirSync(empty), [], 'nothing was written');
});

test('validate FILE and generate FILE take the inventory as a positional argument', (t) => {
  const { root } = fleetRepository(t);
  const validate = runCli(['validate', 'inventory.yaml'], { cwd: root });
  assert.equal(validate.status, 0, validate.stderr);
  assert.match(validate.stdout, /^inventory\.yaml: valid, 7 hosts/);
  const out = join(root, 'release');
  const generate = runCli(['generate', 'inventory.yaml', '-o', out], { cwd: root });
  assert.equal(generate.status, 0, generate.stderr);
  assert.ok(existsSync(join(out, 'iraq', 'crontab')));
  const both = runCli(['validate', 'inventory.yaml', '-i', 'other.yaml'], { cwd: root });
  assert.equal(both.status, 2);
  assert.match(both.stderr, /two inventories given: inventory\.yaml and -i other\.yaml/);
});
