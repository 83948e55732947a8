// syncDist, the streaming write of `kindling generate`: batch by batch, yet all-or-nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { HostBatch, RenderedFile } from '../../../src/render/render';
import { InternalError } from '../../../src/errors';
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

/** The fleet files' batch: a README in SECTIONS (a function throws as its section is rendered), counting the sections rendered. */
function fleetBatch(sections: (string | (() => string))[], digest: string, rendered: { sections: number }): HostBatch {
  const files = () => {
    function* each(): Generator<string> {
      for (const section of sections) {
        rendered.sections += 1;
        yield typeof section === 'string' ? section : section();
      }
    }
    return [{ path: 'README.md', mode: 0o644, sections: each }];
  };
  return { folder: '', digest, render: () => [{ path: 'README.md', mode: 0o644, content: sections.map((x) => (typeof x === 'string' ? x : x())).join('') }], renderInSections: files };
}

test('a file in sections is written, compared and checked a section at a time', () => {
  const out = join(scratchDir(), 'dist');
  const rendered = { sections: 0 };
  const first = syncDist(out, [...batches([host('alpha', 'a')]), fleetBatch(['# fleet\n', 'a — 1\n'], 'f1', rendered)], false);
  assert.deepEqual([first.written, first.unchanged], [3, 0]);
  assert.equal(rendered.sections, 2);
  assert.equal(snapshotTree(out).get('README.md')?.content, '# fleet\na — 1\n');
  const mtime = statSync(join(out, 'README.md')).mtimeMs;

  // Rendered again (another digest), the same bytes cut elsewhere: unchanged, left as it was.
  const same = syncDist(out, [...batches([host('alpha', 'a')]), fleetBatch(['# fleet\na', ' — 1\n'], 'f2', rendered)], false);
  assert.deepEqual([same.written, same.unchanged], [0, 3]);
  assert.equal(statSync(join(out, 'README.md')).mtimeMs, mtime);

  const before = snapshotTree(out);
  const check = syncDist(out, [...batches([host('alpha', 'a')]), fleetBatch(['# fleet\n', 'a — 2\n'], 'f3', rendered)], true);
  assert.deepEqual(check.changes, [{ path: 'README.md', kind: 'modified' }]);
  assert.deepEqual(snapshotTree(out), before, 'a check wrote');

  const changed = syncDist(out, [...batches([host('alpha', 'a')]), fleetBatch(['# fleet\n', 'a — 2\n', 'more\n'], 'f4', rendered)], false);
  assert.deepEqual([changed.written, changed.unchanged], [1, 2]);
  assert.equal(snapshotTree(out).get('README.md')?.content, '# fleet\na — 2\nmore\n');
});

test('a FIFO where a generated file should be is replaced, not waited on for a writer', () => {
  const out = join(scratchDir(), 'dist');
  syncDist(out, [...batches([host('alpha', 'a')]), fleetBatch(['# fleet\n', 'a\n'], 'f1', { sections: 0 })], false);
  for (const path of ['alpha/blaze', 'README.md']) {
    rmSync(join(out, path));
    execFileSync('mkfifo', [join(out, path)]);
  }
  // In a process of its own: an open that waits for a FIFO's writer blocks its whole thread,
  // which no test timeout can end.
  const script = `
    const { syncDist } = require(${JSON.stringify(require.resolve('../../../src/write/write-dist'))});
    const readme = { path: 'README.md', mode: 0o644, sections: () => ['# fleet\\n', 'a\\n'] };
    const fleet = { folder: '', digest: 'f2', render: () => [], renderInSections: () => [readme] };
    const alpha = [{ path: 'alpha/blaze', mode: 0o755, content: '#!/usr/bin/env bash\\n# a\\n' }, { path: 'alpha/SHA256SUMS', mode: 0o644, content: 'a\\n' }];
    process.stdout.write(String(syncDist(${JSON.stringify(out)}, [alpha, fleet], false).written));
  `;
  const run = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 20_000 });
  assert.equal(run.signal, null, 'generate waited on a FIFO');
  assert.equal(run.status, 0, run.stderr);
  assert.equal(run.stdout, '2');
  assert.equal(snapshotTree(out).get('alpha/blaze')?.content, '#!/usr/bin/env bash\n# a\n');
  assert.equal(snapshotTree(out).get('README.md')?.content, '# fleet\na\n');
});

test("a section that fails to render fails the run as the template's failure, and leaves the folder as it was", () => {
  const out = join(scratchDir(), 'dist');
  syncDist(out, batches([host('alpha', 'a')]), false);
  const before = snapshotTree(out);
  const failing = (): string => {
    throw new InternalError('fleet template README.md failed: boom');
  };
  // A new README: its first section is handed to the writer thread before the second fails.
  assert.throws(
    () => syncDist(out, [...batches([host('beta', 'b')]), fleetBatch(['# fleet\n', failing], 'f1', { sections: 0 })], false),
    (error: unknown) => error instanceof InternalError && /boom/.test(error.message) && !/cannot write/.test(error.message),
  );
  assert.deepEqual(snapshotTree(out), before);
  assert.deepEqual(readdirSync(out), ['alpha']);
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
