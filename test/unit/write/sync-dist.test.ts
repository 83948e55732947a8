// syncDist, the streaming write of `kindling generate`: batch by batch, yet all-or-nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RenderedFile } from '../../../src/render/render';
import { addToDist, syncDist } from '../../../src/write/write-dist';
import { scratchDir, snapshotTree } from '../support/cli';

function host(name: string, text: string): RenderedFile[] {
  return [
    { path: `${name}/blaze`, mode: 0o755, content: `#!/usr/bin/env bash\n# ${text}\n` },
    { path: `${name}/SHA256SUMS`, mode: 0o644, content: `${text}\n` },
  ];
}

function* batches(list: RenderedFile[][], failAt = -1): Generator<RenderedFile[]> {
  for (const [i, batch] of list.entries()) {
    if (i === failAt) throw new Error(`template failed for batch ${i}`);
    yield batch;
  }
}

test('a first write creates every host folder whole, with its modes and no temporary names', () => {
  const out = join(scratchDir(), 'dist');
  const summary = syncDist(out, batches([host('alpha', 'a'), host('beta', 'b')]), false);
  assert.deepEqual([summary.written, summary.unchanged, summary.removed], [4, 0, 0]);
  assert.deepEqual(readdirSync(out).sort(), ['alpha', 'beta']);
  const tree = snapshotTree(out);
  assert.equal(tree.get('alpha/blaze')?.mode, 0o755);
  assert.equal(tree.get('beta/SHA256SUMS')?.content, 'b\n');
  const again = syncDist(out, batches([host('alpha', 'a'), host('beta', 'b')]), false);
  assert.deepEqual([again.written, again.unchanged, again.removed], [0, 4, 0]);
});

test('a batch that fails after others were staged leaves the folder exactly as it was', () => {
  const out = join(scratchDir(), 'dist');
  syncDist(out, batches([host('alpha', 'old')]), false);
  const before = snapshotTree(out);
  // alpha changes (staged beside its files), gamma is new (staged as a whole folder), then
  // the third batch fails to render.
  assert.throws(() => syncDist(out, batches([host('alpha', 'new'), host('gamma', 'g'), host('delta', 'd')], 2), false), /template failed/);
  assert.deepEqual(snapshotTree(out), before);
  assert.deepEqual(readdirSync(out), ['alpha']);
  assert.deepEqual(readdirSync(join(out, 'alpha')).sort(), ['SHA256SUMS', 'blaze']);
});

test('check mode lists the changes and removals, sorted, and writes nothing', () => {
  const out = join(scratchDir(), 'dist');
  syncDist(out, batches([host('alpha', 'a'), host('omega', 'o')]), false);
  mkdirSync(join(out, 'notes'));
  writeFileSync(join(out, 'notes', 'keep.txt'), 'mine\n');
  const before = snapshotTree(out);
  const summary = syncDist(out, batches([host('beta', 'b'), host('alpha', 'changed')]), true);
  assert.deepEqual(
    summary.changes.map((c) => `${c.kind} ${c.path}`),
    ['modified alpha/SHA256SUMS', 'modified alpha/blaze', 'added beta/SHA256SUMS', 'added beta/blaze', 'removed omega/SHA256SUMS', 'removed omega/blaze'],
  );
  assert.deepEqual(snapshotTree(out), before);
});

test('a write lists only the files it removes, and counts the ones it adds or changes', () => {
  const out = join(scratchDir(), 'dist');
  syncDist(out, batches([host('alpha', 'a'), host('omega', 'o')]), false);
  const summary = syncDist(out, batches([host('beta', 'b'), host('alpha', 'changed')]), false);
  assert.deepEqual(
    summary.changes.map((c) => `${c.kind} ${c.path}`),
    ['removed omega/SHA256SUMS', 'removed omega/blaze'],
  );
  assert.deepEqual([summary.written, summary.unchanged, summary.removed], [4, 0, 2]);
  assert.equal(snapshotTree(out).get('alpha/blaze')?.content, '#!/usr/bin/env bash\n# changed\n');
});

test('a file the writer thread cannot write, after others were staged, leaves the folder exactly as it was', () => {
  const out = join(scratchDir(), 'dist');
  syncDist(out, batches([host('alpha', 'old')]), false);
  const before = snapshotTree(out);
  // alpha/blaze is a file, so alpha/blaze/x cannot be made: the failure happens on the writer
  // thread, after alpha's new files and all of gamma were handed to it.
  const broken: RenderedFile = { path: 'alpha/blaze/x', mode: 0o644, content: 'no\n' };
  assert.throws(() => syncDist(out, batches([[...host('alpha', 'new'), broken], host('gamma', 'g')]), false), /cannot write .*alpha\/blaze.*; .* was left as it was/);
  assert.deepEqual(snapshotTree(out), before);
  assert.deepEqual(readdirSync(out), ['alpha']);
  assert.deepEqual(readdirSync(join(out, 'alpha')).sort(), ['SHA256SUMS', 'blaze']);
});

test('more files than the writer thread holds at once are all written, with their contents and modes', () => {
  const out = join(scratchDir(), 'dist');
  // 400 hosts of two files: more jobs than background-writer.ts lets wait, so posting blocks and resumes.
  const list = Array.from({ length: 400 }, (_, i) => host(`host-${String(i).padStart(3, '0')}`, `text ${i}`));
  const summary = syncDist(out, batches(list), false);
  assert.equal(summary.written, 800);
  const tree = snapshotTree(out);
  assert.equal(tree.size, 800);
  for (const [i, files] of list.entries()) {
    for (const file of files) {
      assert.equal(tree.get(file.path)?.content, file.content, `host ${i}`);
      assert.equal(tree.get(file.path)?.mode, file.mode, `host ${i}`);
    }
  }
});

test('the umask does not decide the modes: 0755 and 0644 under umask 077, new folders, changed files and added ones alike', () => {
  const out = join(scratchDir(), 'dist');
  const previous = process.umask(0o077); // the process's: the writer thread's files too
  try {
    syncDist(out, batches([host('alpha', 'a')]), false); // a new folder, written whole on the writer thread
    syncDist(out, batches([host('alpha', 'changed'), host('beta', 'b')]), false); // changed files, one by one
    addToDist(out, [{ path: 'alpha/notes', mode: 0o640, content: 'added on the main thread\n' }]);
  } finally {
    process.umask(previous);
  }
  const tree = snapshotTree(out);
  assert.deepEqual(
    ['alpha/blaze', 'alpha/SHA256SUMS', 'beta/blaze', 'beta/SHA256SUMS', 'alpha/notes'].map((path) => [path, tree.get(path)?.mode.toString(8)]),
    [['alpha/blaze', '755'], ['alpha/SHA256SUMS', '644'], ['beta/blaze', '755'], ['beta/SHA256SUMS', '644'], ['alpha/notes', '640']],
  );
});
