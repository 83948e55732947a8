// Inventories of real size: host groups (merge keys, x- keys), ssh address and port,
// exclude patterns, paths with spaces, and error output that stays readable.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseInventory } from '../../../src/inventory/load';
import { validateInventory } from '../../../src/inventory/validate';
import { capDiagnostics, MAX_SHOWN_DIAGNOSTICS, type Diagnostic } from '../../../src/inventory/diagnostics';
import { InputError } from '../../../src/errors';
import { planFleet, tarExcludes } from '../../../src/plan/plan';
import { isValidSshAddress } from '../../../src/inventory/ssh-address';
import { REPO_ROOT, runCli, scratchDir, snapshotTree } from '../support/cli';

/** The three-host inventory most invalid fixtures are mutations of (alpha, bravo, charlie). */
const TINY = readFileSync(join(REPO_ROOT, 'test', 'fixtures', 'invalid', 'duplicate-host.yaml'), 'utf8').split('\n').slice(0, 30).join('\n') + '\n';

function planOf(text: string) {
  const { inventory, warnings } = validateInventory(parseInventory('inventory.yaml', text));
  return planFleet(inventory, warnings);
}

function errorsOf(text: string): Diagnostic[] {
  try {
    validateInventory(parseInventory('inventory.yaml', text));
  } catch (error) {
    if (error instanceof InputError) return error.diagnostics;
    throw error;
  }
  assert.fail('expected the inventory to be refused');
}

const GROUPED = TINY.replace(
  'defaults:',
  ['x-note: groups below are YAML anchors; kindling ignores x- keys', 'x-lan-buddy: &lan-buddy', '  schedule: { start: "04:10" }', '  targets: [alpha, bravo]', '  archive: { device: /dev/mapper/buddy-archive, size: 50G }', 'defaults:'].join('\n'),
) + ['  delta:', '    <<: *lan-buddy', '  echo:', '    <<: *lan-buddy', '    schedule: { start: "05:10" }', '    targets: [charlie]', ''].join('\n');

test('hosts share a group through a YAML merge key; x- top-level keys are ignored', () => {
  const plan = planOf(GROUPED);
  const host = (name: string) => plan.hosts.find((h) => h.name === name)!;
  assert.deepEqual(plan.hosts.map((h) => h.name), ['alpha', 'bravo', 'charlie', 'delta', 'echo']);
  assert.equal(host('delta').schedule.start, '04:10');
  assert.deepEqual(host('delta').targets.map((t) => t.host), ['alpha', 'bravo']);
  assert.equal(host('delta').archiveVolume.device, '/dev/mapper/buddy-archive');
  // A key written in the host wins over the group's.
  assert.equal(host('echo').schedule.start, '05:10');
  assert.deepEqual(host('echo').targets.map((t) => t.host), ['charlie']);
});

test('an error in a merged value points at its line in the group; one written in the host at the host', () => {
  const text = GROUPED.replace('start: "04:10"', 'start: "4pm"').replace('    targets: [charlie]\n', '    targets: [charlie, chalie]\n');
  const lines = text.split('\n');
  const errors = errorsOf(text);
  const start = errors.find((d) => d.path.join('.') === 'hosts.delta.schedule.start')!;
  assert.equal(start.position?.line, lines.findIndex((l) => l.includes('"4pm"')) + 1);
  const target = errors.find((d) => d.path.join('.') === 'hosts.echo.targets.1')!;
  assert.equal(target.position?.line, lines.findIndex((l) => l.includes('chalie')) + 1);
  assert.equal(target.hint, "did you mean 'charlie'?");
});

test('a mistyped top-level key is still refused: only x- keys are free', () => {
  const errors = errorsOf(TINY.replace('defaults:', 'y-group: { a: 1 }\ndefaults:'));
  assert.deepEqual(errors.map((d) => d.message), ["unknown key 'y-group'"]);
});

test('address and port reach the plan of the host and of everyone who connects to it', () => {
  const text = TINY.replace('    targets: [alpha, charlie]\n', '    targets: [alpha, charlie]\n    address: bravo.cdot.example.org\n    port: 2222\n').replace(
    '    targets: [bravo]\n',
    '    targets: [bravo]\n    address: "2001:db8::7"\n',
  );
  const plan = planOf(text);
  const host = (name: string) => plan.hosts.find((h) => h.name === name)!;
  assert.deepEqual(host('bravo').ssh, { host: 'bravo', sshAddress: 'bravo.cdot.example.org', sshPort: 2222 });
  assert.deepEqual(host('alpha').targets.map(({ host, sshAddress, sshPort }) => ({ host, sshAddress, sshPort })), [
    { host: 'bravo', sshAddress: 'bravo.cdot.example.org', sshPort: 2222 },
  ]);
  // Without address and port: the host name and 22.
  assert.deepEqual(host('bravo').targets.map(({ host, sshAddress, sshPort }) => ({ host, sshAddress, sshPort })), [
    { host: 'alpha', sshAddress: '2001:db8::7', sshPort: 22 },
    { host: 'charlie', sshAddress: 'charlie', sshPort: 22 },
  ]);
  for (const name of ['bravo', 'charlie']) {
    assert.deepEqual(host(name).adminSsh, { host: 'alpha', sshAddress: '2001:db8::7', sshPort: 22 });
    assert.deepEqual(host(name).aggregatorSsh, { host: 'alpha', sshAddress: '2001:db8::7', sshPort: 22 });
  }
});

