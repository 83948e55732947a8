// `kindling diff` for review, on the prepared inventory changes of test/fixtures/diff/:
// the plain-language meaning of each kind of change, the summary and the grouping per host
// and file, against golden outputs; then the default mode, which reads the base from git.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, parseDocument } from 'yaml';
import { REPO_ROOT, SEED_INVENTORY, runCli } from '../support/cli';
import { scratchDirFor } from '../support/scratch';
import { assertGolden } from '../support/golden';

const CASES_DIR = join(REPO_ROOT, 'test', 'fixtures', 'diff');

interface DiffCase {
  edits: ({ set: (string | number)[]; value: unknown } | { delete: (string | number)[] })[];
  meaning: string[];
}

/** A scratch folder with base.yaml (the seed) and inventory.yaml (the seed with the case's edits). */
function prepareCase(t: TestContext, name: string): string {
  const spec = parse(readFileSync(join(CASES_DIR, `${name}.yaml`), 'utf8')) as DiffCase;
  const document = parseDocument(readFileSync(SEED_INVENTORY, 'utf8'));
  for (const edit of spec.edits) {
    if ('delete' in edit) document.deleteIn(edit.delete);
    else document.setIn(edit.set, document.createNode(edit.value));
  }
  const dir = scratchDirFor(t);
  copyFileSync(SEED_INVENTORY, join(dir, 'base.yaml'));
  writeFileSync(join(dir, 'inventory.yaml'), document.toString());
  return dir;
}

const cases = readdirSync(CASES_DIR)
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => f.slice(0, -'.yaml'.length))
  .sort();

test('there is a prepared change for each kind of semantic change', () => {
  for (const kind of ['lan-target-replaced', 'start-moved', 'host-added', 'host-removed', 'role-added', 'role-removed', 'source-added', 'source-removed', 'retention-changed', 'key-added', 'no-change']) {
    assert.ok(cases.includes(kind), `test/fixtures/diff/${kind}.yaml is missing`);
  }
});

for (const name of cases) {
  test(`diff --stat on the prepared change "${name}" says what it means and matches its golden output`, (t) => {
    const spec = parse(readFileSync(join(CASES_DIR, `${name}.yaml`), 'utf8')) as DiffCase;
    const dir = prepareCase(t, name);
    const result = runCli(['diff', '--stat', '--base', 'base.yaml', '-i', 'inventory.yaml'], { cwd: dir });
    assert.equal(result.stderr.replace(/^.*warning.*\n(  hint.*\n)?/gm, ''), '');
    assert.equal(result.status, spec.meaning.length > 0 ? 1 : 0, result.stdout);
    const meaning = result.stdout.split('\n').filter((l) => l.startsWith('  ') && !l.includes(' | '));
    for (const line of spec.meaning) assert.ok(meaning.includes(`  ${line}`), `missing "${line}" in:\n${result.stdout}`);
    assertGolden(join(CASES_DIR, `${name}.expected`), result.stdout);
  });
}

test('the full diff groups the unified diffs per host, under per-file counts that add up to the header', (t) => {
  const dir = prepareCase(t, 'lan-target-replaced');
  const result = runCli(['diff', '--base', 'base.yaml', '-i', 'inventory.yaml'], { cwd: dir });
  assert.equal(result.status, 1);
  assertGolden(join(CASES_DIR, 'lan-target-replaced.full.expected'), result.stdout);

  const lines = result.stdout.split('\n');
  const header = /^(\d+) hosts?, (\d+) files? changed, \+(\d+) −(\d+)$/.exec(lines[1]!);
  assert.ok(header, lines[1]);
  const files = lines.filter((l) => /^\+\+\+ |^--- /.test(l));
  assert.equal(files.length, 2 * Number(header[2]), 'one ---/+++ pair per changed file');
  const added = lines.filter((l) => l.startsWith('+') && !l.startsWith('+++')).length;
  const removed = lines.filter((l) => l.startsWith('-') && !l.startsWith('---')).length;
  assert.deepEqual([added, removed], [Number(header[3]), Number(header[4])]);
  // Each host's diffs come right after its own heading.
  const groups = lines.filter((l) => /^([a-z0-9-]+|fleet files): \d+ files?, /.test(l) || /^--- a\/dist\//.test(l));
  let current = '';
  for (const line of groups) {
    if (!line.startsWith('--- ')) current = line.slice(0, line.indexOf(':'));
    else if (current === 'fleet files') assert.match(line, /^--- a\/dist\/[^/]+$/);
    else assert.ok(line.startsWith(`--- a/dist/${current}/`), `${line} is under ${current}`);
  }
  assert.match(groups.filter((l) => !l.startsWith('--- ')).at(-1)!, /^fleet files: \d+ files?, /, 'the fleet files come last');
  assert.match(result.stdout, /\n\+\| australia \| .* \| iraq, scotland \| /, 'the README\'s layout row changes');
});

test('an invalid base inventory is bad input (exit 2) that names the base file', (t) => {
  const dir = prepareCase(t, 'start-moved');
  writeFileSync(join(dir, 'base.yaml'), 'version: 1\nhosts: [\n');
  const result = runCli(['diff', '--base', 'base.yaml', '-i', 'inventory.yaml'], { cwd: dir });
  assert.equal(result.status, 2);
  assert.match(result.stderr, /^base\.yaml:\d+:\d+: error: /m);
});

function git(dir: string, ...args: string[]): string {
  const result = spawnSync('git', args, {
    cwd: dir,
    encoding: 'utf8',
    timeout: 30_000,
    env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.org', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.org', GIT_CONFIG_GLOBAL: '/dev/null' },
  });
  assert.equal(result.status, 0, result.stderr);
  return result.stdout;
}

