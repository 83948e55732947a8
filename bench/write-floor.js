#!/usr/bin/env node
// The floor of a first `kindling generate`: the least a Node program must do to put the same
// files, with the same sizes and modes, into an empty folder (one mkdir per folder, one
// writeFileSync per file; no rendering, no comparing, no staging).
//
// Usage: node bench/write-floor.js MANIFEST OUT_DIR
//   MANIFEST: one file a line, "relative/path<TAB>size<TAB>octal mode" (bench/run writes it
//   from the generated tree with find -printf '%P\t%s\t%m\n').
'use strict';

const { mkdirSync, readFileSync, writeFileSync } = require('node:fs');
const { dirname, join } = require('node:path');

function main(argv) {
  if (argv.length !== 2) {
    process.stderr.write('usage: node bench/write-floor.js MANIFEST OUT_DIR\n');
    return 2;
  }
  const [manifest, outDir] = argv;
  const files = readFileSync(manifest, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      const [path, size, mode] = line.split('\t');
      return { path, size: Number(size), mode: parseInt(mode, 8) };
    });
  const largest = files.reduce((max, f) => Math.max(max, f.size), 0);
  const bytes = Buffer.alloc(largest, 'x');
  const made = new Set();
  for (const file of files) {
    const target = join(outDir, file.path);
    const dir = dirname(target);
    if (!made.has(dir)) {
      mkdirSync(dir, { recursive: true });
      made.add(dir);
    }
    writeFileSync(target, bytes.subarray(0, file.size), { mode: file.mode });
  }
  process.stdout.write(`${outDir}/: ${files.length} written\n`);
  return 0;
}

process.exitCode = main(process.argv.slice(2));
