// Golden output, determinism and incremental writing of `kindling generate`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { cpSync, existsSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseDocument, isMap } from 'yaml';
import { FLEET20_INVENTORY, GOLDEN_SEED, REPO_ROOT, SEED_INVENTORY, runCli, scratchDir, snapshotTree } from '../support/cli';

const GOLDEN_FLEET20 = join(REPO_ROOT, 'test', 'golden', 'fleet20');
const update = process.env.UPDATE_GOLDEN === '1';

function contentsOnly(tree: Map<string, { content: string; mode: number }>): Map<string, string> {
  return new Map([...tree].map(([path, f]) => [path, `${f.mode.toString(8)}\n${f.content}`]));
}

function assertSameTree(actualDir: string, goldenDir: string): void {
  const actual = contentsOnly(snapshotTree(actualDir));
  const golden = contentsOnly(snapshotTree(goldenDir));
  assert.deepEqual([...actual.keys()], [...golden.keys()], 'the file lists differ');
  for (const [path, content] of actual) assert.equal(content, golden.get(path), `${path} differs from ${goldenDir}/${path}`);
}

test('the seed fixture fleet generates its golden tree', () => {
  const out = update ? GOLDEN_SEED : join(scratchDir(), 'dist');
  const result = runCli(['generate', '-i', SEED_INVENTORY, '-o', out]);
  assert.equal(result.status, 0, result.stderr);
  if (!update) assertSameTree(out, GOLDEN_SEED);
});

test('the 20-host fixture fleet generates its golden tree', () => {
  const out = update ? GOLDEN_FLEET20 : join(scratchDir(), 'fleet20');
  const result = runCli(['generate', '-i', FLEET20_INVENTORY, '-o', out]);
  assert.equal(result.status, 0, result.stderr);
  if (!update) assertSameTree(out, GOLDEN_FLEET20);
  const hosts = snapshotTree(out);
  assert.equal([...hosts.keys()].filter((p) => p.endsWith('/blaze')).length, 20);
});

/** Runs shellcheck over SCRIPTS in as many batches as there are cores: it is the slow part. */
async function shellcheckAll(scripts: string[]): Promise<{ status: number | null; output: string }[]> {
  const batches = Math.max(1, availableParallelism());
  const groups = Array.from({ length: batches }, (_, i) => scripts.filter((_, j) => j % batches === i)).filter((g) => g.length > 0);
  return Promise.all(
    groups.map(
      (group) =>
        new Promise<{ status: number | null; output: string }>((resolvePromise, reject) => {
          const child = spawn('shellcheck', ['-f', 'gcc', ...group]);
          let output = '';
          child.stdout.on('data', (chunk) => (output += chunk));
          child.stderr.on('data', (chunk) => (output += chunk));
          child.on('error', () => reject(new Error('shellcheck must be installed (scripts/test-all installs it)')));
          child.on('close', (status) => resolvePromise({ status, output }));
        }),
    ),
  );
}

test('every generated script of both fleets passes bash -n and shellcheck', async () => {
  const scripts: string[] = [];
  for (const dir of [GOLDEN_SEED, GOLDEN_FLEET20]) {
    for (const [path, file] of snapshotTree(dir)) if (file.mode & 0o100) scripts.push(join(dir, path));
  }
  assert.ok(scripts.length >= 27 * 5, `only ${scripts.length} scripts`);
  for (const script of scripts) {
    const syntax = spawnSync('bash', ['-n', script], { encoding: 'utf8' });
    assert.equal(syntax.status, 0, `${script}: ${syntax.stderr}`);
  }
  for (const lint of await shellcheckAll(scripts)) assert.equal(lint.status, 0, lint.output);
});

test('generating twice gives byte-identical trees, and the second run writes nothing', () => {
  const out = join(scratchDir(), 'dist');
  assert.equal(runCli(['generate', '-i', SEED_INVENTORY, '-o', out]).status, 0);
  const first = snapshotTree(out);
  const second = runCli(['generate', '-i', SEED_INVENTORY, '-o', out]);
  assert.equal(second.status, 0);
  assert.match(second.stdout, /: 0 written, \d+ unchanged, 0 removed/);
  assert.deepEqual(snapshotTree(out), first, 'contents, modes or mtimes changed');
  const check = runCli(['generate', '-i', SEED_INVENTORY, '-o', out, '--check']);
  assert.equal(check.status, 0);
  assert.match(check.stdout, /is up to date/);
});

test('reordering hosts and keys in the inventory changes nothing in the output', () => {
  const document = parseDocument(readFileSync(SEED_INVENTORY, 'utf8'));
  const reverse = (node: unknown): void => {
    if (!isMap(node)) return;
    node.items.reverse();
    for (const pair of node.items) reverse(pair.value);
  };
  reverse(document.contents);
  const dir = scratchDir();
  const reordered = join(dir, 'seed.yaml');
  writeFileSync(reordered, document.toString());
  assert.notEqual(readFileSync(reordered, 'utf8'), readFileSync(SEED_INVENTORY, 'utf8'));
  const a = join(dir, 'a');
  const b = join(dir, 'b');
  assert.equal(runCli(['generate', '-i', SEED_INVENTORY, '-o', a]).status, 0);
  assert.equal(runCli(['generate', '-i', reordered, '-o', b]).status, 0);
  assert.deepEqual(contentsOnly(snapshotTree(b)), contentsOnly(snapshotTree(a)));
});

