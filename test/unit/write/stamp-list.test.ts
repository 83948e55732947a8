// The writer thread's stamps, kept in chunks: given back whole and in order, across chunks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StampList } from '../../../src/write/stamp-list';

const stamp = (i: number): { size: number; mtimeMs: number; mode: number } => ({ size: i, mtimeMs: 1_796_000_000_000.25 + i, mode: 0o600 + i });

test('stamps come back in the order added, across chunks, and a take empties the list', () => {
  const list = new StampList(6); // two files a chunk
  assert.deepEqual([...list.take()], []);
  for (let i = 0; i < 7; i += 1) list.add(stamp(i));
  const numbers = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, k) => stamp(from + k)).flatMap((s) => [s.size, s.mtimeMs, s.mode]);
  assert.deepEqual([...list.take()], numbers(0, 7));
  assert.deepEqual([...list.take()], []);
  for (let i = 10; i < 14; i += 1) list.add(stamp(i)); // exactly two full chunks
  assert.deepEqual([...list.take()], numbers(10, 14));
});
