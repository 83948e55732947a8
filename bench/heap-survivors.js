#!/usr/bin/env node
// Where a first generate's old generation fills from: the allocation sites of the objects that
// outlived the scavenges (promoted, or still alive at the end), sampled with V8's heap profiler
// through Node's inspector. An object that dies young costs a scavenge a few nanoseconds; one
// that is promoted stays until a full collection, and those fill the heap up to V8's limit.
// This is how the object spreads of issue 14 were found (bench/README.md, sixth session).
//
// Usage: node --expose-gc bench/heap-survivors.js INVENTORY OUT_DIR [COUNT]
//   Runs kindling's generate of INVENTORY into OUT_DIR (which must not exist) in this process,
//   from build/ (npm run -s build first), and prints the COUNT (default 25) allocation sites
//   with the most sampled bytes that survived a scavenge, as "MB function file:line".
'use strict';

const { existsSync, readFileSync } = require('node:fs');
const { join } = require('node:path');
const inspector = require('node:inspector');

const BUILD = join(__dirname, '..', 'build');

/** The inspector's answer to METHOD, synchronously (Session.post calls back at once for these). */
function post(session, method, params = {}) {
  let answer;
  let failure;
  session.post(method, params, (error, result) => {
    failure = error;
    answer = result;
  });
  if (failure) throw failure;
  return answer;
}

/** Sampled bytes by allocation site (function, file, line), largest first. */
function bytesBySite(profile) {
  const totals = new Map();
  const walk = (node) => {
    const { functionName, url, lineNumber } = node.callFrame;
    const site = `${functionName || '(anonymous)'} ${url.replace(/^.*\//, '')}:${lineNumber + 1}`;
    totals.set(site, (totals.get(site) ?? 0) + node.selfSize);
    node.children.forEach(walk);
  };
  walk(profile.head);
  return [...totals].sort((a, b) => b[1] - a[1]);
}

function main(argv) {
  const [inventory, out, countText = '25'] = argv;
  if (!inventory || !out || typeof global.gc !== 'function') {
    process.stderr.write('usage: node --expose-gc bench/heap-survivors.js INVENTORY OUT_DIR [COUNT]\n');
    return 2;
  }
  if (existsSync(out)) {
    process.stderr.write(`${out} exists: give a folder to create (a first generate is what is measured)\n`);
    return 2;
  }
  const { buildDistInBatches } = require(join(BUILD, 'pipeline.js'));
  const { syncDist } = require(join(BUILD, 'write', 'write-dist.js'));
  const { batches } = buildDistInBatches({ name: inventory, text: readFileSync(inventory, 'utf8') }, 'heap-survivors');
  const session = new inspector.Session();
  session.connect();
  global.gc(); // what parsing and validating left old is not counted
  post(session, 'HeapProfiler.enable');
  // Samples of objects a scavenge collects are dropped; those a full collection collects, kept.
  post(session, 'HeapProfiler.startSampling', { samplingInterval: 2048, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: false });
  syncDist(out, batches, false, { digest: 'heap-survivors', stderr: '' });
  const { profile } = post(session, 'HeapProfiler.stopSampling');
  session.disconnect();
  const sites = bytesBySite(profile);
  const total = sites.reduce((sum, [, bytes]) => sum + bytes, 0);
  process.stdout.write(`${(total / 1e6).toFixed(1)} MB sampled that outlived a scavenge\n`);
  for (const [site, bytes] of sites.slice(0, Number(countText))) process.stdout.write(`${(bytes / 1e6).toFixed(2).padStart(7)} MB  ${site}\n`);
  return 0;
}

process.exitCode = main(process.argv.slice(2));
