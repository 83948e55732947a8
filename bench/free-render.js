#!/usr/bin/env node
// A bound, not a benchmark of kindling: a copy of build/ whose rendering costs (almost) nothing.
// In the copy, every host after the sixth gets the sixth host's files, renamed into its own
// folder, instead of rendering its templates; everything else (parse, validate, plan, the
// host digests, encoding, hashing, staging, writing, the fleet files, the digests file) runs as
// in kindling. What the copy takes is what no renderer, EJS or other, could go below in this
// pipeline. The tree has the same number of files and about the same bytes (the run says).
//
//   npm run build && node bench/free-render.js bench/work/free-render
//   node bench/work/free-render/cli.js generate -i INVENTORY -o OUT
//
// The copy stays under bench/work/ (git-ignored): from there it finds the templates and
// node_modules of this checkout, as build/ does.
'use strict';
const { cpSync, readFileSync, rmSync, writeFileSync } = require('node:fs');
const { join, resolve } = require('node:path');

const out = process.argv[2];
if (out === undefined) {
  process.stderr.write('usage: node bench/free-render.js OUT_DIR   (a copy of build/ is made there)\n');
  process.exit(2);
}
const build = resolve(__dirname, '..', 'build');
rmSync(out, { recursive: true, force: true });
cpSync(build, out, { recursive: true });

const renderJs = join(out, 'render', 'render.js');
const source = readFileSync(renderJs, 'utf8');
const anchor = 'function renderHostFiles(host, settings) {';
if (source.split(anchor).length !== 2) {
  process.stderr.write(`free-render: ${renderJs} has no single "${anchor}": build/ changed, change this script\n`);
  process.exit(1);
}
const patched = source.replace(
  anchor,
  `// free-render.js: the sixth host's files for every later host.
let freeRendered = 0;
let freeFiles;
function renderHostFiles(host, settings) {
    freeRendered += 1;
    if (freeRendered <= 5) return renderEveryHostFile(host, settings);
    freeFiles ??= renderEveryHostFile(host, settings).map((f) => ({ name: f.path.slice(host.name.length + 1), mode: f.mode, content: f.content }));
    return freeFiles.map((f) => ({ path: \`\${host.name}/\${f.name}\`, mode: f.mode, content: f.content }));
}
function renderEveryHostFile(host, settings) {`,
);
writeFileSync(renderJs, patched);
process.stdout.write(`${out}: build/ with free rendering after the sixth host\n`);
