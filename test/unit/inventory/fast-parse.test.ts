// The fast parse (src/inventory/fast-parse.ts) must give the data and the positions of the
// `yaml` parse, or step aside: every fixture is read both ways and every path compared.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseInventory, parseWithPositions, type LoadedInventory } from '../../../src/inventory/load';
import { fastParse } from '../../../src/inventory/fast-parse';
import type { DocPath } from '../../../src/inventory/diagnostics';
import { REPO_ROOT } from '../support/cli';

function yamlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return yamlFiles(path);
    return /\.ya?ml$/.test(entry.name) ? [path] : [];
  });
}

/** Every path of DATA (and a few that are not there, which fall back to an ancestor). */
function everyPath(data: unknown, path: DocPath = []): DocPath[] {
  const children: DocPath[] = [];
  if (Array.isArray(data)) data.forEach((item, i) => children.push(...everyPath(item, [...path, i])));
  else if (typeof data === 'object' && data !== null) for (const [key, value] of Object.entries(data)) children.push(...everyPath(value, [...path, key]));
  return [path, [...path, 'not-there'], ...children];
}

function slowOrError(file: string, text: string): LoadedInventory | string {
  try {
    return parseWithPositions(file, text);
  } catch (error) {
    return String(error);
  }
}

test('every fixture read the fast way has the data and every position of the yaml parse', () => {
  let fast = 0;
  for (const file of yamlFiles(join(REPO_ROOT, 'test', 'fixtures'))) {
    const text = readFileSync(file, 'utf8');
    if (fastParse(text) === undefined) continue;
    fast += 1;
    const slow = slowOrError(file, text);
    const quick = parseInventory(file, text);
    assert.notEqual(typeof slow, 'string', `${file}: the fast parse read what the yaml parse refuses: ${String(slow)}`);
    const { data, locate } = slow as LoadedInventory;
    assert.deepEqual(quick.data, data, file);
    for (const path of everyPath(data)) assert.deepEqual(quick.locate(path), locate(path), `${file}: ${path.join('.')}`);
  }
  // Most fixtures are plain YAML: the fast path is the one that runs.
  assert.ok(fast >= 40, `only ${fast} fixtures took the fast path`);
});

test('the fast parse steps aside for what only the yaml parse reports exactly', () => {
  const cases = {
    alias: 'x-a: &a {k: 1}\nhosts: *a\n',
    merge: 'defaults: {<<: {k: 1}}\n',
    tag: 'version: !!str 1\n',
    duplicate: 'a: 1\na: 2\n',
    tab: 'a:\n\tb: 1\n',
    syntax: 'a: [1, 2\n',
    directive: '%YAML 1.1\n---\na: 1\n',
    numberKey: '1: a\n',
    emptyFlowValue: 'a: {b, c: 1}\n',
  };
  for (const [name, text] of Object.entries(cases)) assert.equal(fastParse(text), undefined, name);
});

test('numbers, booleans and nulls are read as the YAML 1.2 core schema of the yaml library', () => {
  const text = 'a: 1_000\nb: 0b101\nc: 0x1F\nd: 0o17\ne: .inf\nf: ~\ng: True\nh: yes\ni: 1.5e3\nj: 012\nk: -.5\n';
  assert.deepEqual(fastParse(text)?.data, parseWithPositions('t.yaml', text).data);
  assert.deepEqual(fastParse(text)?.data, { a: '1_000', b: '0b101', c: 31, d: 15, e: Infinity, f: null, g: true, h: 'yes', i: 1500, j: 12, k: -0.5 });
});

test('a generated fleet of 40 hosts (a mapping looked up by name, not key by key) has every position of the yaml parse', () => {
  const made = spawnSync(process.execPath, [join(REPO_ROOT, 'bench', 'generate-inventory.js'), '40', '--seed', '3'], { encoding: 'utf8' });
  assert.equal(made.status, 0, made.stderr);
  const text = made.stdout;
  assert.notEqual(fastParse(text), undefined, 'the generated fleet is plain YAML');
  const slow = parseWithPositions('fleet.yaml', text);
  const quick = parseInventory('fleet.yaml', text);
  assert.deepEqual(quick.data, slow.data);
  for (const path of everyPath(slow.data)) assert.deepEqual(quick.locate(path), slow.locate(path), path.join('.'));
});

test('a sequence index that is not a whole number from 0 falls back to the sequence, as in the yaml parse', () => {
  const text = 'hosts:\n  a:\n    targets: [b, c]\n';
  const slow = parseWithPositions('t.yaml', text);
  const quick = parseInventory('t.yaml', text);
  for (const index of [-1, 1.5, 2, '1', '01', 'x']) {
    const path = ['hosts', 'a', 'targets', index as number];
    assert.deepEqual(quick.locate(path), slow.locate(path), String(index));
  }
  assert.deepEqual(quick.locate(['hosts', 'a', 'targets', 1]), { line: 3, column: 18 });
});

test('every scalar the core schema resolves (and its near misses) reads the same both ways', () => {
  const scalars = ['', '~', 'null', 'Null', 'NULL', 'nul', 'nulls', 'true', 'True', 'TRUE', 'tru', 'truer', 'false', 'False', 'FALSE', 'fals', 'falsey',
    '0', '-1', '+2', '012', '0o17', '0x1F', '0b1', '1_000', '.5', '-.5', '+.5', '1.', '1.5e3', '1e3', '-1E-3', '.inf', '-.inf', '+.Inf', '.NaN', '.nan', 'NaN',
    'e3', '.e3', '+', '.', 'x1', 'australia-00', '10.0.0.1', '2.0T', '01:35', 'UTC'];
  const text = scalars.map((scalar, i) => `k${i}: ${scalar}\n`).join('');
  assert.notEqual(fastParse(text), undefined);
  assert.deepEqual(fastParse(text)?.data, parseWithPositions('t.yaml', text).data);
});
