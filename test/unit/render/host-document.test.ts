// The view model of a host's folder (src/render/host-document.ts), without rendering any
// template: the authorized_keys lines, setup's folder table and the paths the scripts print,
// for the seed fleet (its fixture copy, seed.yaml) and the 20-host fixture fleet.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildPlan } from '../../../src/pipeline';
import type { FleetPlan, HostPlan } from '../../../src/plan/model';
import { HOST_SCRIPT_TABLE } from '../../../src/plan/plan';
import { EXIT_CODES, REPORT_LINES_PER_NIGHT, SCRIPT_LINE_WIDTH, archiveMountOptions, commentLines, earlierFstabLines, hostDocument, knownHostsLines, knownHostsName, peerRow } from '../../../src/render/host-document';
import { FLEET20_INVENTORY, SEED_INVENTORY } from '../support/cli';

const seed = buildPlan(SEED_INVENTORY).plan;
const fleet20 = buildPlan(FLEET20_INVENTORY).plan;

function hostOf(fleet: FleetPlan, name: string): HostPlan {
  const host = fleet.hosts.find((h) => h.name === name);
  assert.ok(host, `no host ${name}`);
  return host;
}

const ED25519 = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl';

test("authorized_keys of the seed: one account per peer, its header, then that peer's line alone", () => {
  const doc = hostDocument(hostOf(seed, 'australia'), seed);
  assert.deepEqual(
    doc.setup.accounts.map((a) => [a.caller, a.account, a.home]),
    [
      ['chile', 'kb-chile', '/var/lib/kindling/home/kb-chile'],
      ['romania', 'kb-romania', '/var/lib/kindling/home/kb-romania'],
    ],
  );
  assert.deepEqual(doc.setup.plannedAccounts, ['kb-chile', 'kb-romania']);
  assert.deepEqual(doc.setup.accounts[0]!.authorizedKeys, [
    '# kindling: who may log in as kb-chile on australia, and for what (/usr/local/bin/kindling-receive decides).',
    '# Generated from seed.yaml; setup rewrites this file.',
    '# chile (store, copies): no sshPublicKey in the inventory yet',
  ]);
  // The aggregator lets every peer report, each as its own account.
  const aggregator = hostOf(seed, seed.aggregatorHost);
  const accounts = hostDocument(aggregator, seed).setup.accounts;
  assert.equal(accounts.length, seed.hosts.length - 1);
  for (const a of accounts) {
    assert.equal(a.authorizedKeys.length, 3);
    assert.match(a.authorizedKeys[2]!, new RegExp(`^# ${a.caller} \\(.*report.*\\): no sshPublicKey in the inventory yet$`));
  }
});

test("a peer's key may only run kindling-receive with its own name, in its own account, without a pty or forwarding", () => {
  const host = structuredClone(hostOf(seed, 'australia'));
  host.access[0]!.publicKey = ED25519;
  const [chile, romania] = hostDocument(host, seed).setup.accounts;
  assert.equal(chile!.authorizedKeys[2], `restrict,command="/usr/local/bin/kindling-receive chile" ${ED25519} kindling@chile`);
  assert.equal(chile!.authorizedKeys.length, 3);
  assert.equal(romania!.authorizedKeys[2], '# romania (store, copies): no sshPublicKey in the inventory yet');
  // fleet20 has every key: each account holds exactly its caller's key, nobody else's.
  for (const h of fleet20.hosts) {
    for (const a of hostDocument(h, fleet20).setup.accounts) {
      const keys = a.authorizedKeys.filter((l) => !l.startsWith('#'));
      assert.equal(keys.length, 1, `${h.name}/${a.account}`);
      assert.match(keys[0]!, new RegExp(`^restrict,command="/usr/local/bin/kindling-receive ${a.caller}" ssh-ed25519 \\S+ kindling@${a.caller}$`));
    }
  }
});

