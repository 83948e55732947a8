// The view model of a host's folder (src/render/host-document.ts), without rendering any
// template: the authorized_keys lines, setup's folder table and the paths the scripts print,
// for the seed fleet (its fixture copy, seed.yaml) and the 20-host fixture fleet.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildPlan } from '../../../src/pipeline';
import type { FleetPlan, HostPlan } from '../../../src/plan/model';
import { HOST_SCRIPT_TABLE } from '../../../src/plan/plan';
import { EXIT_CODES, SCRIPT_LINE_WIDTH, commentLines, hostDocument } from '../../../src/render/host-document';
import { FLEET20_INVENTORY, SEED_INVENTORY } from '../support/cli';

const seed = buildPlan(SEED_INVENTORY).plan;
const fleet20 = buildPlan(FLEET20_INVENTORY).plan;

function hostOf(fleet: FleetPlan, name: string): HostPlan {
  const host = fleet.hosts.find((h) => h.name === name);
  assert.ok(host, `no host ${name}`);
  return host;
}

const ED25519 = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl';

test('authorized_keys of the seed: a header, then one comment per peer that has no key yet', () => {
  const doc = hostDocument(hostOf(seed, 'australia'), seed);
  assert.deepEqual(doc.setup.authorizedKeys.backup, [
    '# kindling: who may log in as backup on australia, and for what (/usr/local/bin/kindling-receive decides).',
    '# Generated from seed.yaml; setup rewrites this file.',
    '# chile (store, copies): no sshPublicKey in the inventory yet',
    '# romania (store, copies): no sshPublicKey in the inventory yet',
  ]);
  // The aggregator lets every peer report; the admin host lets every peer fetch its files.
  const aggregator = hostOf(seed, seed.aggregatorHost);
  const lines = hostDocument(aggregator, seed).setup.authorizedKeys.backup.slice(2);
  assert.equal(lines.length, seed.hosts.length - 1);
  for (const line of lines) assert.match(line, /^# [a-z]+ \(.*report.*\): no sshPublicKey in the inventory yet$/);
});

test('a peer with a key may only run kindling-receive with its own name, without a pty or forwarding', () => {
  const host = structuredClone(hostOf(seed, 'australia'));
  host.access.backup[0]!.publicKey = ED25519;
  const [, , keyed, unkeyed] = hostDocument(host, seed).setup.authorizedKeys.backup;
  assert.equal(keyed, `restrict,command="/usr/local/bin/kindling-receive chile" ${ED25519} kindling@chile`);
  assert.equal(unkeyed, '# romania (store, copies): no sshPublicKey in the inventory yet');
});

test('the repository user logs in on a copy host only, and only the repository host may use it', () => {
  for (const fleet of [seed, fleet20]) {
    for (const host of fleet.hosts) {
      const doc = hostDocument(host, fleet);
      assert.equal(doc.setup.repositoryLogsIn, host.repositoryCopy !== undefined && host.repositoryCopy.from !== host.name);
      const peers = doc.setup.authorizedKeys.repository.slice(2);
      if (doc.setup.repositoryLogsIn) assert.deepEqual(peers, [`# ${host.repositoryCopy!.from} (repository): no sshPublicKey in the inventory yet`]);
      else assert.deepEqual(peers, []);
    }
  }
});

test('setup folder table: private own copies, one folder per sender owned by the backup user', () => {
  const doc = hostDocument(hostOf(seed, 'australia'), seed);
  assert.deepEqual(
    doc.setup.directories.map((d) => d.entry),
    [
      '/var/lib/kindling root root 0755',
      '/var/lib/kindling/ssh root root 0700',
      '/var/lib/kindling/home root root 0755',
      '/archive/blaze-backup root root 0755',
      '/archive/blaze-backup/australia root root 0700',
      '/archive/blaze-backup/chile backup backup 0700',
      '/archive/blaze-backup/romania backup backup 0700',
      '/archive/repo-backup backup backup 0755',
      '/var/log/blaze-backup backup backup 0755',
      '/etc/sysconfig root root 0755',
    ],
  );
});

test('setup folder table of the 20-host fleet: every receiver has exactly one folder per sender', () => {
  for (const host of fleet20.hosts) {
    const rows = hostDocument(host, fleet20).setup.directories;
    const senders = rows.filter((r) => r.owner === host.users.backup && r.path.startsWith(`${host.paths.backupRoot}/`));
    assert.deepEqual(
      senders.map((r) => r.path),
      host.receivesFrom.map((peer) => `/archive/blaze-backup/${peer}`),
    );
    for (const r of senders) assert.equal(r.mode, '0700');
    assert.equal(new Set(rows.map((r) => r.path)).size, rows.length, `${host.name}: a folder twice`);
    const repo = rows.find((r) => r.path === '/archive/repo-backup')!;
    assert.equal(repo.owner, host.repositoryCopy ? host.users.repository : host.users.backup);
  }
});

test('paths, the fstab line and the alias line are built once, from the plan', () => {
  const host = hostOf(seed, 'australia');
  const doc = hostDocument(host, seed);
  assert.deepEqual(doc.paths, {
    sshKey: '/var/lib/kindling/ssh/id_ed25519',
    homeBase: '/var/lib/kindling/home',
    allowedSigners: '/var/lib/kindling/allowed_signers',
    serialFile: '/var/lib/kindling/dist-serial',
    sysconfigDir: '/etc/sysconfig',
    receiveCommand: '/usr/local/bin/kindling-receive',
    blazeLock: '/run/lock/kindling-blaze.lock',
    targetCopyDir: '/archive/blaze-backup/australia/',
    arrivalsDir: '/var/lib/kindling/arrivals',
    clockFile: '/var/lib/kindling/blaze-clock',
    verifiedDir: '/var/lib/kindling/verified',
  });
  const v = host.archiveVolume;
  assert.equal(doc.fstabLine, `${v.device} /archive ${v.fsType} ${v.options} 0 2`);
  assert.equal(doc.aliasLine, `${host.mail.alias}: ${host.mail.address}`);
  assert.equal(doc.cron.nightly, '/usr/local/bin/kindling-fetch; /usr/local/bin/blaze; /usr/local/bin/wildfire');
  for (const other of fleet20.hosts) {
    const d = hostDocument(other, fleet20);
    assert.equal(d.paths.targetCopyDir, `/archive/blaze-backup/${other.name}/`);
    for (const t of other.targets) assert.equal(t.remoteDir, d.paths.targetCopyDir, 'wildfire and the plan disagree on the target folder');
  }
});

test('blaze kinds: archives, then each dump, then the globals; dumps share the database estimate', () => {
  const host = seed.hosts.find((h) => h.database !== undefined && h.database.dumps.length > 0)!;
  const db = host.database!;
  const doc = hostDocument(host, seed);
  assert.deepEqual(
    doc.blaze.ownKinds.map((k) => k.label),
    [...host.archives.map((a) => a.kind), ...db.dumps.map((d) => `postgresql-${d.database}`), 'postgresql-globals'],
  );
  assert.equal(doc.blaze.dumpEstimateBytes, Math.ceil(db.estimatedBytes / db.dumps.length));
  assert.equal(hostDocument(hostOf(seed, 'australia'), seed).blaze.dumpEstimateBytes, 0);
});

test("kindling-receive's verb table quotes each caller's verbs as one word", () => {
  const aggregator = hostOf(seed, seed.aggregatorHost);
  const rows = hostDocument(aggregator, seed).receive.backupVerbs;
  assert.equal(rows.length, aggregator.access.backup.length);
  for (const [i, row] of rows.entries()) {
    const access = aggregator.access.backup[i]!;
    assert.equal(row.caller, access.caller);
    assert.equal(row.verbs, access.verbs.length === 1 ? access.verbs[0] : `'${access.verbs.join(' ')}'`);
  }
});

test('the aggregator accepts summaries from exactly the scripts the table says report', () => {
  const doc = hostDocument(seed.hosts[0]!, seed);
  const pattern = new RegExp(doc.reportingScriptsPattern);
  for (const script of HOST_SCRIPT_TABLE) assert.equal(pattern.test(script.name), script.reportsSummary, script.name);
  assert.deepEqual(seed.hosts[0]!.scripts, HOST_SCRIPT_TABLE.map((s) => s.name));
});

test('one exit-code table: distinct codes, printed by --help from the constants', () => {
  assert.deepEqual(
    EXIT_CODES.map((e) => [e.name, e.code]),
    [['EXIT_OK', 0], ['EXIT_FAILED', 1], ['EXIT_USAGE', 2], ['EXIT_LOCKED', 3]],
  );
  const help = hostDocument(seed.hosts[0]!, seed).exitCodeHelp;
  for (const e of EXIT_CODES) assert.ok(help.some((line) => line.startsWith(`  \${${e.name}}`)), e.name);
});

test('header summaries are comment lines of at most 100 columns that never say "the seed"', () => {
  for (const fleet of [seed, fleet20]) {
    for (const host of fleet.hosts) {
      const { summaries } = hostDocument(host, fleet);
      for (const script of HOST_SCRIPT_TABLE) {
        const lines = summaries[script.name];
        assert.ok(lines && lines.length > 0, `${host.name}: no summary for ${script.name}`);
        for (const line of lines) {
          assert.match(line, /^#( |$)/);
          assert.ok(line.length <= SCRIPT_LINE_WIDTH, `${host.name}/${script.name}: ${line}`);
          assert.doesNotMatch(line, /\bseed\b/i);
        }
      }
    }
  }
  assert.deepEqual(commentLines('aaa bbb ccc', 9), ['# aaa bbb', '# ccc']);
});

test('blaze\'s exclude options: one --exclude=PATTERN word per pattern, quoted through shellQuote, each on a continuation line', () => {
  const host = hostOf(seed, 'australia');
  const patched: HostPlan = {
    ...host,
    archives: host.archives.map((a, i) => (i === 0 ? { ...a, tarExcludes: ['etc/*.rpmsave', "etc/it's here", 'etc/cache'] } : { ...a, tarExcludes: [] })),
  };
  const rows = hostDocument(patched, seed).blaze.archives;
  assert.equal(rows[0]!.excludeWords, " \\\n    '--exclude=etc/*.rpmsave' \\\n    '--exclude=etc/it'\\''s here' \\\n    --exclude=etc/cache");
  assert.equal(rows[1]!.excludeWords, '');
  assert.equal(rows[0]!.kind, host.archives[0]!.kind);
});

test('the manifest kind is pruned with the own kinds, and received copies carry the sender\'s keep-newest and manifest', () => {
  const host = hostOf(fleet20, fleet20.hosts.find((h) => h.receivedCopies.length > 0)!.name);
  const doc = hostDocument(host, fleet20);
  assert.deepEqual(doc.blaze.prunedKinds.at(-1), { label: 'manifest', prefix: `${host.name}-manifest-`, extension: '.sha256' });
  for (const r of host.receivedCopies) {
    assert.equal(r.keepNewest, 3);
    assert.deepEqual(r.manifest, { filePrefix: `${r.host}-manifest-`, extension: '.sha256' });
    assert.deepEqual(r.kinds.at(-1), r.manifest);
  }
});
