// kindling as an installed command: the build keeps build/cli.js executable, --version says
// the package's version, and a package carries only what a user needs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, runCli } from '../support/cli';
import { scratchDirFor } from '../support/scratch';

const PACKAGE = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string; bin: Record<string, string>; scripts: Record<string, string> };

test('npm run build leaves build/cli.js executable, so a linked kindling runs by itself', (t) => {
  // The build runs in a copy (sources linked, package.json and tsconfig copied), so that the
  // build/ other tests run at this moment is not rewritten under them.
  const dir = scratchDirFor(t);
  for (const name of ['src', 'scripts', 'templates', 'node_modules']) symlinkSync(join(REPO_ROOT, name), join(dir, name));
  for (const name of ['package.json', 'tsconfig.json']) copyFileSync(join(REPO_ROOT, name), join(dir, name));
  const build = spawnSync('npm', ['run', '-s', 'build'], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
  assert.equal(build.status, 0, build.stderr + build.stdout);
  const cli = join(dir, PACKAGE.bin.kindling!);
  assert.equal(statSync(cli).mode & 0o111, 0o111, `${PACKAGE.bin.kindling} is not executable after the build`);
  // Run as the shell runs a linked bin: by its path, through its #! line.
  const run = spawnSync(cli, ['--version'], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  assert.equal(run.stdout, `${PACKAGE.version}\n`);
});

test('run by its path, kindling starts node with one malloc arena and a smaller young generation (its #! line), whatever the caller set', (t) => {
  // A preload (NODE_OPTIONS reaches the node that the #! line starts) reports the variable as
  // node sees it (the arena count is read by glibc before any of kindling's code runs) and
  // node's own options (NODE_OPTIONS' are not among them).
  const preload = join(scratchDirFor(t), 'report-arenas.js');
  writeFileSync(preload, "process.stderr.write(`MALLOC_ARENA_MAX=${process.env.MALLOC_ARENA_MAX} ${process.execArgv.join(' ')}\\n`);\n");
  const run = spawnSync(join(REPO_ROOT, PACKAGE.bin.kindling!), ['--version'], {
    encoding: 'utf8',
    env: { ...process.env, MALLOC_ARENA_MAX: '8', NODE_OPTIONS: `--require ${preload}` },
  });
  assert.equal(run.status, 0, run.stderr);
  assert.deepEqual([run.stdout, run.stderr], [`${PACKAGE.version}\n`, 'MALLOC_ARENA_MAX=1 --max-semi-space-size=8\n']);
  // npm run generate runs it by its path too (node build/cli.js would skip the #! line).
  assert.match(PACKAGE.scripts.generate!, /&& build\/cli\.js generate$/);
});

test('kindling --version and -V print the version of package.json', () => {
  for (const flag of ['--version', '-V']) {
    const result = runCli([flag]);
    assert.deepEqual([result.status, result.stdout, result.stderr], [0, `${PACKAGE.version}\n`, '']);
  }
});

test('npm pack carries build/, templates/, schema/, README.md and package.json, and nothing of test/, bench/ or src/', () => {
  const pack = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 120_000 });
  assert.equal(pack.status, 0, pack.stderr);
  const files = (JSON.parse(pack.stdout) as { files: { path: string }[] }[])[0]!.files.map((f) => f.path);
  for (const needed of ['package.json', 'README.md', 'build/cli.js', 'build/render/render.js', 'templates/host/blaze.ejs', 'templates/init/inventory.yaml', 'schema/inventory.schema.json']) {
    assert.ok(files.includes(needed), `${needed} is not in the package`);
  }
  const stray = files.filter((f) => !/^(build|templates|schema)\//.test(f) && !['package.json', 'README.md', 'LICENSE'].includes(f));
  assert.deepEqual(stray, [], 'files a user does not need');
});