test('the repository arrives on a copy host as the repository host\'s own account, which owns incoming/ only (the snapshots beside it are root\'s)', () => {
  for (const fleet of [seed, fleet20]) {
    for (const host of fleet.hosts) {
      const doc = hostDocument(host, fleet);
      const repo = doc.setup.directories.find((d) => d.path === '/archive/repo-backup')!;
      const incoming = doc.setup.directories.find((d) => d.path === '/archive/repo-backup/incoming');
      const sending = host.access.filter((a) => a.verbs.includes('repository'));
      assert.deepEqual([repo.owner, repo.group], ['root', 'root']);
      if (host.repositoryCopy && host.repositoryCopy.from !== host.name) {
        assert.deepEqual(sending.map((a) => a.account), [`kb-${host.repositoryCopy.from}`]);
        assert.deepEqual([incoming?.owner, incoming?.group, incoming?.mode], [`kb-${host.repositoryCopy.from}`, `kb-${host.repositoryCopy.from}`, '0755']);
      } else {
        assert.deepEqual(sending, []);
        assert.equal(incoming, undefined);
      }
    }
  }
});

test("setup folder table: private own copies, each sender's folder root's, sticky, its account's group", () => {
  const doc = hostDocument(hostOf(seed, 'australia'), seed);
  assert.deepEqual(
    doc.setup.directories.map((d) => d.entry),
    [
      '/var/lib/kindling root root 0755',
      '/var/lib/kindling/ssh root root 0700',
      '/var/lib/kindling/home root root 0755',
      '/archive/blaze-backup root root 0755',
      '/archive/blaze-backup/australia root root 0700',
      '/archive/blaze-backup/chile root kb-chile 1770',
      '/archive/blaze-backup/romania root kb-romania 1770',
      '/archive/repo-backup root root 0755',
      '/var/log/blaze-backup root root 0755',
      '/etc/sysconfig root root 0755',
    ],
  );
});

test("setup folder table of the aggregator: each caller's report spool is root's, sticky, its account's group", () => {
  const aggregator = hostOf(seed, seed.aggregatorHost);
  const rows = hostDocument(aggregator, seed).setup.directories.filter((d) => d.path.startsWith('/var/spool/kindling'));
  assert.deepEqual(rows.slice(0, 3).map((d) => d.entry), [
    '/var/spool/kindling root root 0755',
    '/var/spool/kindling/reports root root 0755',
    '/var/spool/kindling/merging root root 0700',
  ]);
  assert.deepEqual(
    rows.slice(3).map((d) => d.entry),
    aggregator.access.map((a) => `/var/spool/kindling/reports/${a.caller} root kb-${a.caller} 1770`),
  );
  assert.equal(hostDocument(aggregator, seed).paths.reportMergeDir, '/var/spool/kindling/merging');
  for (const other of seed.hosts.filter((h) => !h.isAggregator)) {
    assert.deepEqual(hostDocument(other, seed).setup.directories.filter((d) => d.path.startsWith('/var/spool')), [], other.name);
  }
});

test('setup folder table of the 20-host fleet: every receiver has exactly one folder per sender', () => {
  for (const host of fleet20.hosts) {
    const rows = hostDocument(host, fleet20).setup.directories;
    const senders = rows.filter((r) => r.path.startsWith(`${host.paths.backupRoot}/`) && r.path !== host.paths.ownBackupDir);
    assert.deepEqual(
      senders.map((r) => r.path),
      host.receivesFrom.map((peer) => `/archive/blaze-backup/${peer}`),
    );
    for (const r of senders) assert.deepEqual([r.owner, r.group, r.mode], ['root', `kb-${r.path.split('/').pop()}`, '1770']);
    assert.equal(new Set(rows.map((r) => r.path)).size, rows.length, `${host.name}: a folder twice`);
    const repo = rows.find((r) => r.path === '/archive/repo-backup')!;
    // On a copy host the snapshots there are root's; the sender's account owns incoming/ only.
    assert.equal(repo.owner, 'root');
    const incoming = rows.find((r) => r.path === '/archive/repo-backup/incoming');
    assert.equal(incoming?.owner, host.repositoryCopy?.user);
  }
});

