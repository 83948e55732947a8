// The writer thread of generate: jobs done in order, the first failure reported, and a thread
// that is gone given up on within a bound instead of waited for forever.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { BackgroundWriter } from '../../../src/write/background-writer';
import { scratchDir } from '../support/cli';

test('jobs are done in the order posted: a folder, then its files, with their modes', () => {
  const dir = join(scratchDir(), 'staged');
  const writer = new BackgroundWriter();
  writer.mkdir(dir, false);
  for (let i = 0; i < 40; i += 1) writer.write(join(dir, `file-${i}`), `content ${i}\n`, i % 2 === 0 ? 0o755 : 0o640);
  writer.finish();
  writer.close();
  for (let i = 0; i < 40; i += 1) {
    assert.equal(readFileSync(join(dir, `file-${i}`), 'utf8'), `content ${i}\n`);
    assert.equal(statSync(join(dir, `file-${i}`)).mode & 0o777, i % 2 === 0 ? 0o755 : 0o640);
  }
});

test('the first failure is reported and nothing after it is written', () => {
  const dir = join(scratchDir(), 'staged');
  const writer = new BackgroundWriter();
  writer.write(join(dir, 'no-folder-yet'), 'x', 0o644); // the folder is made only below: fails
  writer.mkdir(dir, false);
  writer.write(join(dir, 'later'), 'y', 0o644);
  assert.throws(() => writer.finish(), /ENOENT.*no-folder-yet/);
  writer.close();
  assert.equal(statSync(dir, { throwIfNoEntry: false }), undefined, 'a job after the failure was done');
});

test('a thread that is gone is given up on after the bound, and again at once', () => {
  const writer = new BackgroundWriter(1_500);
  writer.close(); // the thread ends: nothing will ever finish
  writer.write(join(scratchDir(), 'never'), 'x', 0o644);
  const started = Date.now();
  assert.throws(() => writer.finish(), /has not finished a file for 1.5 s/);
  assert.ok(Date.now() - started < 10_000, 'the wait was not bounded');
  assert.throws(() => writer.finish(), /stopped/);
});