test('--check lists what would change, exits 1 and writes nothing', () => {
  const dir = scratchDir();
  const out = join(dir, 'dist');
  assert.equal(runCli(['generate', '-i', SEED_INVENTORY, '-o', out]).status, 0);
  writeFileSync(join(out, 'chile', 'crontab'), 'edited by hand\n');
  const before = snapshotTree(out);
  const check = runCli(['generate', '-i', SEED_INVENTORY, '-o', out, '--check']);
  assert.equal(check.status, 1);
  assert.match(check.stdout, /would write: .*chile\/crontab/);
  assert.deepEqual(snapshotTree(out), before);
});

test('a host removed from the inventory loses its folder; only changed files are rewritten', () => {
  const dir = scratchDir();
  const out = join(dir, 'dist');
  assert.equal(runCli(['generate', '-i', SEED_INVENTORY, '-o', out]).status, 0);
  const before = snapshotTree(out);
  // romania leaves the fleet: it sends to australia, iraq, scotland and receives from nobody.
  const document = parseDocument(readFileSync(SEED_INVENTORY, 'utf8'));
  document.deleteIn(['hosts', 'romania']);
  const smaller = join(dir, 'inventory.yaml');
  writeFileSync(smaller, document.toString());
  const result = runCli(['generate', '-i', smaller, '-o', out]);
  assert.equal(result.status, 0, result.stderr);
  assert.equal(existsSync(join(out, 'romania')), false);
  const after = snapshotTree(out);
  const rewritten = [...after].filter(([path, f]) => before.get(path)?.mtimeMs !== f.mtimeMs).map(([p]) => p);
  const changed = [...after].filter(([path, f]) => before.get(path)?.content !== f.content).map(([p]) => p);
  assert.deepEqual(rewritten, changed, 'a file whose content did not change was rewritten');
  assert.match(result.stdout, new RegExp(`${rewritten.length} written, \\d+ unchanged, ${[...before.keys()].filter((p) => p.startsWith('romania/')).length} removed`));
});

test('generate names every file it removes, a stray file in a host folder as well as a removed host\'s', () => {
  const dir = scratchDir();
  const out = join(dir, 'dist');
  assert.equal(runCli(['generate', '-i', SEED_INVENTORY, '-o', out]).status, 0);
  writeFileSync(join(out, 'chile', 'old-template'), 'left over\n');
  const document = parseDocument(readFileSync(SEED_INVENTORY, 'utf8'));
  document.deleteIn(['hosts', 'romania']);
  writeFileSync(join(dir, 'inventory.yaml'), document.toString());
  const romania = [...snapshotTree(join(out, 'romania')).keys()];
  const result = runCli(['generate', '-i', join(dir, 'inventory.yaml'), '-o', out]);
  assert.equal(result.status, 0, result.stderr);
  const removed = result.stdout.split('\n').filter((l) => l.startsWith('removed: '));
  assert.deepEqual(removed, [`removed: ${out}/chile/old-template`, ...romania.map((f) => `removed: ${out}/romania/${f}`)]);
  assert.match(result.stdout, new RegExp(`, ${removed.length} removed\n$`));
});

test('folders that kindling did not generate are never deleted', () => {
  const out = join(scratchDir(), 'dist');
  mkdirSync(join(out, 'notes'), { recursive: true });
  writeFileSync(join(out, 'notes', 'keep.txt'), 'mine\n');
  assert.equal(runCli(['generate', '-i', SEED_INVENTORY, '-o', out]).status, 0);
  assert.equal(readFileSync(join(out, 'notes', 'keep.txt'), 'utf8'), 'mine\n');
});

test('a write that fails part-way leaves the old dist/ whole and no temporary files', () => {
  const dir = scratchDir();
  const out = join(dir, 'dist');
  cpSync(GOLDEN_SEED, out, { recursive: true });
  // Change every host's files, then block one host's folder with a plain file so that
  // staging fails after other hosts' new files were already staged.
  const inventory = join(dir, 'inventory.yaml');
  writeFileSync(inventory, readFileSync(SEED_INVENTORY, 'utf8').replace('mailAddress: fedora-arm@senecacollege.ca', 'mailAddress: ops@example.org'));
  rmSync(join(out, 'scotland'), { recursive: true });
  writeFileSync(join(out, 'scotland'), 'not a folder\n');
  const before = snapshotTree(out);
  const result = runCli(['generate', '-i', inventory, '-o', out]);
  assert.notEqual(result.status, 0);
  assert.deepEqual(snapshotTree(out), before, 'the old dist/ changed, or temporary files were left');
});
