#!/usr/bin/env node
// How fast the disk under DIR creates files right now: 100 folders of 14 files of 11,000
// bytes (the shape of a 100-host tree), created one at a time as kindling's writer thread
// creates them (open, write, fstat, close). On this machine the same 1,400 files took from
// 0.03 s to over 1 s within the same hour, with nothing else running: a first generate of
// 100 hosts is mostly that, so a benchmark run says what the disk was doing beside its figure.
//
// Usage: node bench/disk-check.js DIR
//   Writes into DIR/disk-check-<time>/ and leaves it there: deleting a tree right before a
//   measurement (online discard) can slow the next file creations, so the caller moves or
//   removes it when it no longer measures anything.
'use strict';

const { closeSync, fstatSync, mkdirSync, openSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

const FOLDERS = 100;
const FILES_PER_FOLDER = 14;
const FILE_BYTES = 11000;

function main(argv) {
  if (argv.length !== 1) {
    process.stderr.write('usage: node bench/disk-check.js DIR\n');
    return 2;
  }
  const root = join(argv[0], `disk-check-${Date.now()}-${process.pid}`);
  const bytes = Buffer.alloc(FILE_BYTES, 'x');
  const start = process.hrtime.bigint();
  for (let folder = 0; folder < FOLDERS; folder++) {
    const dir = join(root, `h${folder}`);
    mkdirSync(dir, { recursive: true });
    for (let file = 0; file < FILES_PER_FOLDER; file++) {
      const fd = openSync(join(dir, `f${file}`), 'w', 0o644);
      try {
        writeFileSync(fd, bytes);
        fstatSync(fd);
      } finally {
        closeSync(fd);
      }
    }
  }
  const files = FOLDERS * FILES_PER_FOLDER;
  const microseconds = Number(process.hrtime.bigint() - start) / 1000;
  process.stdout.write(
    `disk check: ${files} files of ${FILE_BYTES} bytes in ${(microseconds / 1000).toFixed(1)} ms, ` +
      `${Math.round(microseconds / files)} µs a file (${root})\n`,
  );
  return 0;
}

process.exitCode = main(process.argv.slice(2));
