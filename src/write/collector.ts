// A full garbage collection whenever the process has grown by a step since the last one.
// V8 lets its old generation fill up to a limit it sets from the live size at its last full
// collection (1.1 to 4 times that size, its own choice): in a first generate of 10,000 hosts
// the rendering's garbage filled it, and resident memory climbed from about 270 to 400 MiB
// while the hosts were rendered, to a peak of 419-450 MiB. With a collection after each 32 MiB
// of growth it stays at 219-287 MiB while they are rendered and peaks at 345-368 MiB, after
// three collections in all (bench/README.md, ninth session); 1,000 hosts have one, 100 hosts
// none. The growth counts from the lowest point since the last collection (V8 collects on its
// own too): while the hosts are rendered it then stays at 202-234 MiB (eleventh session).
// A program cannot give Node a heap limit (that is read from its command line), and
// `global.gc` exists only with --expose-gc: the flag is set from inside, for one new context,
// as Jest's leak detector does, and unset again at once.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** Growth of resident memory since the last collection that makes the next one. */
export const COLLECT_AFTER_GROWTH_BYTES = 32 * 1024 * 1024;

/** Items between two looks at resident memory (a look reads /proc: a few microseconds). */
const ITEMS_BETWEEN_LOOKS = 8;

let collectGarbage: (() => void) | null | undefined;

/** V8's full collection, or null when this Node does not give it. */
function fullCollection(): (() => void) | null {
  if (collectGarbage === undefined) {
    const exposed = (globalThis as { gc?: () => void }).gc;
    if (typeof exposed === 'function') {
      collectGarbage = exposed;
    } else {
      try {
        setFlagsFromString('--expose-gc');
        const gc: unknown = runInNewContext('gc');
        collectGarbage = typeof gc === 'function' ? (gc as () => void) : null;
      } catch {
        collectGarbage = null;
      } finally {
        setFlagsFromString('--no-expose-gc'); // later contexts (templates, tests) as they were
      }
    }
  }
  return collectGarbage;
}

/** What collectAsItGrows did: its collections, for the tests and the benchmark. */
export interface CollectionCount {
  collections: number;
}

/**
 * ITEMS as they come, with a full collection whenever resident memory grew by GROWTH_BYTES
 * since the last one (looked at every few items), and before the last item and after it
 * (after it always, once there was one):
 * a generate's last item is the fleet files (for 10,000 hosts an 8 MB README, rendered
 * whole), and after it come the commit and the digests file; the peak was there. A small
 * fleet never grows that much: it never pays for a collection.
 */
export function* collectAsItGrows<T>(
  items: Iterable<T>,
  counted: CollectionCount = { collections: 0 },
  growthBytes = COLLECT_AFTER_GROWTH_BYTES,
  residentBytes: () => number = process.memoryUsage.rss,
): Generator<T> {
  let baseline = residentBytes();
  let sinceLook = 0;
  let collections = 0;
  const collectIfGrown = (always = false): void => {
    sinceLook = 0;
    const resident = residentBytes();
    // Growth counts from the lowest point since the last collection: V8's own collections
    // give memory back too, and counted from before one (225 MiB, where the run starts, when
    // one of V8's took it to 202 soon after), the next step was reached only at 259 MiB, the
    // peak of a first generate of 10,000 hosts (bench/README.md, eleventh session).
    baseline = Math.min(baseline, resident);
    if (!always && resident - baseline < growthBytes) return;
    // Had only when first needed: making the context it comes from costs about a millisecond.
    const collect = fullCollection();
    if (collect === null) return;
    collect();
    collections += 1;
    counted.collections += 1;
    baseline = residentBytes();
  };
  // One item ahead, to know the last one before it is handed on.
  const iterator = items[Symbol.iterator]();
  let next = iterator.next();
  while (!next.done) {
    const item = next.value;
    next = iterator.next();
    if (next.done || ++sinceLook >= ITEMS_BETWEEN_LOOKS) collectIfGrown();
    yield item;
  }
  // After the last item come the commit and the digests file, whose garbage adds to what the
  // last item left: a run that grew enough to collect once collects there whatever its growth.
  // At 10,000 hosts the step was not reached there in two runs of three, and writing the
  // digests file took the process from 230 to 248-252 MiB (bench/README.md, twelfth session).
  collectIfGrown(collections > 0);
}
