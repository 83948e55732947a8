// The writer thread of generate: jobs done in order, the first failure reported, and a thread
// that is gone given up on within a bound instead of waited for forever.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { BackgroundWriter } from '../../../src/write/background-writer';
import { MESSAGE_BYTES } from '../../../src/write/writer-protocol';
import { scratchDir } from '../support/cli';

/** A writer thread whose first job makes a scratch folder, DIR. */
function writerWithFolder(): { dir: string; writer: BackgroundWriter } {
  const dir = join(scratchDir(), 'staged');
  const writer = new BackgroundWriter();
  writer.mkdir(dir, false);
  return { dir, writer };
}

test('jobs are done in the order posted: a folder, then its files, with their modes', () => {
  const { dir, writer } = writerWithFolder();
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

test('UTF-8 longer than a byte a character arrives whole, in files before, among and after ASCII ones', () => {
  const { dir, writer } = writerWithFolder();
  // The message buffer is sized a byte a character: each of these makes it grow, mid-file.
  const texts = ['plain\n', 'é'.repeat(1000), `${'a'.repeat(500)}😀${'ü'.repeat(3)}`, '漢字'.repeat(700), 'plain again\n', '😀', '€'.repeat(400_000)];
  // The first file of a message longer in UTF-8 than the whole buffer, too.
  writer.write(join(dir, 'first'), '€'.repeat(400_000), 0o644);
  for (let round = 0; round < 10; round += 1) texts.forEach((text, i) => writer.write(join(dir, `f-${round}-${i}`), text, 0o644));
  writer.finish();
  writer.close();
  assert.deepEqual(readFileSync(join(dir, 'first')), Buffer.from('€'.repeat(400_000), 'utf8'));
  // ... and as the very first job of a writer (nothing unsent to send to make room).
  const lone = new BackgroundWriter();
  const big = join(scratchDir(), 'big');
  lone.write(big, '€'.repeat(400_000), 0o644);
  lone.finish();
  lone.close();
  assert.deepEqual(readFileSync(big), Buffer.from('€'.repeat(400_000), 'utf8'));
  for (let round = 0; round < 10; round += 1) {
    texts.forEach((text, i) => assert.deepEqual(readFileSync(join(dir, `f-${round}-${i}`)), Buffer.from(text, 'utf8'), `f-${round}-${i}`));
  }
});

test('a file longer than a message buffer, ASCII or not, gets a buffer of its own and arrives whole among small ones', () => {
  const { dir, writer } = writerWithFolder();
  // Longer than MESSAGE_BYTES in characters: sized by Buffer.byteLength before it is encoded.
  const large = [`${'x'.repeat(MESSAGE_BYTES)}—end`, '—'.repeat(MESSAGE_BYTES + 1), `${'€'.repeat(200_000)}${'y'.repeat(MESSAGE_BYTES)}`, 'z'.repeat(MESSAGE_BYTES + 7)];
  writer.write(join(dir, 'small-before'), 'small\n', 0o644);
  large.forEach((text, i) => {
    writer.write(join(dir, `large-${i}`), text, 0o644);
    writer.write(join(dir, `small-${i}`), `after ${i} — ü\n`, 0o644);
  });
  writer.finish();
  writer.close();
  assert.deepEqual(readFileSync(join(dir, 'small-before'), 'utf8'), 'small\n');
  large.forEach((text, i) => {
    assert.deepEqual(readFileSync(join(dir, `large-${i}`)), Buffer.from(text, 'utf8'), `large-${i}`);
    assert.equal(readFileSync(join(dir, `small-${i}`), 'utf8'), `after ${i} — ü\n`);
  });
});

test("a folder's SHA256SUMS is made from the bytes written with sumAs since the last one, sorted by name", () => {
  const { dir, writer } = writerWithFolder();
  writer.write(join(dir, 'zeta'), 'last by name\n', 0o755, 'zeta');
  writer.write(join(dir, 'alpha'), 'ünïcode\n', 0o644, 'alpha');
  writer.writeSums(join(dir, 'SUMS-1'), 0o644);
  writer.write(join(dir, 'other'), 'second folder\n', 0o644, 'other');
  writer.write(join(dir, 'unsummed'), 'not in any SHA256SUMS\n', 0o644);
  writer.writeSums(join(dir, 'SUMS-2'), 0o644);
  writer.finish();
  writer.close();
  const sha = (text: string): string => createHash('sha256').update(Buffer.from(text, 'utf8')).digest('hex');
  assert.equal(readFileSync(join(dir, 'SUMS-1'), 'utf8'), `${sha('ünïcode\n')}  alpha\n${sha('last by name\n')}  zeta\n`);
  assert.equal(readFileSync(join(dir, 'SUMS-2'), 'utf8'), `${sha('second folder\n')}  other\n`);
});

test('finish gives each file written (sums too) as it was written: size, mtime and mode, in the order posted', () => {
  const { dir, writer } = writerWithFolder();
  writer.write(join(dir, 'script'), '#!/bin/bash\nexit 0\n', 0o755, 'script');
  writer.write(join(dir, 'notes'), 'ünïcode\n', 0o640, 'notes');
  writer.writeSums(join(dir, 'SHA256SUMS'), 0o644);
  const stamps = writer.finish();
  writer.write(join(dir, 'later'), 'after the first finish\n', 0o600);
  const later = writer.finish();
  writer.close();
  const expected = (name: string): number[] => {
    const stat = statSync(join(dir, name));
    return [stat.size, stat.mtimeMs, stat.mode & 0o777];
  };
  assert.deepEqual([...stamps], [...expected('script'), ...expected('notes'), ...expected('SHA256SUMS')]);
  assert.deepEqual([...later], expected('later'), 'a finish gives the files since the last one');
});

test('a file written in parts is their bytes joined, made by its first part and stamped once, after its last', () => {
  const { dir, writer } = writerWithFolder();
  const large = 'ü'.repeat(MESSAGE_BYTES); // longer than a message buffer, and in UTF-8 twice that
  // Written in slices of MESSAGE_BYTES / 3 units: a surrogate pair across a slice's end stays whole.
  const pairAtCut = `${'a'.repeat(Math.floor(MESSAGE_BYTES / 3) - 1)}😀${'b'.repeat(MESSAGE_BYTES)}`;
  const parts = ['# title\n', large, '', 'a — b\n', pairAtCut, 'end\n'];
  writer.write(join(dir, 'before'), 'plain\n', 0o644);
  writer.writeInParts(join(dir, 'README.md'), parts, 0o640);
  writer.writeInParts(join(dir, 'one'), ['only part\n'], 0o644);
  writer.writeInParts(join(dir, 'empty'), [], 0o600);
  writer.write(join(dir, 'after'), 'plain too\n', 0o644);
  const stamps = writer.finish();
  writer.close();
  assert.equal(readFileSync(join(dir, 'README.md'), 'utf8'), parts.join(''));
  assert.equal(readFileSync(join(dir, 'one'), 'utf8'), 'only part\n');
  assert.equal(readFileSync(join(dir, 'empty'), 'utf8'), '');
  const expected = (name: string): number[] => {
    const stat = statSync(join(dir, name));
    return [stat.size, stat.mtimeMs, stat.mode & 0o777];
  };
  // One stamp a file, in the order posted: a part is not a file.
  assert.deepEqual([...stamps], ['before', 'README.md', 'one', 'empty', 'after'].flatMap(expected));
  assert.equal(statSync(join(dir, 'README.md')).mode & 0o777, 0o640);
});

test('writing in parts reads each part as it is written: a part that fails to come stops it there', () => {
  const { dir, writer } = writerWithFolder();
  let read = 0;
  function* parts(): Generator<string> {
    read += 1;
    yield 'first\n';
    read += 1;
    throw new Error('the second section failed to render');
  }
  assert.throws(() => writer.writeInParts(join(dir, 'README.md'), parts(), 0o644), /second section failed/);
  assert.equal(read, 2);
  writer.finish();
  writer.close();
});

test('message buffers go back and forth: 96 MB through the thread holds a few MB of them, and no file gets another one\'s bytes', () => {
  const { dir, writer } = writerWithFolder();
  // 240 files of 400 KB, each a different byte: a reused buffer that still held an earlier
  // file's bytes, or went back before its file was written, would show in some file.
  const size = 400 * 1024;
  // Earlier tests' buffers may still wait for the collector: only what this test adds counts.
  const before = process.memoryUsage().arrayBuffers;
  let most = 0;
  for (let i = 0; i < 240; i += 1) {
    writer.write(join(dir, `f-${i}`), String.fromCharCode(0x41 + (i % 26)).repeat(size - 1) + '\n', 0o644);
    most = Math.max(most, process.memoryUsage().arrayBuffers - before);
  }
  writer.finish();
  writer.close();
  for (let i = 0; i < 240; i += 1) {
    const bytes = readFileSync(join(dir, `f-${i}`));
    assert.equal(bytes.length, size);
    assert.equal(bytes.indexOf(0x41 + (i % 26)), 0);
    assert.ok(bytes.subarray(0, size - 1).every((b) => b === 0x41 + (i % 26)), `f-${i} holds other bytes`);
  }
  // At most MAX_BUFFERS (16) buffers of 512 KB, the unsent one among them; the rest is the test's own.
  assert.ok(most < 24 * 1024 * 1024, `${(most / 1024 / 1024).toFixed(0)} MB of buffers held at once`);
});

test('many large files longer in UTF-8 than a byte a character, each first in its message, are all written without waiting for a buffer that cannot come back', () => {
  // Each such file takes a pooled buffer, finds it too small once encoded, and needs one of its
  // own: the pooled one must not be lost to the count of buffers made, or the writer waits
  // for a buffer none of its messages holds (here cut short: 5 s without a file finishing).
  const dir = join(scratchDir(), 'staged');
  const writer = new BackgroundWriter(5_000);
  writer.mkdir(dir, false);
  const text = '€'.repeat(200_000); // 200,000 characters, 600,000 bytes
  for (let i = 0; i < 24; i += 1) writer.write(join(dir, `wide-${i}`), text, 0o644);
  writer.finish();
  writer.close();
  const expected = Buffer.from(text, 'utf8');
  for (let i = 0; i < 24; i += 1) assert.deepEqual(readFileSync(join(dir, `wide-${i}`)), expected, `wide-${i}`);
});
