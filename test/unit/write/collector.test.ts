// Issue 14 (peak memory): generate collects the garbage of rendering as resident memory grows,
// without a Node flag on its command line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runInNewContext } from 'node:vm';
import { collectAsItGrows, type CollectionCount } from '../../../src/write/collector';

test('items pass through as they come, in order, whatever the collections', () => {
  for (const growth of [-Infinity, 2 ** 40]) {
    const counted: CollectionCount = { collections: 0 };
    const items = Array.from({ length: 21 }, (_, i) => `host-${i}`);
    assert.deepEqual([...collectAsItGrows(items, counted, growth)], items);
    assert.deepEqual([...collectAsItGrows([], counted, growth)], []);
    assert.deepEqual([...collectAsItGrows(['only'], counted, growth)], ['only']);
  }
});

test('memory is looked at every 8 items, before the last and after it; a collection only when it grew by the step', () => {
  const everyTime: CollectionCount = { collections: 0 };
  // A step of -Infinity: any look collects, even when resident memory shrank since the last.
  // 20 items: after the 8th and the 16th, before the 20th (the last), and after it.
  for (const _ of collectAsItGrows(Array.from({ length: 20 }, (_, i) => i), everyTime, -Infinity)) continue;
  assert.equal(everyTime.collections, 4);

  const never: CollectionCount = { collections: 0 };
  for (const _ of collectAsItGrows(Array.from({ length: 20 }, (_, i) => i), never, 2 ** 40)) continue;
  assert.equal(never.collections, 0, 'a process that did not grow by the step must not pay for a collection');
});

test('growth counts from the lowest resident memory seen since the last collection', () => {
  // Resident memory as looked at: at the start, after the 8th item, after the 16th, before the
  // 20th and after it (and once more after a collection). It falls by 30 (V8's own collection),
  // then grows back by 30: one step of 25, from the low point. Once there was a collection,
  // there is one after the last item too, grown or not.
  const looks = [100, 70, 100, 100, 100, 100, 100];
  const counted: CollectionCount = { collections: 0 };
  for (const _ of collectAsItGrows(Array.from({ length: 20 }, (_, i) => i), counted, 25, () => looks.shift() ?? 100)) continue;
  assert.equal(counted.collections, 2, 'counted from the start (100), it never grew; or no collection after the last item');
  assert.deepEqual(looks, [], 'not every look was made');
});

test('after the last item there is a collection, grown or not, once there was one; none in a run that never grew', () => {
  // Looks: the start, after the 8th item (grown by 30: a collection, then a look), before the
  // 10th (the last), after it (not grown: collected all the same), after that collection.
  const looks = [100, 130, 100, 100, 100, 100];
  const counted: CollectionCount = { collections: 0 };
  for (const _ of collectAsItGrows(Array.from({ length: 10 }, (_, i) => i), counted, 25, () => looks.shift() ?? 100)) continue;
  assert.equal(counted.collections, 2);
  assert.deepEqual(looks, []);
  const small: CollectionCount = { collections: 0 };
  for (const _ of collectAsItGrows(Array.from({ length: 10 }, (_, i) => i), small, 25, () => 100)) continue;
  assert.equal(small.collections, 0, 'a run that never grew by the step paid for a collection');
});

test('a collection frees what is no longer referenced, and leaves gc unexposed to later contexts', () => {
  let garbage: { index: number; text: string }[] | undefined = Array.from({ length: 400_000 }, (_, index) => ({ index, text: `row ${index}` }));
  const before = process.memoryUsage().heapUsed;
  assert.equal(garbage.length, 400_000);
  garbage = undefined;
  const counted: CollectionCount = { collections: 0 };
  for (const _ of collectAsItGrows(['last'], counted, -Infinity)) continue;
  const freed = before - process.memoryUsage().heapUsed;
  assert.ok(counted.collections >= 1);
  assert.ok(freed > 20 * 1024 * 1024, `only ${Math.round(freed / 1024 / 1024)} MiB freed`);
  assert.equal(runInNewContext('typeof gc'), 'undefined', 'the templates and later contexts must not see gc');
});
