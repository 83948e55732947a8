#!/usr/bin/env node
// Prints the functions with the most self time in a V8 .cpuprofile (from node --cpu-prof),
// summed by function, file and line, so that a profile can be read without DevTools. With
// --inclusive, the time of each function with all it called (each sample counted once per
// function however deep its recursion): where a phase's time goes, not only its leaves.
//
// Usage: node bench/profile-top.js [--inclusive] FILE.cpuprofile [COUNT]
'use strict';

const { readFileSync } = require('node:fs');

function main(argv) {
  const inclusive = argv[0] === '--inclusive';
  const [file, countText = '25'] = inclusive ? argv.slice(1) : argv;
  if (!file) {
    process.stderr.write('usage: node bench/profile-top.js [--inclusive] FILE.cpuprofile [COUNT]\n');
    return 2;
  }
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  // timeDeltas[i] is the time before samples[i]; charge it to the sampled node.
  const selfMicros = new Map();
  profile.samples.forEach((id, i) => selfMicros.set(id, (selfMicros.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const parentOf = new Map();
  for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);
  const keyOf = ({ callFrame }) => {
    const where = callFrame.url ? `${callFrame.url.replace(/^file:\/\//, '').replace(process.cwd() + '/', '')}:${callFrame.lineNumber + 1}` : '';
    return `${callFrame.functionName || '(anonymous)'} ${where}`.trim();
  };
  const totals = new Map();
  let all = 0;
  for (const [id, micros] of selfMicros) {
    all += micros;
    if (!inclusive) {
      const key = keyOf(byId.get(id));
      totals.set(key, (totals.get(key) ?? 0) + micros);
      continue;
    }
    const seen = new Set();
    for (let at = id; at !== undefined; at = parentOf.get(at)) {
      const key = keyOf(byId.get(at));
      if (seen.has(key)) continue;
      seen.add(key);
      totals.set(key, (totals.get(key) ?? 0) + micros);
    }
  }
  const top = [...totals].sort((a, b) => b[1] - a[1]).slice(0, Number(countText));
  process.stdout.write(`total ${(all / 1000).toFixed(0)} ms sampled\n`);
  for (const [key, micros] of top) {
    process.stdout.write(`${(micros / 1000).toFixed(1).padStart(9)} ms ${((100 * micros) / all).toFixed(1).padStart(5)}%  ${key}\n`);
  }
  return 0;
}

process.exitCode = main(process.argv.slice(2));
