// dist/README.md, the generated layout document: it shows every table of the seed's Appendix
// with the seed's values, and inventory text cannot break its Markdown. (Its bytes are held by
// the golden trees: test/golden/seed/ and test/golden/fleet20/, compared in test/unit/cli/generate.test.ts.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import { fleetDocument } from '../../../src/render/fleet-document';
import { parseInventory } from '../../../src/inventory/load';
import { validateInventory } from '../../../src/inventory/validate';
import { planFleet } from '../../../src/plan/plan';
import { GOLDEN_SEED, SEED_INVENTORY, runCli } from '../support/cli';
import { scratchDirFor } from '../support/scratch';

type Table = Record<string, string>[];

/** The pipe table under "## HEADING", as rows keyed by column name, cells unescaped. */
function tableUnder(markdown: string, heading: string): Table {
  const lines = markdown.split('\n');
  const start = lines.indexOf(`## ${heading}`);
  assert.ok(start >= 0, `no section "## ${heading}"`);
  const rows: string[][] = [];
  for (let i = start + 1; i < lines.length && !lines[i]!.startsWith('## '); i += 1) {
    const line = lines[i]!;
    if (!line.startsWith('|')) continue;
    rows.push(line.slice(1, -1).split(/(?<!\\)\|/).map((cell) => cell.trim()));
  }
  const [header, rule, ...body] = rows;
  assert.ok(header && rule && rule.every((c) => /^-+$/.test(c)), `"${heading}" has no table`);
  for (const row of body) assert.equal(row.length, header.length, `a row of "${heading}" has ${row.length} cells, not ${header.length}: ${row.join(' | ')}`);
  const unescape = (cell: string): string => cell.replace(/\\([\\`*_[\]|])/g, '$1');
  return body.map((row) => Object.fromEntries(header.map((name, i) => [name, unescape(row[i]!)])));
}

function rowOf(table: Table, column: string, value: string): Record<string, string> {
  const row = table.find((r) => r[column] === value);
  assert.ok(row, `no row with ${column} = ${value}`);
  return row;
}

function items(cell: string | undefined): string[] {
  return (cell ?? '').split(/, | and /).map((s) => s.replace(/\/$/, ''));
}

const README = readFileSync(join(GOLDEN_SEED, 'README.md'), 'utf8');

// The seed's Appendix ("Backup Layout"), as /work/shared/seed/appendix-tables.md restores it.
const SEED_LAYOUT: Record<string, { sources: string[]; types: string[]; targets: string[]; location: string[] }> = {
  hongkong: { sources: ['/etc', '/var/spool/cron', '/usr/local/bin', '/var/lib/bcfg2'], types: ['Configurations', 'Cronjobs', 'Scripts', 'BCFG2 DB'], targets: ['iraq', 'scotland'], location: ['/archive/blaze-backup/hongkong'] },
  ireland: { sources: ['/etc', '/var/spool/cron', 'pg_dump', '/usr/local/bin'], types: ['Configurations', 'Cronjobs', 'PostgreSQL DB', 'Scripts'], targets: ['iraq', 'chile'], location: ['/archive/blaze-backup/ireland'] },
  australia: { sources: ['/etc', '/var/spool/cron', '/usr/local/bin'], types: ['Configurations', 'Cronjobs', 'Scripts'], targets: ['iraq', 'hongkong'], location: ['/archive/blaze-backup/australia'] },
  chile: { sources: ['/etc', '/var/spool/cron', '/mnt/koji', '/usr/local/bin'], types: ['Configurations', 'Cronjobs', 'Repo', 'Scripts'], targets: ['iraq', 'australia'], location: ['/archive/blaze-backup/chile', '/archive/repo-backup'] },
  iraq: { sources: ['/etc', '/var/spool/cron', '/usr/local/bin'], types: ['Configurations', 'Cronjobs', 'Scripts'], targets: ['chile'], location: ['/archive/blaze-backup/iraq'] },
  scotland: { sources: ['/etc', '/var/spool/cron', '/usr/local/bin', '/var/lib/etherpad-lite'], types: ['Configurations', 'Cronjobs', 'Scripts', 'Etherpad Lite DB'], targets: ['iraq', 'ireland'], location: ['/archive/blaze-backup/scotland'] },
  romania: { sources: ['/etc', '/var/spool/cron', '/usr/local/bin'], types: ['Configurations', 'Cronjobs', 'Scripts'], targets: ['australia', 'iraq', 'scotland'], location: ['/archive/blaze-backup/romania'] },
};

test('Backup layout: every seed host with its sources, types of data, LAN targets and locations', () => {
  const table = tableUnder(README, 'Backup layout');
  assert.deepEqual(table.map((r) => r['source server']).sort(), Object.keys(SEED_LAYOUT).sort());
  for (const [host, seed] of Object.entries(SEED_LAYOUT)) {
    const row = rowOf(table, 'source server', host);
    const sources = items(row['backup sources']).map((s) => s.replace(/^pg_dump .*/, 'pg_dump'));
    assert.deepEqual(sources.sort(), [...seed.sources].sort(), `${host} sources`);
    assert.deepEqual(items(row['type of data']).sort(), [...seed.types].sort(), `${host} types`);
    // The LAN targets in the seed's order; the repository sync is said beside them.
    assert.deepEqual(items(row['LAN targets']!.replace(/ \(.*\)$/, '')), seed.targets, `${host} targets`);
    for (const location of seed.location) assert.ok(items(row['backup location']!.replace(/; .*$/, '')).includes(location), `${host} location ${location}`);
  }
  assert.match(rowOf(table, 'source server', 'chile')['LAN targets']!, /\(repository sync to romania, scotland only\)$/);
});

test('Scheduling: each start in its own zone and in UTC, in the seed\'s order (by UTC)', () => {
  // The seed: chile 01:35 UTC, hongkong 02:05 UTC, australia 02:20 UTC, ireland 03:35 UTC,
  // scotland 12:50 AM EDT, romania 01:50 AM EDT, iraq 08:30 AM EDT (EDT = UTC-4, in July).
  const table = tableUnder(README, 'Scheduling');
  assert.deepEqual(table.map((r) => [r.host, r.start, r['time zone'], r['UTC in July']]), [
    ['chile', '01:35', 'UTC', '01:35'],
    ['hongkong', '02:05', 'UTC', '02:05'],
    ['australia', '02:20', 'UTC', '02:20'],
    ['ireland', '03:35', 'UTC', '03:35'],
    ['scotland', '00:50', 'America/Toronto', '04:50'],
    ['romania', '01:50', 'America/Toronto', '05:50'],
    ['iraq', '08:30', 'America/Toronto', '12:30'],
  ]);
  assert.equal(rowOf(table, 'host', 'iraq')['UTC in January'], '13:30');
});

test('Offered services: every role of the seed with its hosts, ALLSYS included', () => {
  const table = tableUnder(README, 'Offered services');
  const all = 'australia, chile, hongkong, iraq, ireland, romania, scotland';
  assert.deepEqual(Object.fromEntries(table.map((r) => [r.role, r.hosts])), {
    DBHOST: 'ireland',
    REPOHOST: 'chile',
    RBDHOST: 'chile',
    SYNCHOST: 'iraq, romania, scotland',
    COPYREPOHOST: 'romania, scotland',
    BUDDYHOST: all,
    AGGREGHOST: 'iraq',
    ADMHOST: 'iraq',
    ALLSYS: all,
  });
});

test('Backup location capacity: the seed\'s devices and sizes, estimated use, headroom and warnings', () => {
  const table = tableUnder(README, 'Backup location capacity');
  // The seed's sizes as df -h prints them, then in the document's decimal units.
  const seed: [string, string, string][] = [
    ['hongkong', '/dev/mapper/hk-archive', '5.4 GB (inventory: 5.0G)'],
    ['iraq', '/dev/mapper/iraq-archive', '53.7 GB (inventory: 50.0G)'],
    ['ireland', '/dev/mapper/ireland-archive', '1.32 TB (inventory: 1.2T)'],
    ['australia', '/dev/mapper/australia-archive', '10.6 GB (inventory: 9.9G)'],
    ['chile', '/dev/mapper/chile-archive', '10.6 GB (inventory: 9.9G)'],
    ['scotland', '/dev/mapper/scotland-archive', '2.42 TB (inventory: 2.2T)'],
    ['romania', '/dev/mapper/yoda-archive', '2.20 TB (inventory: 2.0T)'],
  ];
  for (const [host, device, size] of seed) {
    const row = rowOf(table, 'host', host);
    assert.deepEqual([row.filesystem, row.type, row.size, row['mounted on']], [device, 'ext4', size, '/archive'], host);
    assert.match(row['estimated use']!, /^\d+(\.\d+)? (MB|GB|TB)$/, host);
    assert.match(row.headroom!, /^−?\d+(\.\d+)? (MB|GB|TB)$/, host);
  }
  // 5.0G is below the seed's own 10 GB minimum; the repository copy hosts hold the 2 TB
  // repository once (the snapshots are hard links to incoming's files), which fits.
  assert.match(rowOf(table, 'host', 'hongkong').warnings!, /below the seed's minimum of 10 GB/);
  assert.equal(rowOf(table, 'host', 'iraq').warnings, '—');
  assert.match(rowOf(table, 'host', 'romania')['estimated use']!, /^2\.\d\d TB$/);
  assert.equal(rowOf(table, 'host', 'romania').warnings, '—');
  assert.equal(rowOf(table, 'host', 'scotland').warnings, '—');
});

test('Log files and Data retention: the seed\'s logs and its 30 and 3 days', () => {
  const logs = tableUnder(README, 'Log files');
  const all = 'australia, chile, hongkong, iraq, ireland, romania, scotland';
  assert.equal(rowOf(logs, 'log file', '/var/log/blaze-backup.log').on, all);
  assert.equal(rowOf(logs, 'log file', '/var/log/wildfire-sync.log').on, all);
  assert.equal(rowOf(logs, 'log file', '/var/log/blaze-wildfire.log').on, 'iraq');
  const retention = tableUnder(README, 'Data retention');
  assert.equal(retention.length, 7);
  for (const row of retention) {
    assert.deepEqual([row['on the host'], row['on LAN targets']], ['30', '30'], row.host);
    assert.equal(row['on removable drives'], row.host === 'chile' ? '3' : '—', row.host);
  }
  assert.match(README, /`\/etc\/sysconfig\/blaze` on every host holds the admin host's name: `iraq`/);
});

test('inventory text with | * _ < and line breaks cannot break a table or inject Markdown', (t) => {
  const document = parseDocument(readFileSync(SEED_INVENTORY, 'utf8'));
  document.setIn(['hosts', 'australia', 'description'], 'left | right\n*bold* <b>x</b> [link](http://x)');
  document.setIn(['hosts', 'australia', 'sources'], [{ name: 'odd', path: '/srv/a_b/', dataType: 'one|two', estimatedSize: '1M' }]);
  const dir = scratchDirFor(t);
  writeFileSync(join(dir, 'inventory.yaml'), document.toString());
  const result = runCli(['generate', '-i', join(dir, 'inventory.yaml'), '-o', join(dir, 'dist')]);
  assert.equal(result.status, 0, result.stderr);
  const readme = readFileSync(join(dir, 'dist', 'README.md'), 'utf8');
  assert.ok(readme.includes('| australia | left \\| right \\*bold\\* &lt;b&gt;x&lt;/b&gt; \\[link\\](http://x) |'), readme.split('\n').find((l) => l.startsWith('| australia |')));
  const servers = tableUnder(readme, 'Servers');
  assert.equal(rowOf(servers, 'server', 'australia')['what it is'], 'left | right *bold* &lt;b&gt;x&lt;/b&gt; [link](http://x)');
  const layout = rowOf(tableUnder(readme, 'Backup layout'), 'source server', 'australia');
  assert.equal(layout['type of data'], 'Configurations, Cronjobs, Scripts, one|two');
  assert.equal(layout['backup sources'], '/etc/, /var/spool/cron/, /usr/local/bin/, /srv/a_b/');
});

/** The document model of an inventory text (pure: no CLI). */
function documentOf(text: string) {
  const { inventory, warnings } = validateInventory(parseInventory('seed.yaml', text));
  return fleetDocument(planFleet(inventory, warnings));
}

test('every size in the document is in one unit system: decimal MB/GB/TB, the inventory\'s value named as such', () => {
  const table = tableUnder(README, 'Backup location capacity');
  for (const row of table) {
    // Outside the named "(inventory: …)" value, no binary K/M/G/T size appears in a row.
    const cells = [row.size!.replace(/ \(inventory: [0-9.]+[KMGT]\)$/, ''), row['estimated use']!, row.headroom!, row.warnings!];
    for (const cell of cells) assert.doesNotMatch(cell, /\b\d+(\.\d+)?[KMGT]\b|GiB|MiB|TiB/, `${row.host}: ${cell}`);
    assert.match(row.size!, /^\d+(\.\d+)? (MB|GB|TB) \(inventory: [0-9.]+[KMGT]B?\)$/, row.host);
  }
  assert.match(README, /Every size here is in MB, GB and TB \(powers of 1000\)/);
});

test('the document says what the fleet does not protect against, from the plan', () => {
  const section = README.slice(README.indexOf('## What this fleet does not protect against'));
  assert.ok(README.includes('## What this fleet does not protect against'));
  const items = section.split('\n').filter((l) => l.startsWith('- ')).slice(0, 8);
  assert.match(items[0]!, /^- No offsite copy: .*the removable drives of chile are offsite only while someone keeps them elsewhere\.$/);
  assert.match(items[1]!, /^- No encryption at rest: /);
  assert.match(items[2]!, /^- Up to a day of changes can be lost: .*the databases of ireland are dumped with pg\\_dump/);
  assert.match(
    items[3]!,
    /^- The repository's history is 30 days long: \/mnt\/koji\/ of chile is mirrored, deletions included, by wildfire to romania and scotland, whose blaze keeps a dated snapshot of it each night for 30 days \(the removable drives keep 3 days of dated copies\);.* no \.kindling-repository, and a night that would delete more than 10 % of a copy's files is refused\.$/,
  );
  assert.match(items[4]!, /^- A compromised host: .*not erase or alter the copies already there\.$/);
  assert.match(items[5]!, /^- An escape from rrsync \(an rsync server bug\) by a sender: it runs as the sender's own account on that target \(kb-&lt;sender&gt;\), which reaches no other sender's folder, .*cannot write the aggregated log .*it can still read the sender's own copies, fill the target's \/tmp, and write new names into its own folder/);
  assert.match(items[6]!, /^- A compromised admin host: iraq serves every host .*; set fleet\.signing so that hosts install only scripts a reviewer signed\.$/);
  assert.match(items[7]!, /^- Silence: failure mail and the dead-man's switch run on the aggregator iraq;/);

  // Derived, not fixed: a fleet without repository, drives and databases, but with signing, says less and otherwise.
  const document = parseDocument(readFileSync(SEED_INVENTORY, 'utf8'));
  document.deleteIn(['hosts', 'chile', 'repository']);
  document.setIn(['hosts', 'chile', 'roles'], ['SYNCHOST']);
  for (const host of ['romania', 'scotland']) document.setIn(['hosts', host, 'roles'], []);
  document.deleteIn(['hosts', 'ireland', 'database']);
  document.setIn(['hosts', 'ireland', 'roles'], []);
  document.setIn(['fleet', 'signing'], { allowedSigners: ['admin@cdot namespaces="kindling" ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGx0b2tlbmRlbW9rZXlfb25seV9mb3JfZG9jcw'] });
  const other = documentOf(document.toString()).notProtected;
  assert.equal(other.length, 7, other.join('\n'));
  assert.ok(other.every((l) => !/repository copies|removable|pg_dump/.test(l)), other.join('\n'));
  assert.match(other.find((l) => l.startsWith('A compromised admin host'))!, /unless they also hold a reviewer's signing key/);
});

test('the document points at restore with this fleet\'s names: a file, a database, a lost host', () => {
  const section = README.slice(README.indexOf('## Restoring'), README.indexOf('## What this fleet'));
  assert.match(section, /`\/usr\/local\/bin\/restore`/);
  assert.match(section, /On australia, list the copies .*\n\n```sh\nrestore list\nrestore file Feb-27-2012 \/etc\/ --to \/root\/restored\n```/);
  assert.match(section, /A database, on ireland, .*\n\n```sh\nrestore database Feb-27-2012 koji --into koji_restored\n```/);
  assert.match(section, /on iraq, `restore list --host australia`/);
  // A source path with a space is shown as the shell word to type.
  const document = parseDocument(readFileSync(SEED_INVENTORY, 'utf8'));
  document.setIn(['hosts', 'australia', 'sources'], [{ name: 'odd', path: '/srv/my files/', dataType: 'Files' }]);
  document.setIn(['defaults', 'sources'], []);
  assert.equal(documentOf(document.toString()).restore.fileCommand, "restore file Feb-27-2012 '/srv/my files/' --to /root/restored");
});

test("the document says what each host can and cannot do to another's copies (issue 11)", () => {
  const heading = "## What each host can and cannot do to another's copies";
  assert.ok(README.includes(heading));
  const section = README.slice(README.indexOf(heading), README.indexOf('## What this fleet does not protect against'));
  const items = section.split('\n').filter((l) => l.startsWith('- '));
  assert.equal(items.length, 10, items.join('\n'));
  assert.match(section, /It can:\n\n- Add new files to its own folder \/archive\/blaze-backup\/&lt;sender&gt;\//);
  assert.match(section, /It cannot:\n\n- Change or delete a stored copy: .*--log-file, --partial-dir, --temp-dir/);
  assert.match(section, /- Store a symlink, device, fifo or hard link: /);
  assert.match(section, /- Fill a target: its folder has a budget .* free-space floor \(max\(1 GiB, two of the target's nights\)\)/);
  assert.match(section, /- Write into an unmounted \/archive: store is refused while \/archive is not a mount point\.$/m);
  // One account per sender (issue 11): what an escape still can, and what it cannot.
  assert.match(section, /- Escaping kindling-receive \(an rsync server bug\), act as its own account on the target, kb-&lt;sender&gt;, and nothing more: fill the target's \/tmp, read its own copies, and write new names into its own folder/);
  assert.match(section, /- Reach another sender's folder through kindling-receive: .*each sender logs in as its own account, .*\(root-owned, sticky, mode 1770, group the other sender's account\)\.$/m);
  assert.match(section, /- Delete or alter its own copies after the target's blaze took them: .*root-owned and read-only \(0440\)/);
  assert.match(section, /- Write the aggregated log: .*taking the caller from the spool folder, never from the line, and at most 8 lines a night, counted by root\.$/m);
});