test('the repository copies carry the copy hosts\' ssh endpoints, the copy host the sender\'s', () => {
  const text = TINY.replace('  alpha:\n    roles: [ADMHOST, AGGREGHOST, SYNCHOST]', '  alpha:\n    roles: [ADMHOST, AGGREGHOST, SYNCHOST, COPYREPOHOST]\n    port: 2200').replace(
    '    repository: { path: /mnt/koji/ }\n',
    '    repository: { path: /mnt/koji/ }\n    address: 192.0.2.30\n',
  );
  const plan = planOf(text);
  const charlie = plan.hosts.find((h) => h.name === 'charlie')!;
  assert.deepEqual(charlie.repository?.copies, [{ host: 'alpha', sshAddress: 'alpha', sshPort: 2200, remoteDir: '/archive/repo-backup/incoming/' }]);
  assert.deepEqual(plan.hosts.find((h) => h.name === 'alpha')!.repositoryCopy?.fromSsh, { host: 'charlie', sshAddress: '192.0.2.30', sshPort: 22 });
});

test('ssh addresses: DNS names and real IPv4/IPv6 addresses only', () => {
  for (const good of ['chile', 'chile.cdot.example.org', 'chile.example.org.', '192.0.2.1', '2001:db8::1', '::1', 'a-b.c0']) assert.equal(isValidSshAddress(good), true, good);
  for (const bad of ['10.0.0.300', '1.2.3', '2001:db8:::1', 'bad_name.org', '-lead.org', 'a..b', 'user@host', 'host:22', ' host']) assert.equal(isValidSshAddress(bad), false, bad);
});

test('exclude patterns become tar patterns anchored at the archive\'s member names', () => {
  assert.deepEqual(tarExcludes('/var/lib/bcfg2/', 'bcfg2', ['cache/', '*.tmp', '/var/lib/bcfg2/logs', './run/*.pid']), ['bcfg2/cache', 'bcfg2/*.tmp', 'bcfg2/logs', 'bcfg2/run/*.pid']);
  assert.deepEqual(tarExcludes('/etc', 'etc', ['/etc/ssl/private/']), ['etc/ssl/private']);
  const plan = planOf(TINY.replace('    - { name: etc, path: /etc/, dataType: Configurations }', '    - { name: etc, path: /etc/, dataType: Configurations, exclude: [ssl/private/, "*.rpmsave"] }'));
  for (const host of plan.hosts) assert.deepEqual(host.archives.find((a) => a.kind === 'etc')!.tarExcludes, ['etc/ssl/private', 'etc/*.rpmsave']);
});

test('a source path with a space is generated quoted, and every script still passes bash -n', () => {
  const out = join(scratchDir(), 'dist');
  const result = runCli(['generate', '-i', join(REPO_ROOT, 'test', 'fixtures', 'inventories', 'path-with-space.yaml'), '-o', out]);
  assert.equal(result.status, 0, result.stderr);
  const wildfire = readFileSync(join(out, 'charlie', 'wildfire'), 'utf8');
  assert.match(wildfire, /^readonly REPOSITORY_DIR='\/mnt\/my koji\/'$/m);
  for (const [path, file] of snapshotTree(out)) {
    if (!(file.mode & 0o100)) continue;
    const syntax = spawnSync('bash', ['-n', join(out, path)], { encoding: 'utf8' });
    assert.equal(syntax.status, 0, `${path}: ${syntax.stderr}`);
  }
  // And the value comes back from bash as it went in.
  const value = spawnSync('bash', ['-c', `${wildfire.match(/^readonly REPOSITORY_DIR=.*$/m)![0]}; printf %s "$REPOSITORY_DIR"`], { encoding: 'utf8' });
  assert.equal(value.stdout, '/mnt/my koji/');
});

test('a paste of 10,000 bad lines prints the first 50 errors and a count of the rest', () => {
  const dir = scratchDir();
  const file = join(dir, 'inventory.yaml');
  writeFileSync(file, TINY + Array.from({ length: 10_000 }, (_, i) => `    bogus${i}: 1`).join('\n') + '\n');
  const result = runCli(['validate', '-i', file]);
  assert.equal(result.status, 2);
  const located = result.stderr.split("\n").filter((l) => /^\S+:\d+:\d+: /.test(l));
  assert.equal(located.length, MAX_SHOWN_DIAGNOSTICS);
  assert.match(result.stderr, /: error: \(document\): 9,950 more errors not shown \(only the first 50 of 10,000 are\)\n/);
  assert.ok(result.stderr.split('\n').length < 2 * MAX_SHOWN_DIAGNOSTICS + 10, `${result.stderr.split('\n').length} lines`);
});

test('capDiagnostics keeps short lists and counts errors and warnings it leaves out', () => {
  const d = (severity: 'error' | 'warning', line: number): Diagnostic => ({ severity, file: 'f', position: { line, column: 1 }, path: [], message: 'm' });
  const short = [d('error', 1), d('warning', 2)];
  assert.equal(capDiagnostics(short, 2), short);
  const capped = capDiagnostics([d('error', 1), d('error', 2), d('error', 3), d('warning', 4)], 2);
  assert.equal(capped.length, 3);
  assert.equal(capped[2]!.message, '1 more error and 1 more warning not shown (only the first 2 of 4 are)');
});

test('a file indented with tabs gets one "use spaces" hint, not one error per line', () => {
  const text = TINY.replace(/^ {4}/gm, '\t\t').replace(/^ {2}(?=\S)/gm, '\t');
  const errors = (() => {
    try {
      parseInventory('inventory.yaml', text);
    } catch (error) {
      if (error instanceof InputError) return error.diagnostics;
    }
    return assert.fail('expected a YAML error');
  })();
  assert.equal(errors.length, 1, errors.map((e) => e.message).join('\n'));
  assert.match(errors[0]!.message, /indented with a tab \(and \d+ more lines\)/);
  assert.match(errors[0]!.hint!, /use spaces, not tabs/);
  assert.equal(errors[0]!.position?.line, text.split('\n').findIndex((l) => l.startsWith('\t')) + 1);
});
