// The one file comparison of generate and diff, and addToDist, the all-or-nothing write of
// files into an existing output folder (kindling sign's MANIFESTs and signatures).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { compareFile, compareRenderedFiles, compareSections, type FileReader } from '../../../src/write/compare';
import type { SectionedFile } from '../../../src/render/render';
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

/** A file of TEXT as compareSections reads it; CHUNK: the most bytes one read gives (a short read, as from a pipe). */
function fileOf(text: string, mode = 0o644, chunk = Infinity): FileReader {
  const bytes = Buffer.from(text, 'utf8');
  return { mode, read: (into, position) => (position >= bytes.length ? 0 : bytes.copy(into, 0, position, Math.min(bytes.length, position + into.length, position + chunk))) };
}

/** A file in SECTIONS, counting in RENDERED each section as it is rendered. */
function sectioned(sections: string[], mode = 0o644, rendered = { sections: 0 }): SectionedFile {
  return {
    path: 'README.md',
    mode,
    sections: function* () {
      for (const section of sections) {
        rendered.sections += 1;
        yield section;
      }
    },
  };
}

test("compareSections compares a file's sections with the bytes where each falls in the file on disk", () => {
  const before = fileOf('# a\nbc\n');
  assert.equal(compareSections(before, sectioned(['# a\n', 'bc\n'])), undefined);
  assert.equal(compareSections(before, sectioned(['# a', '\nb', 'c\n'])), undefined, 'the same bytes cut elsewhere');
  assert.equal(compareSections(fileOf('# a\nbc\n', 0o644, 1), sectioned(['# a\n', 'bc\n'])), undefined, 'a byte a read');
  assert.equal(compareSections(before, sectioned(['# a\n', 'bc\n', 'd'])), 'modified', 'longer');
  assert.equal(compareSections(before, sectioned(['# a\n', 'b'])), 'modified', 'shorter');
  assert.equal(compareSections(before, sectioned(['# a\n', 'bx\n'])), 'modified', 'a section changed');
  assert.equal(compareSections(before, sectioned(['bc\n', '# a\n'])), 'modified', 'the same sections in another order');
  assert.equal(compareSections(before, sectioned(['# a\n', 'bc\n'], 0o600)), 'mode');
  // Stops at the first difference: the sections after it are not rendered.
  const rendered = { sections: 0 };
  assert.equal(compareSections(before, sectioned(['# x\n', 'bc\n'], 0o644, rendered)), 'modified');
  assert.equal(rendered.sections, 1);
  // A new file: nothing is rendered to compare.
  assert.equal(compareSections(undefined, sectioned(['x'], 0o644, rendered)), 'added');
  assert.equal(rendered.sections, 1);
});

test('compareSections compares text longer than its slices, multi-byte and surrogate pairs across their cuts, byte for byte', () => {
  // 256 Ki units a slice: a pair whose high half is the last unit of the first slice.
  const long = `${'a'.repeat(256 * 1024 - 1)}😀${'é—'.repeat(200_000)}😀${'z'.repeat(300_000)}`;
  assert.equal(compareSections(fileOf(long), sectioned([long])), undefined);
  assert.equal(compareSections(fileOf(long, 0o644, 4096), sectioned([long.slice(0, 300_000), long.slice(300_000)])), undefined);
  const changed = `${long.slice(0, 600_000)}è${long.slice(600_001)}`;
  assert.equal(changed.length, long.length);
  assert.equal(compareSections(fileOf(long), sectioned([changed])), 'modified');
  assert.equal(compareSections(fileOf(`${long}\n`), sectioned([long])), 'modified', 'one byte more on disk');
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