/** Puts the base inventory in place and generates dist/ from it; returns the edited text. */
function generateFromBase(dir: string): Buffer {
  const edited = readFileSync(join(dir, 'inventory.yaml'));
  copyFileSync(join(dir, 'base.yaml'), join(dir, 'inventory.yaml'));
  assert.equal(runCli(['generate'], { cwd: dir }).status, 0);
  return edited;
}

test('without --base, diff compares dist/ with the inventory, and the meaning with the inventory in git HEAD', (t) => {
  // The repository as a reviewer has it: the seed and its dist/ committed, then an edit.
  const dir = prepareCase(t, 'start-moved');
  const edited = generateFromBase(dir);
  git(dir, 'init', '-q');
  git(dir, 'add', 'inventory.yaml', 'dist');
  git(dir, 'commit', '-q', '-m', 'seed');
  writeFileSync(join(dir, 'inventory.yaml'), edited);

  const result = runCli(['diff', '--stat'], { cwd: dir });
  assert.equal(result.status, 1);
  assert.match(result.stdout, /^kindling diff: inventory\.yaml against dist\/; meaning against HEAD:inventory\.yaml\n1 host, \d+ files changed, /);
  assert.match(result.stdout, /\n  ireland: start 03:35 UTC → 04:00 UTC\n/);
  assert.match(result.stdout, /\nireland: \d+ files, \+\d+ −\d+\n(  .*\n)*  crontab +\| changed, \+1 −1\n/);
  assert.match(result.stdout, /\nfleet files: 1 file, \+1 −1\n  README\.md \| changed, \+1 −1\n$/);

  // After generate, dist/ matches: no file changes, but the meaning still differs from HEAD.
  assert.equal(runCli(['generate'], { cwd: dir }).status, 0);
  const after = runCli(['diff'], { cwd: dir });
  assert.equal(after.status, 1);
  assert.match(after.stdout, /\n0 hosts, 0 files changed, \+0 −0\n/);
  assert.match(after.stdout, /\n  ireland: start 03:35 UTC → 04:00 UTC\n/);

  // Committed: nothing left to review, and the review still says what it compared.
  git(dir, 'commit', '-q', '-am', 'ireland later');
  const clean = runCli(['diff'], { cwd: dir });
  assert.deepEqual([clean.status, clean.stdout], [0, 'kindling diff: inventory.yaml against dist/; meaning against HEAD:inventory.yaml\nno changes\n']);
});

