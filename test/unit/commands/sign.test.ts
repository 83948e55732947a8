// `kindling sign`: refused for a fleet without fleet.signing (its hosts would not check a
// signature, and generate --check would then fail on the stray files); otherwise every host's
// MANIFEST and MANIFEST.sig are written through write/, all or nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import { REPO_ROOT, runCli, snapshotTree } from '../support/cli';
import { scratchDirFor } from '../support/scratch';

const FIXTURE = join(REPO_ROOT, 'test', 'fixtures', 'inventories', 'wf-fleet.yaml');

function keyPair(dir: string, name: string): string {
  const key = join(dir, name);
  const made = spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', name, '-f', key]);
  assert.equal(made.status, 0, String(made.stderr));
  return key;
}

test('sign refuses an inventory without fleet.signing, says what to add, and writes nothing', (t) => {
  const dir = scratchDirFor(t);
  const out = join(dir, 'dist');
  assert.equal(runCli(['generate', '-i', FIXTURE, '-o', out]).status, 0);
  const before = snapshotTree(out);
  const result = runCli(['sign', '-i', FIXTURE, '--key', keyPair(dir, 'reviewer'), '-o', out, '--serial', '5']);
  assert.equal(result.status, 2);
  assert.equal(result.stdout, '');
  assert.match(result.stderr, /wf-fleet\.yaml has no fleet\.signing: .*writes nothing\n  hint: add fleet\.signing\.allowedSigners/);
  assert.deepEqual(snapshotTree(out), before);
  assert.equal(runCli(['generate', '--check', '-i', FIXTURE, '-o', out]).status, 0, 'generate --check still passes');
});

test('with fleet.signing, sign signs dist/ beside the inventory; a key that cannot sign changes nothing', (t) => {
  const dir = scratchDirFor(t);
  const reviewer = keyPair(dir, 'reviewer');
  const document = parseDocument(readFileSync(FIXTURE, 'utf8'));
  const signer = `reviewer@example namespaces="kindling" ${readFileSync(`${reviewer}.pub`, 'utf8').split(' ').slice(0, 2).join(' ')}`;
  document.setIn(['fleet', 'signing'], document.createNode({ allowedSigners: [signer] }));
  const inventory = join(dir, 'inventory.yaml');
  writeFileSync(inventory, document.toString());
  assert.equal(runCli(['generate'], { cwd: dir }).status, 0);

  const signed = runCli(['sign', '--key', reviewer, '--serial', '9'], { cwd: dir });
  assert.equal(signed.status, 0, signed.stderr);
  assert.equal(signed.stdout, 'dist/: signed 3 hosts (alpha, bravo, charlie) with serial 9\n');
  writeFileSync(join(dir, 'allowed_signers'), `${signer}\n`);
  for (const host of ['alpha', 'bravo', 'charlie']) {
    const manifest = readFileSync(join(dir, 'dist', host, 'MANIFEST'));
    assert.match(manifest.toString(), new RegExp(`^kindling-manifest 1\\nhost ${host}\\nserial 9\\nsha256sums [0-9a-f]{64}\\n$`));
    const verify = spawnSync('ssh-keygen', ['-Y', 'verify', '-f', join(dir, 'allowed_signers'), '-I', 'reviewer@example', '-n', 'kindling', '-s', join(dir, 'dist', host, 'MANIFEST.sig')], { input: manifest });
    assert.equal(verify.status, 0, String(verify.stderr));
  }

  // A file that is no key: ssh-keygen fails on the first host, nothing changes on any.
  const before = snapshotTree(join(dir, 'dist'));
  writeFileSync(join(dir, 'not-a-key'), 'not a key\n', { mode: 0o600 });
  const failed = runCli(['sign', '--key', join(dir, 'not-a-key'), '--serial', '10'], { cwd: dir, env: { SSH_AUTH_SOCK: '' } });
  assert.equal(failed.status, 2);
  assert.match(failed.stderr, /ssh-keygen could not sign .*MANIFEST with /);
  assert.deepEqual(snapshotTree(join(dir, 'dist')), before);
});
