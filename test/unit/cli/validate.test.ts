// `kindling validate --strict`: warnings fail (exit 2), as `helm lint --strict`; without
// --strict they are printed and the inventory is valid.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { FLEET20_INVENTORY, REPO_ROOT, SEED_INVENTORY, runCli, scratchDir } from '../support/cli';

test('validate prints the warnings and succeeds; validate --strict fails on them with exit 2', () => {
  const plain = runCli(['validate', SEED_INVENTORY]);
  assert.equal(plain.status, 0, plain.stderr);
  const warnings = plain.stderr.split('\n').filter((l) => l.includes(': warning: '));
  assert.ok(warnings.length > 0, 'the seed fleet should have a warning (hongkong\'s /archive)');
  const strict = runCli(['validate', '--strict', SEED_INVENTORY]);
  assert.equal(strict.status, 2);
  assert.equal(strict.stdout, '');
  for (const w of warnings) assert.ok(strict.stderr.includes(w), `--strict dropped "${w}"`);
  assert.match(strict.stderr, new RegExp(`kindling: .*: ${warnings.length} warnings?, and --strict fails on warnings\\n$`));
});

test('validate --strict passes an inventory without warnings', () => {
  const result = runCli(['validate', '--strict', '-i', FLEET20_INVENTORY]);
  assert.deepEqual([result.status, result.stderr], [0, '']);
  assert.match(result.stdout, /: valid, 20 hosts \(0 errors, 0 warnings\)\n$/);
});

test('the benchmarks\' inventories are valid: the generated fleet of bench/generate-inventory.js and bench/blaze/inventory.yaml', () => {
  const generated = join(scratchDir(), 'inventory.yaml');
  const made = spawnSync(process.execPath, [join(REPO_ROOT, 'bench', 'generate-inventory.js'), '20', '--seed', '1', '-o', generated], { encoding: 'utf8' });
  assert.equal(made.status, 0, made.stderr);
  for (const inventory of [generated, join(REPO_ROOT, 'bench', 'blaze', 'inventory.yaml')]) {
    const result = runCli(['validate', '-i', inventory]);
    assert.equal(result.status, 0, `${inventory}:\n${result.stderr}`);
  }
});
