// The one pluraliser of kindling's messages.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { noun, plural } from '../../../src/format/plural';

test('plural counts a noun, singular only for one; noun gives the word alone', () => {
  assert.deepEqual([0, 1, 2].map((n) => plural(n, 'host')), ['0 hosts', '1 host', '2 hosts']);
  assert.equal(plural(2, 'copy', 'copies'), '2 copies');
  assert.deepEqual([1, 3].map((n) => noun(n, 'file')), ['file', 'files']);
});