test('repository copies: the sender mirrors into incoming/, blaze snapshots it, every copy checks the marker', () => {
  const chile = hostDocument(hostOf(seed, 'chile'), seed);
  const romania = hostDocument(hostOf(seed, 'romania'), seed);
  const australia = hostDocument(hostOf(seed, 'australia'), seed);
  assert.deepEqual(chile.wildfire, { repositoryRemoteDir: '/archive/repo-backup/incoming/', repositoryMustBeMounted: 1 });
  assert.equal(chile.setup.repositoryMarker, '/mnt/koji/.kindling-repository');
  // chile is also the RBDHOST: its drives mirror the mounted repository.
  assert.deepEqual(chile.blaze.repositoryGuard, { markerFile: '.kindling-repository', mustBeMountPoint: true, maxDeletePercent: 10 });
  assert.equal(chile.blaze.repositoryMustBeMounted, 1);
  assert.equal(chile.blaze.snapshotsDir, '');
  // romania keeps snapshots of incoming/, which is no mount point.
  assert.deepEqual(romania.blaze.repositoryGuard, { markerFile: '.kindling-repository', mustBeMountPoint: false, maxDeletePercent: 10 });
  assert.equal(romania.blaze.snapshotsDir, '/archive/repo-backup');
  assert.equal(romania.paths.repositoryIncoming, '/archive/repo-backup/incoming');
  assert.deepEqual(romania.wildfire, { repositoryRemoteDir: '', repositoryMustBeMounted: 0 });
  assert.equal(australia.blaze.repositoryGuard, undefined);
  assert.equal(australia.setup.repositoryMarker, '');
});

test("the admin host's dist folders: each host's readable by that host's account only", () => {
  const admin = hostOf(seed, seed.adminHost);
  assert.deepEqual(
    hostDocument(admin, seed).setup.distFolders.map((d) => d.entry),
    admin.access.map((a) => `'kb-${a.caller} /srv/kindling/dist/${a.caller}'`),
  );
  assert.equal(hostDocument(admin, seed).setup.distFolders.length, seed.hosts.length - 1);
  for (const other of seed.hosts.filter((h) => !h.isAdmin)) assert.deepEqual(hostDocument(other, seed).setup.distFolders, [], other.name);
});