test('outside git, diff still shows the files and says why the meaning is missing', (t) => {
  const dir = prepareCase(t, 'start-moved');
  writeFileSync(join(dir, 'inventory.yaml'), generateFromBase(dir));
  const result = runCli(['diff', '--stat'], { cwd: dir, env: { GIT_CEILING_DIRECTORIES: join(dir, '..') } });
  assert.equal(result.status, 1);
  assert.match(result.stdout, /What the change means: not shown: HEAD:inventory\.yaml is not in git \(use --base FILE/);
  assert.match(result.stdout, /\nireland: \d+ files, (.*\n)*  crontab +\| changed, \+1 −1\n/);
});

test('--base takes a git ref of the inventory file: HEAD~1 and a branch name give the same review as the old file', (t) => {
  const dir = prepareCase(t, 'lan-target-replaced');
  const edited = readFileSync(join(dir, 'inventory.yaml'));
  copyFileSync(join(dir, 'base.yaml'), join(dir, 'inventory.yaml'));
  git(dir, 'init', '-q', '-b', 'main');
  git(dir, 'add', 'inventory.yaml');
  git(dir, 'commit', '-q', '-m', 'seed');
  git(dir, 'checkout', '-q', '-b', 'change');
  writeFileSync(join(dir, 'inventory.yaml'), edited);
  git(dir, 'commit', '-q', '-am', 'australia copies elsewhere');

  const fromFile = runCli(['diff', '--stat', '--base', 'base.yaml', '-i', 'inventory.yaml'], { cwd: dir });
  assert.equal(fromFile.status, 1, fromFile.stderr);
  for (const ref of ['HEAD~1', 'main']) {
    const fromGit = runCli(['diff', '--stat', '--base', ref, '-i', 'inventory.yaml'], { cwd: dir });
    assert.equal(fromGit.status, 1, fromGit.stderr);
    assert.equal(fromGit.stdout.split('\n')[0], `kindling diff: inventory.yaml against ${ref}`);
    assert.equal(fromGit.stdout.split('\n').slice(1).join('\n'), fromFile.stdout.split('\n').slice(1).join('\n'));
  }
  const same = runCli(['diff', '--base', 'HEAD', '-i', 'inventory.yaml'], { cwd: dir });
  assert.deepEqual([same.status, same.stdout], [0, 'kindling diff: inventory.yaml against HEAD\nno changes\n']);
});

test('a --base that is neither a file nor a git ref is bad input that says both', (t) => {
  const dir = prepareCase(t, 'start-moved');
  const result = runCli(['diff', '--base', 'no-such-ref', '-i', 'inventory.yaml'], { cwd: dir, env: { GIT_CEILING_DIRECTORIES: join(dir, '..') } });
  assert.equal(result.status, 2);
  assert.equal(result.stdout, '');
  assert.match(result.stderr, /^kindling: --base no-such-ref: no such file, and no-such-ref:inventory\.yaml is not in git\n  hint: .*HEAD~1/);
});

test('diff HOST… limits the review to those hosts: their files and their meaning, no fleet files', (t) => {
  const dir = prepareCase(t, 'lan-target-replaced');
  const all = runCli(['diff', '--stat', '--base', 'base.yaml', '-i', 'inventory.yaml'], { cwd: dir });
  const hostsInAll = [...all.stdout.matchAll(/^([a-z0-9-]+): \d+ files?, /gm)].map((m) => m[1]!);
  assert.ok(hostsInAll.length >= 2, all.stdout);
  const [first] = hostsInAll;
  const one = runCli(['diff', '--stat', '--base', 'base.yaml', '-i', 'inventory.yaml', first!], { cwd: dir });
  assert.equal(one.status, 1, one.stderr);
  assert.match(one.stdout, new RegExp(`^kindling diff: inventory\\.yaml against base\\.yaml; hosts ${first}\\n1 host, `));
  assert.deepEqual([...one.stdout.matchAll(/^([a-z0-9-]+|fleet files): \d+ files?, /gm)].map((m) => m[1]), [first]);
  const meaning = one.stdout.split('\n').filter((l) => /^  [a-z0-9-]+: /.test(l));
  for (const line of meaning) assert.ok(line.startsWith(`  ${first}: `), line);
  // A host the change does not touch: nothing to review.
  const untouched = ['australia', 'chile', 'hongkong', 'iraq', 'ireland', 'romania', 'scotland'].find((h) => !hostsInAll.includes(h) && !all.stdout.includes(`  ${h}: `))!;
  const none = runCli(['diff', '--base', 'base.yaml', '-i', 'inventory.yaml', untouched], { cwd: dir });
  assert.deepEqual([none.status, none.stdout], [0, `kindling diff: inventory.yaml against base.yaml; hosts ${untouched}\nno changes\n`]);
  const unknown = runCli(['diff', '--base', 'base.yaml', '-i', 'inventory.yaml', 'atlantis'], { cwd: dir });
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /unknown host 'atlantis'/);
});

test('--color always colours the diff even in a pipe and with NO_COLOR; never and auto (in a pipe) do not', (t) => {
  const dir = prepareCase(t, 'start-moved');
  const args = ['diff', '--base', 'base.yaml', '-i', 'inventory.yaml'];
  const escape = '\u001b[';
  const always = runCli([...args, '--color', 'always'], { cwd: dir, env: { NO_COLOR: '1' } });
  assert.equal(always.status, 1);
  assert.ok(always.stdout.includes(`${escape}32m+`), 'no green + line');
  assert.ok(always.stdout.includes(`${escape}31m-`), 'no red - line');
  for (const choice of ['never', 'auto']) {
    const plain = runCli([...args, '--color', choice], { cwd: dir, env: { NO_COLOR: '' } });
    assert.equal(plain.status, 1);
    assert.ok(!plain.stdout.includes(escape), `--color ${choice} coloured a pipe`);
  }
  const wrong = runCli([...args, '--color', 'sometimes'], { cwd: dir });
  assert.equal(wrong.status, 2);
  assert.match(wrong.stderr, /--color must be one of auto, always, never, not 'sometimes'/);
});

test('diff --help recommends less -R only with --color always, and documents --color and --base REF', () => {
  const help = runCli(['diff', '--help']).stdout;
  assert.match(help, /kindling diff --color always \| less -R/);
  assert.doesNotMatch(help, /kindling diff \| less -R/);
  assert.match(help, /--color <when>/);
  assert.match(help, /--base <ref-or-file>\s+compare with what an older inventory\s+generates: a git\s+ref/);
});
