// Where in a run the peak resident memory is: loaded with `node -r`, it samples the process's
// resident set every 10 ms from a worker thread (the main thread may be busy for seconds
// without yielding, so a timer there would miss the peak) and, when the process exits, prints
// to stderr the peak and the highest sample of each quarter second. /usr/bin/time gives the
// peak alone; this gives when it happens (bench/README.md, tenth session).
//
// Usage: node -r ./bench/rss-timeline.js build/cli.js generate -i INVENTORY -o OUT
//   (the worker's own isolate adds about 5 MiB to every figure; compare runs under it with each other)
'use strict';

const { isMainThread, Worker } = require('node:worker_threads');

/** Quarter seconds kept: 1,000 s. A longer run's later samples all count in the last slot. */
const SLOTS = 4000;

// `node -r` loads this into every thread the program starts as well: sample from the main one only.
if (isMainThread) {
  const peaks = new Int32Array(new SharedArrayBuffer(4 * SLOTS));
  const sampler = new Worker(
    `
    const { readFileSync } = require('node:fs');
    const { workerData: peaks } = require('node:worker_threads');
    const started = Date.now();
    const pageMiB = 4096 / 1048576;
    setInterval(() => {
      const residentPages = Number(readFileSync('/proc/self/statm', 'utf8').split(' ')[1]);
      const slot = Math.min(${SLOTS - 1}, Math.floor((Date.now() - started) / 250));
      const mib = Math.round(residentPages * pageMiB);
      if (mib > Atomics.load(peaks, slot)) Atomics.store(peaks, slot, mib);
    }, 10);
    `,
    { eval: true, workerData: peaks },
  );
  sampler.unref(); // never keeps the program alive
  process.on('exit', () => {
    let peak = 0;
    const quarters = [];
    for (let slot = 0; slot < SLOTS; slot++) {
      const mib = Atomics.load(peaks, slot);
      if (mib === 0) continue;
      quarters.push(`${(slot / 4).toFixed(2)}s:${mib}`);
      peak = Math.max(peak, mib);
    }
    require('node:fs').writeSync(2, `rss-timeline: peak ${peak} MiB\nrss-timeline: ${quarters.join(' ')}\n`);
  });
}
