// json-members.ts: where the members of a JSON file's objects are, found a chunk at a time,
// whatever the chunks' size: every value's range must parse to what JSON.parse gives.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, openSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ChunkedBytes, expectEnd, keptValue, NotJson, readMembers, valueRange, type Range } from '../../../src/write/json-members';
import { DigestsFile, jsonStringDigest } from '../../../src/write/digests-file';
import { scratchDir } from '../support/cli';

/** TEXT's top object read with chunks of CHUNK bytes: each member's value (parsed from its range), and the members of its object "inner". */
function scan(text: string, chunk: number): { top: Record<string, unknown>; inner: Record<string, unknown>; kept: Record<string, unknown> } {
  const path = join(scratchDir(), 'file.json');
  writeFileSync(path, text);
  const bytes = Buffer.from(text, 'utf8');
  const parse = ([start, end]: Range): unknown => JSON.parse(bytes.subarray(start, end).toString('utf8'));
  const fd = openSync(path, 'r');
  try {
    const reader = new ChunkedBytes(fd, () => {}, chunk);
    const top: Record<string, unknown> = {};
    const inner: Record<string, unknown> = {};
    const kept: Record<string, unknown> = {};
    readMembers(reader, (key) => {
      if (key === 'inner') {
        readMembers(reader, (name) => (inner[name] = parse(valueRange(reader))));
      } else {
        const value = keptValue(reader, 16);
        top[key] = parse(value.range);
        kept[key] = value.value;
      }
    });
    expectEnd(reader);
    return { top, inner, kept };
  } finally {
    closeSync(fd);
  }
}

test('every member is found, whatever the chunk size: escapes, quotes and brackets in strings, white space, nesting', () => {
  const inner = { 'a"b': [1, '}', { x: '\\' }], 'back\\slash': 'ends with \\\\', é: 'ünï 😀', '': null, n: -1.5e3, t: true, f: false, deep: [[[{}]], []] };
  const value = { version: 2, s: 'has "quotes", {braces} and [brackets]', inner, long: 'x'.repeat(40), 'k\\"': { '"': '\\"'.repeat(10) } };
  for (const text of [JSON.stringify(value), JSON.stringify(value, null, 2), ` \n\t${JSON.stringify(value, null, '\t')}\r\n `]) {
    for (const chunk of [1, 2, 3, 5, 7, 64, 65536]) {
      const { top, inner: found, kept } = scan(text, chunk);
      assert.deepEqual(found, inner, `chunks of ${chunk}`);
      assert.deepEqual(top, { version: 2, s: value.s, long: value.long, 'k\\"': value['k\\"'] }, `chunks of ${chunk}`);
      // Kept only when at most 16 bytes long.
      assert.deepEqual(kept, { version: 2, s: undefined, long: undefined, 'k\\"': undefined }, `chunks of ${chunk}`);
    }
  }
});

test('runs of backslashes before a quote are counted across chunk boundaries', () => {
  for (let slashes = 0; slashes <= 6; slashes += 1) {
    const text = JSON.stringify({ a: `${'\\'.repeat(slashes)}"${'\\'.repeat(slashes)}`, b: 1 });
    for (let chunk = 1; chunk <= 12; chunk += 1) assert.deepEqual(scan(text, chunk).top, JSON.parse(text), `${slashes} backslashes, chunks of ${chunk}`);
  }
});

test('what is not one JSON object is refused', () => {
  for (const text of ['', '[]', '{"a":1', '{"a" 1}', '{"a":1,}', '{"a":"x}', '{"a":[1}', '{"a":1}{', '{"a":1} x', '{a:1}', '{"a":}']) {
    assert.throws(() => scan(text, 4), NotJson, JSON.stringify(text));
  }
});

test('the digests file is read as JSON.parse reads it: entries, run, and its warnings digest as written', () => {
  const dir = scratchDir();
  const path = join(dir, 'digests');
  const stderr = `warning: "quoted" \\ é 😀\n${'long line '.repeat(20_000)}`;
  const hosts = { alpha: { digest: 'a1', folderMtimeMs: 1.5, files: [['blaze', 3, 1.5, 493]] }, 'b"eta': { digest: 'b1', folderMtimeMs: 2, files: [] } };
  writeFileSync(path, JSON.stringify({ version: 2, hosts, run: { digest: 'r1', stderr } }, null, 1));
  const file = DigestsFile.open(path);
  assert.ok(file !== undefined);
  try {
    assert.deepEqual([...file.folders()], ['alpha', 'b"eta']);
    assert.deepEqual(file.entry('alpha'), hosts.alpha);
    assert.deepEqual(file.take('b"eta'), hosts['b"eta']);
    assert.equal(file.entry('b"eta'), undefined);
    assert.equal(file.run?.digest, 'r1');
    assert.equal(file.runStderr(), stderr);
    assert.equal(file.run?.stderrDigest, jsonStringDigest(stderr));
  } finally {
    file.close();
  }
  assert.equal(DigestsFile.open(path, 'r2'), undefined, 'another run');
  const same = DigestsFile.open(path, 'r1');
  assert.ok(same !== undefined, 'the same run');
  same.close();
  // Warnings that are a string to the scan but not to JSON.parse (an escape JSON has not).
  writeFileSync(path, '{"version":2,"hosts":{},"run":{"digest":"r1","stderr":"bad \\x escape"}}');
  const bad = DigestsFile.open(path, 'r1');
  assert.ok(bad !== undefined);
  assert.equal(bad.runStderr(), undefined);
  bad.close();
  writeFileSync(path, JSON.stringify({ version: 3, hosts }));
  assert.equal(DigestsFile.open(path), undefined, 'another version');
  writeFileSync(path, JSON.stringify({ version: 2 }));
  assert.equal(DigestsFile.open(path), undefined, 'no hosts');
});