test('paths, the fstab line and the alias line are built once, from the plan', () => {
  const host = hostOf(seed, 'australia');
  const doc = hostDocument(host, seed);
  assert.deepEqual(doc.paths, {
    sshKey: '/var/lib/kindling/ssh/id_ed25519',
    homeBase: '/var/lib/kindling/home',
    allowedSigners: '/var/lib/kindling/allowed_signers',
    arrivalsDir: '/var/lib/kindling/arrivals',
    clockFile: '/var/lib/kindling/blaze-clock',
    verifiedDir: '/var/lib/kindling/verified',
    serialFile: '/var/lib/kindling/dist-serial',
    deadManExpected: '/var/lib/kindling/deadman-expected',
    sysconfigDir: '/etc/sysconfig',
    receiveCommand: '/usr/local/bin/kindling-receive',
    blazeLock: '/run/lock/kindling-blaze.lock',
    targetCopyDir: '/archive/blaze-backup/australia/',
    knownHosts: '/var/lib/kindling/ssh/known_hosts',
    reportCountDir: '/var/lib/kindling/report-counts',
    reportMergeDir: '/var/spool/kindling/merging',
    repositoryIncoming: '/archive/repo-backup/incoming',
  });
  const v = host.archiveVolume;
  assert.equal(doc.fstabLine, `${v.device} /archive ${v.fsType} ${v.options},nofail,x-systemd.device-timeout=30s 0 2`);
  assert.equal(doc.archiveMountOptions, `${v.options},nofail,x-systemd.device-timeout=30s`);
  assert.deepEqual(doc.earlierFstabLines, [`${v.device} /archive ${v.fsType} ${v.options} 0 2`]);
  assert.equal(doc.setup.selinuxKeyPattern, '/var/lib/kindling/home(/.*)?');
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

test("kindling-receive's tables: each caller's account, and its verbs quoted as one word", () => {
  const aggregator = hostOf(seed, seed.aggregatorHost);
  const rows = hostDocument(aggregator, seed).receive.callers;
  assert.equal(rows.length, aggregator.access.length);
  for (const [i, row] of rows.entries()) {
    const access = aggregator.access[i]!;
    assert.equal(row.caller, access.caller);
    assert.equal(row.account, `kb-${access.caller}`);
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

test('the archive volume boots without its device: nofail and a device timeout, unless the inventory names them', () => {
  assert.equal(archiveMountOptions('defaults'), 'defaults,nofail,x-systemd.device-timeout=30s');
  assert.equal(archiveMountOptions('noatime,nofail'), 'noatime,nofail,x-systemd.device-timeout=30s');
  assert.equal(archiveMountOptions('nofail,x-systemd.device-timeout=5min'), 'nofail,x-systemd.device-timeout=5min');
});

test('the fstab lines earlier releases wrote: the inventory options without nofail, none when they already give the current line', () => {
  const volume = { device: '/dev/mapper/peru-archive', fsType: 'ext4', options: 'defaults', mountPoint: '/archive', size: '20G' };
  // What setup added before the nofail change (3058615 to 6375945): the options as written.
  assert.deepEqual(earlierFstabLines(volume), ['/dev/mapper/peru-archive /archive ext4 defaults 0 2']);
  assert.deepEqual(earlierFstabLines({ ...volume, options: 'noatime,nofail' }), ['/dev/mapper/peru-archive /archive ext4 noatime,nofail 0 2']);
  assert.deepEqual(earlierFstabLines({ ...volume, options: 'nofail,x-systemd.device-timeout=5min' }), []);
});

test("logrotate: root's logs everywhere, the aggregated log only on the aggregator, root's (no peer account writes it)", () => {
  const aggregator = hostOf(seed, seed.aggregatorHost);
  const other = seed.hosts.find((h) => h.name !== seed.aggregatorHost)!;
  const rotations = hostDocument(aggregator, seed).logRotations;
  assert.deepEqual(
    rotations.map((r) => [r.files, r.create]),
    [
      [[aggregator.paths.blazeLog, aggregator.paths.wildfireLog], '0600 root root'],
      [[aggregator.paths.aggregateLog], '0644 root root'],
    ],
  );
  assert.deepEqual(
    hostDocument(other, seed).logRotations.map((r) => r.files),
    [[other.paths.blazeLog, other.paths.wildfireLog]],
  );
});

test('known_hosts: exactly the peers a host connects to, by the address and port it uses', () => {
  // australia copies to hongkong and iraq, fetches from iraq (admin) and reports to iraq.
  const australia = hostOf(seed, 'australia');
  assert.deepEqual(hostDocument(australia, seed).knownHostsLines, [
    '# kindling: the ssh host keys of the peers australia connects to (StrictHostKeyChecking=yes).',
    '# Generated from seed.yaml; setup and the nightly kindling-fetch rewrite this file.',
    '# hongkong (hongkong): no sshHostKey in the inventory yet',
    '# iraq (iraq): no sshHostKey in the inventory yet',
  ]);
  // The admin host and aggregator connect only to their own targets; never to themselves.
  const iraq = hostOf(seed, 'iraq');
  assert.deepEqual(
    iraq.knownHosts.map((k) => k.host),
    iraq.targets.map((t) => t.host).sort(),
  );
  // The REPOHOST also knows every repository copy host; in fleet20 every host has keys.
  for (const host of fleet20.hosts) {
    const expected = new Set([...host.targets.map((t) => t.host), ...(host.repository?.copies.map((c) => c.host) ?? []), fleet20.adminHost, fleet20.aggregatorHost]);
    expected.delete(host.name);
    assert.deepEqual(host.knownHosts.map((k) => k.host), [...expected].sort(), host.name);
    for (const line of hostDocument(host, fleet20).knownHostsLines.slice(2)) assert.match(line, /^[a-z]+ ssh-ed25519 AAAA[A-Za-z0-9+/]+=*$/);
  }
});

test('known_hosts names a peer as ssh is given it: the address, [address]:port off port 22', () => {
  assert.equal(knownHostsName({ host: 'peru', sshAddress: 'peru', sshPort: 22 }), 'peru');
  assert.equal(knownHostsName({ host: 'peru', sshAddress: '192.0.2.7', sshPort: 2222 }), '[192.0.2.7]:2222');
  assert.equal(knownHostsName({ host: 'peru', sshAddress: '2001:db8::7', sshPort: 22 }), '2001:db8::7');
  const host = hostOf(seed, 'australia');
  const lines = knownHostsLines(host, seed, [
    { host: 'chile', sshAddress: 'chile.example.org', sshPort: 2200, hostKey: ED25519 },
    { host: 'iraq', sshAddress: '10.0.0.5', sshPort: 22, hostKey: undefined },
  ]);
  assert.deepEqual(lines.slice(2), [`[chile.example.org]:2200 ${ED25519}`, '# iraq (10.0.0.5): no sshHostKey in the inventory yet']);
  // rsync wants an IPv6 address in brackets; ssh's own -p carries the port.
  assert.deepEqual(peerRow({ host: 'peru', sshAddress: '2001:db8::7', sshPort: 2222 }), { host: 'peru', rsyncAddress: '[2001:db8::7]', port: 2222 });
  assert.deepEqual(peerRow({ host: 'peru', sshAddress: 'peru', sshPort: 22 }), { host: 'peru', rsyncAddress: 'peru', port: 22 });
});

test("store budgets: one per sender whose copies the host keeps, from the sender's nightly estimate and its retention there", () => {
  const australia = hostOf(seed, 'australia');
  const doc = hostDocument(australia, seed);
  assert.deepEqual(
    doc.receive.storeBudgets.map((r) => r.caller),
    australia.receivedCopies.map((r) => r.host),
  );
  assert.deepEqual(australia.receivesFrom, ['chile', 'romania']);
  for (const row of doc.receive.storeBudgets) {
    const sender = hostOf(seed, row.caller);
    const days = australia.receivedCopies.find((r) => r.host === row.caller)!.days;
    // (nightly × (days + 2) × 1.25), rounded up: the forecast's number (src/forecast/budget.ts).
    assert.equal(row.bytes, Math.ceil(sender.capacity.nightlyBytes * (days + 2) * 1.25), row.caller);
    assert.ok(row.bytes > sender.capacity.nightlyBytes * days, row.caller);
  }
  // A host that receives nothing has no budget rows.
  const lonely = seed.hosts.find((h) => h.receivesFrom.length === 0);
  if (lonely) assert.deepEqual(hostDocument(lonely, seed).receive.storeBudgets, []);
});

test("the free-space floor is the larger of 1 GiB and two of the host's own nights; reports are capped per night", () => {
  for (const host of [...seed.hosts, ...fleet20.hosts]) {
    const fleet = seed.hosts.includes(host) ? seed : fleet20;
    const doc = hostDocument(host, fleet);
    assert.equal(doc.receive.freeSpaceFloorBytes, Math.max(1024 ** 3, 2 * host.capacity.nightlyBytes), host.name);
    assert.equal(doc.receive.reportLinesPerNight, REPORT_LINES_PER_NIGHT);
    assert.equal(doc.paths.reportCountDir, `${host.paths.stateDir}/report-counts`);
  }
  assert.equal(REPORT_LINES_PER_NIGHT, 8);
  // A host whose nights are large keeps two of them free.
  const big = structuredClone(hostOf(seed, 'ireland'));
  big.capacity.nightlyBytes = 3 * 1024 ** 3;
  assert.equal(hostDocument(big, seed).receive.freeSpaceFloorBytes, 6 * 1024 ** 3);
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
