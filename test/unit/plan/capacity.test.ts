import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSize } from '../../../src/parse/size';
import { runCli, SEED_INVENTORY } from '../support/cli';

test('sizes read as df -h prints them (binary) or in decimal units', () => {
  assert.equal(parseSize('5.0G'), 5 * 1024 ** 3);
  assert.equal(parseSize('9.9G'), Math.round(9.9 * 1024 ** 3));
  assert.equal(parseSize('2TB'), 2 * 1000 ** 4);
  assert.equal(parseSize('512'), 512);
  assert.equal(parseSize('5 GB'), undefined);
});

test('validate warns about hongkong\'s 5.0G /archive, and about the repository copy hosts that cannot hold the repository twice, at their file:line:column', () => {
  const result = runCli(['validate', '-i', SEED_INVENTORY]);
  assert.equal(result.status, 0, result.stderr);
  // The seed has no keys yet: two missing-key warnings per host, besides the capacity ones.
  const all = result.stderr.split('\n').filter((l) => /: warning: /.test(l));
  const warnings = all.filter((l) => !/: ssh(PublicKey|HostKey) missing: /.test(l));
  assert.equal(all.length - warnings.length, 14, result.stderr);
  assert.equal(warnings.length, 3, result.stderr);
  assert.match(
    warnings[0]!,
    /seed\.yaml:\d+:\d+: warning: hosts\.hongkong\.archive\.size: hongkong: .*; \/archive is 5\.0G \(5\.4 GB\) but needs 10\.0 GB: below the seed's minimum of 10 GB/,
  );
  // romania (2.0T) and scotland (2.2T) keep the 2TB repository as it arrives (incoming, the
  // sender's files) and as root's snapshots of it, which cannot share a file with incoming.
  assert.match(
    warnings[1]!,
    /seed\.yaml:\d+:\d+: warning: hosts\.romania\.archive\.size: romania: \/archive full on night 1; largest: repository incoming 50 %, repository snapshots 50 %.*plus 4\.00 TB for the repository \(incoming mirror and snapshots\)/,
  );
  assert.match(warnings[2]!, /seed\.yaml:\d+:\d+: warning: hosts\.scotland\.archive\.size: scotland: \/archive full on night 1; /);
  assert.match(result.stdout, /valid, 7 hosts \(0 errors, 17 warnings\)/);
});
