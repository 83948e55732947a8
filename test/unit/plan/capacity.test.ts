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

test('validate warns about hongkong\'s 5.0G /archive at its file:line:column, and only about it (romania and scotland hold the repository once)', () => {
  const result = runCli(['validate', '-i', SEED_INVENTORY]);
  assert.equal(result.status, 0, result.stderr);
  // The seed has no keys yet: two missing-key warnings per host, besides the capacity one.
  const all = result.stderr.split('\n').filter((l) => /: warning: /.test(l));
  const warnings = all.filter((l) => !/: ssh(PublicKey|HostKey) missing: /.test(l));
  assert.equal(all.length - warnings.length, 14, result.stderr);
  assert.equal(warnings.length, 1, result.stderr);
  assert.match(
    warnings[0]!,
    /seed\.yaml:\d+:\d+: warning: hosts\.hongkong\.archive\.size: hongkong: .*; \/archive is 5\.0G \(5\.4 GB\) but needs 10\.0 GB: below the seed's minimum of 10 GB/,
  );
  assert.match(result.stdout, /valid, 7 hosts \(0 errors, 15 warnings\)/);
});
