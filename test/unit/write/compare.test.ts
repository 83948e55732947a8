// The one file comparison of generate and diff, and addToDist, the all-or-nothing write of
// files into an existing output folder (kindling sign's MANIFESTs and signatures).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { compareFile, compareRenderedFiles, compareSections } from '../../../src/write/compare';
import { addToDist, planDistChanges } from '../../../src/write/write-dist';
import { snapshotTree } from '../support/cli';
import { scratchDirFor } from '../support/scratch';

const file = (path: string, content: string, mode = 0o644): { path: string; content: string; mode: number } => ({ path, content, mode });

test('compareFile tells new, removed, changed, mode-only and unchanged apart', () => {
  assert.deepEqual(compareFile('a', undefined, file('a', 'x')), { path: 'a', kind: 'added', before: undefined, after: 'x' });
  assert.deepEqual(compareFile('a', file('a', 'x'), undefined), { path: 'a', kind: 'removed', before: 'x', after: undefined });
  assert.deepEqual(compareFile('a', file('a', 'x'), file('a', 'y')), { path: 'a', kind: 'modified', before: 'x', after: 'y' });
  assert.deepEqual(compareFile('a', file('a', 'x', 0o644), file('a', 'x', 0o755)), { path: 'a', kind: 'mode', before: 'x', after: 'x' });
  assert.equal(compareFile('a', file('a', 'x'), file('a', 'x')), undefined);
});

test('compareSections compares a file in sections where each falls, and keeps them only to be written', () => {
  const sectioned = (sections: string[], mode = 0o644) => ({ path: 'README.md', mode, sections });
  const before = file('README.md', '# a\nbc\n');
  assert.deepEqual(compareSections(before, sectioned(['# a\n', 'bc\n']), true), { kind: undefined, sections: ['# a\n', 'bc\n'] });
  assert.deepEqual(compareSections(before, sectioned(['# a', '\nb', 'c\n']), false), { kind: undefined, sections: [] });
  assert.equal(compareSections(before, sectioned(['# a\n', 'bc\n', 'd']), false).kind, 'modified', 'longer');
  assert.equal(compareSections(before, sectioned(['# a\n', 'b']), false).kind, 'modified', 'shorter');
  assert.equal(compareSections(before, sectioned(['# a\n', 'bx\n']), false).kind, 'modified', 'a section changed');
  assert.equal(compareSections(before, sectioned(['bc\n', '# a\n']), false).kind, 'modified', 'the same sections in another order');
  assert.equal(compareSections(before, sectioned(['# a\n', 'bc\n'], 0o600), false).kind, 'mode');
  // A new file: its sections are handed on unread, to be rendered as they are written.
  let read = false;
  const unread = (function* (): Generator<string> {
    read = true;
    yield 'x';
  })();
  const added = compareSections(undefined, { path: 'README.md', mode: 0o644, sections: unread }, true);
  assert.equal(added.kind, 'added');
  assert.equal(read, false);
  assert.deepEqual([...added.sections], ['x']);
});

test('comparing two renderings and comparing a rendering with the folder on disk give the same changes', (t) => {
  const out = scratchDirFor(t);
  const before = [file('alpha/blaze', 'old\n', 0o755), file('alpha/SHA256SUMS', 's\n'), file('alpha/mode', 'm\n', 0o644), file('beta/SHA256SUMS', 'b\n'), file('README.md', 'r\n')];
  const after = [file('alpha/blaze', 'new\n', 0o755), file('alpha/SHA256SUMS', 's\n'), file('alpha/mode', 'm\n', 0o755), file('gamma/SHA256SUMS', 'g\n'), file('README.md', 'r\n')];
  for (const f of before) {
    mkdirSync(join(out, f.path, '..'), { recursive: true });
    writeFileSync(join(out, f.path), f.content);
    chmodSync(join(out, f.path), f.mode);
  }
  const expected = [
    { path: 'alpha/blaze', kind: 'modified' },
    { path: 'alpha/mode', kind: 'mode' },
    { path: 'beta/SHA256SUMS', kind: 'removed' },
    { path: 'gamma/SHA256SUMS', kind: 'added' },
  ];
  const kinds = (list: { path: string; kind: string }[]): { path: string; kind: string }[] => list.map(({ path, kind }) => ({ path, kind }));
  assert.deepEqual(kinds(compareRenderedFiles(before, after)), expected);
  assert.deepEqual(kinds(planDistChanges(out, after).changes), expected);
});

test('addToDist writes every file or none: a failure part-way leaves the folder as it was', (t) => {
  const out = scratchDirFor(t);
  mkdirSync(join(out, 'alpha'));
  mkdirSync(join(out, 'beta'));
  writeFileSync(join(out, 'alpha', 'MANIFEST'), 'old\n');
  writeFileSync(join(out, 'beta', 'MANIFEST'), 'old\n');
  const before = snapshotTree(out);
  // beta/MANIFEST is a file, so a path below it fails after alpha's files were staged.
  assert.throws(
    () => addToDist(out, [file('alpha/MANIFEST', 'new\n'), file('alpha/MANIFEST.sig', 'sig\n'), file('beta/MANIFEST/x', 'no\n')]),
    /cannot write .*; .* was left as it was/,
  );
  assert.deepEqual(snapshotTree(out), before);

  assert.equal(addToDist(out, [file('alpha/MANIFEST', 'new\n'), file('alpha/MANIFEST.sig', 'sig\n', 0o600), file('beta/MANIFEST', 'old\n')]), 2);
  assert.equal(readFileSync(join(out, 'alpha', 'MANIFEST'), 'utf8'), 'new\n');
  assert.equal(statSync(join(out, 'alpha', 'MANIFEST.sig')).mode & 0o777, 0o600);
  assert.equal(snapshotTree(out).get('beta/MANIFEST')!.mtimeMs, before.get('beta/MANIFEST')!.mtimeMs, 'an unchanged file was rewritten');
});
