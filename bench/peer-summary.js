#!/usr/bin/env node
// Sums up a bench/peer-side-by-side run: the median wall time of kindling's runs (before and
// after the peer's) and of the peer's, the mean CPU time (user + system, hyperfine's) of each,
// and the two ratios.
//
// Usage: node bench/peer-summary.js bench/work/peer-N
'use strict';

const { readFileSync } = require('node:fs');
const { join } = require('node:path');

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function main([dir]) {
  if (!dir) {
    process.stderr.write('usage: node bench/peer-summary.js bench/work/peer-N\n');
    return 2;
  }
  const read = (name) => JSON.parse(readFileSync(join(dir, `${name}.json`), 'utf8')).results[0];
  const cpu = (result) => result.user + result.system;
  const before = read('k-before');
  const after = read('k-after');
  const peer = read('peer');
  const kindlingWall = median([...before.times, ...after.times]);
  const kindlingCpu = (cpu(before) * before.times.length + cpu(after) * after.times.length) / (before.times.length + after.times.length);
  const peerWall = median(peer.times);
  process.stdout.write(
    `kindling: median ${kindlingWall.toFixed(3)} s wall of ${before.times.length + after.times.length} runs, ${kindlingCpu.toFixed(3)} s CPU (mean)\n` +
      `peer: median ${peerWall.toFixed(1)} s wall of ${peer.times.length} runs, ${cpu(peer).toFixed(1)} s CPU (mean)\n` +
      `ratio: ${(peerWall / kindlingWall).toFixed(0)}x wall, ${(cpu(peer) / kindlingCpu).toFixed(0)}x CPU\n`,
  );
  return 0;
}

process.exitCode = main(process.argv.slice(2));
