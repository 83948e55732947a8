// kindling-receive, the forced command behind every key: a person reading its --help is not an
// intruder (no security alert), while a call without the caller's name still raises one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildDist } from '../../../src/pipeline';
import { SEED_INVENTORY, scratchDir } from '../support/cli';

const dir = scratchDir();
const script = join(dir, 'kindling-receive');
writeFileSync(script, buildDist(SEED_INVENTORY).files.find((f) => f.path === 'australia/kindling-receive')!.content);
// A logger that records its arguments: the script's PATH puts the caller's folders first.
const bin = join(dir, 'bin');
const alerts = join(dir, 'alerts');
mkdirSync(bin);
writeFileSync(join(bin, 'logger'), `#!/bin/sh\nprintf '%s\\n' "$*" >>'${alerts}'\n`);
chmodSync(join(bin, 'logger'), 0o755);

function receive(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const env = { PATH: `${bin}:${process.env.PATH}`, SSH_ORIGINAL_COMMAND: '' };
  return spawnSync('bash', [script, ...args], { encoding: 'utf8', env });
}

test('kindling-receive --help prints the usage and the exit codes, exits 0 and raises no alert', () => {
  for (const option of ['--help', '-h']) {
    const result = receive(option);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /^Usage: kindling-receive CALLER$/m);
    assert.match(result.stdout, /^ {2}2 {4}bad usage/m);
    assert.equal(result.stderr, '');
    assert.equal(existsSync(alerts), false, 'logger was called');
  }
});

test('kindling-receive without a caller is refused with exit 1 and an alert to syslog', () => {
  const result = receive();
  assert.equal(result.status, 1);
  assert.match(result.stderr, /ERROR refused: kindling-receive takes the caller's host name/);
  assert.match(readFileSync(alerts, 'utf8'), /^-p auth\.notice -t kindling-receive -- refused: /m);
});
