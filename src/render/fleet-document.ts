// The rows of dist/README.md: the seed's Appendix tables (Backup Layout, Scheduling,
// Offered services, Backup Location Capacity, Log Files, Data Retention) recomputed from
// the plan, so that templates/fleet/README.md.ejs only prints them. Pure: same plan, same rows.
import { formatBytes } from '../format/bytes';
import type { FleetPlan, HostPlan } from '../plan/model';
import type { Role } from '../inventory/schema';
import { shellQuote } from './shell-quote';
import { fleetTopology, topologyAsMermaid } from './topology';
import { capacityForecastSection, type CapacityForecastSection } from './capacity-forecast';

/** The seed's "Offered/Backedup Servers/Services", in the seed's order and words. */
export const ROLE_MEANINGS: ReadonlyArray<{ role: Role; meaning: string }> = [
  { role: 'DBHOST', meaning: 'PostgreSQL database server' },
  { role: 'REPOHOST', meaning: 'Repository' },
  { role: 'RBDHOST', meaning: 'Server that has backup to removable drive capabilities' },
  { role: 'SYNCHOST', meaning: 'Central sync server' },
  { role: 'COPYREPOHOST', meaning: 'Repository backup' },
  { role: 'BUDDYHOST', meaning: 'Sync peer' },
  { role: 'AGGREGHOST', meaning: 'Custom log and mail server' },
  { role: 'ADMHOST', meaning: 'Administrator host' },
  { role: 'ALLSYS', meaning: 'All related servers under the blaze/wildfire system' },
];

export interface LayoutRow {
  host: string;
  sources: string[];
  dataTypes: string[];
  targets: string[];
  repositoryCopies: string[];
  locations: string[];
  /** Removable drive labels, e.g. cdot-backup-NNN, on an RBDHOST. */
  drives: string | undefined;
}

export interface ScheduleRow {
  host: string;
  start: string;
  timeZone: string;
  utcWinter: string;
  utcSummer: string;
}

/**
 * Every size of the document is in decimal units (MB, GB, TB: powers of 1000), as the seed
 * states its minimum ("10 GB") and as validate's warnings count. The inventory's own
 * notation (5.0G: powers of 1024, as df -h prints) is kept beside the size, named as such.
 */
export interface CapacityRow {
  host: string;
  device: string;
  fsType: string;
  /** The /archive size in decimal units, e.g. 5.4 GB. */
  size: string;
  /** The size as the inventory writes it, e.g. 5.0G. */
  writtenSize: string;
  mountPoint: string;
  estimatedUse: string;
  headroom: string;
  warnings: string[];
}

export interface LogRow {
  path: string;
  content: string;
  hosts: string[];
}

export interface RetentionRow {
  host: string;
  localDays: number;
  networkDays: number;
  removableDays: number | undefined;
}

export interface FleetDocument {
  fleetName: string;
  inventoryName: string;
  adminHost: string;
  aggregatorHost: string;
  distServeDir: string;
  sysconfigPath: string;
  servers: { host: string; description: string }[];
  layout: LayoutRow[];
  schedule: ScheduleRow[];
  roles: { role: Role; meaning: string; hosts: string[] }[];
  capacity: CapacityRow[];
  capacityForecast: CapacityForecastSection;
  logs: LogRow[];
  retention: RetentionRow[];
  mermaid: string;
  /** Commands that restore a file and a database, with this fleet's names. */
  restore: RestoreExamples;
  /** What a sender can and cannot do to the copies a target keeps (issue 11), one sentence each. */
  peerLimits: { can: string[]; cannot: string[] };
  /** What the fleet leaves unprotected, one plain sentence each. */
  notProtected: string[];
  warnings: string[];
}

export interface RestoreExamples {
  /** The host and one of its source paths, e.g. australia and /etc/. */
  fileHost: string;
  fileCommand: string;
  /** On a DBHOST, when there is one. */
  databaseHost: string | undefined;
  databaseCommand: string | undefined;
  /** Run on a target, to rebuild a lost host from the copies it sent there. */
  lostHostCommand: string;
  lostHostTarget: string | undefined;
}

function layoutRow(host: HostPlan): LayoutRow {
  const sources = host.archives.map((a) => a.sourcePath);
  const dataTypes = host.archives.map((a) => a.dataType);
  if (host.database) {
    sources.push(`pg_dump (${host.database.dumps.map((d) => d.database).join(', ')})`);
    dataTypes.push('PostgreSQL DB');
  }
  const locations = [`${host.paths.ownBackupDir}/`];
  if (host.repository) {
    sources.push(host.repository.path);
    dataTypes.push('Repo');
    // The seed's Backup Layout names the folder; incoming/ and the dated snapshots are in it.
    if (host.repository.copies.length > 0) locations.push(`${host.paths.repoBackupDir}/`);
  }
  return {
    host: host.name,
    sources,
    dataTypes,
    targets: host.targets.map((t) => t.host),
    repositoryCopies: host.repository?.copies.map((c) => c.host) ?? [],
    locations,
    drives: host.removable ? `${host.removable.labelPrefix}NNN` : undefined,
  };
}

/** Sorted by UTC on the winter reference day, then the summer one, then name. */
function scheduleRows(hosts: HostPlan[]): ScheduleRow[] {
  return hosts
    .map((h) => ({ host: h.name, start: h.schedule.start, timeZone: h.schedule.timeZone, utcWinter: h.schedule.utc.winter, utcSummer: h.schedule.utc.summer }))
    .sort((a, b) => compareText(a.utcWinter, b.utcWinter) || compareText(a.utcSummer, b.utcSummer) || compareText(a.host, b.host));
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A signed size for headroom: "−1.2 GB" when the estimate does not fit. */
function signedBytes(bytes: number): string {
  return bytes < 0 ? `−${formatBytes(-bytes)}` : formatBytes(bytes);
}

export function capacityRow(host: HostPlan): CapacityRow {
  const { capacity } = host;
  const use = capacity.ownBytes + capacity.receivedBytes + capacity.repositoryCopyBytes;
  return {
    host: host.name,
    device: host.archiveVolume.device,
    fsType: host.archiveVolume.fsType,
    size: capacity.sizeBytes === undefined ? '?' : formatBytes(capacity.sizeBytes),
    writtenSize: host.archiveVolume.size,
    mountPoint: host.archiveVolume.mountPoint,
    estimatedUse: formatBytes(use),
    headroom: capacity.sizeBytes === undefined ? '?' : signedBytes(capacity.sizeBytes - use),
    warnings: capacity.shortfalls,
  };
}

/** A date as restore takes it, the seed's own example (its archive names use Mon-DD-YYYY). */
const EXAMPLE_DATE = 'Feb-27-2012';

function restoreExamples(hosts: HostPlan[]): RestoreExamples {
  const withArchive = hosts.find((h) => h.archives.length > 0) ?? hosts[0]!;
  const path = withArchive.archives[0]?.sourcePath ?? '/etc/';
  const dbHost = hosts.find((h) => h.database && h.database.dumps.length > 0);
  const database = dbHost?.database?.dumps[0]?.database;
  const sender = hosts.find((h) => h.targets.length > 0);
  return {
    fileHost: withArchive.name,
    fileCommand: `restore file ${EXAMPLE_DATE} ${shellQuote(path)} --to /root/restored`,
    databaseHost: dbHost?.name,
    databaseCommand: database === undefined ? undefined : `restore database ${EXAMPLE_DATE} ${shellQuote(database)} --into ${shellQuote(`${database}_restored`)}`,
    lostHostCommand: `restore list --host ${sender?.name ?? withArchive.name}`,
    lostHostTarget: sender?.targets[0]?.host,
  };
}

function listOf(names: string[]): string {
  return names.length <= 1 ? (names[0] ?? '') : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
}

/**
 * What this fleet does not protect against, from the plan: said plainly so that nobody
 * reads more into the backups than they give.
 */
function notProtected(fleet: FleetPlan, hosts: HostPlan[]): string[] {
  const lines: string[] = [];
  const drives = hosts.filter((h) => h.removable);
  lines.push(
    'No offsite copy: every copy is kept on hosts of this fleet, so a fire, flood or theft at the site, or one ransomware run over the LAN, can take the originals and every copy at once' +
      (drives.length > 0 ? `; the removable drives of ${listOf(drives.map((h) => h.name))} are offsite only while someone keeps them elsewhere.` : '.'),
  );
  lines.push(
    'No encryption at rest: archives and database dumps are plain compressed files; whoever is root on a host that holds a copy' +
      (drives.length > 0 ? ', or holds a removable drive,' : '') +
      ' can read them.',
  );
  const databases = hosts.filter((h) => h.database);
  lines.push(
    'Up to a day of changes can be lost: each host archives once a night, at the start given under Scheduling, so anything written since its last run is in no copy' +
      (databases.length > 0 ? `; the databases of ${listOf(databases.map((h) => h.name))} are dumped with pg_dump at that time, with no point-in-time recovery between nights.` : '.'),
  );
  for (const host of hosts.filter((h) => h.repository)) {
    const copies = host.repository!.copies.map((c) => c.host);
    const repository = host.repository!;
    const days = host.retention.networkDays;
    const onDrives = host.removable ? ` (the removable drives keep ${host.removable.keepDays} days of dated copies)` : '';
    lines.push(
      `The repository's history is ${days} days long: ${repository.path} of ${host.name} is mirrored, deletions included, by wildfire to ${copies.length > 0 ? listOf(copies) : 'no host'}, whose blaze keeps a dated snapshot of it each night for ${days} days${onDrives}; ` +
        `so a file deleted or damaged on ${host.name} is gone or damaged in the newest copies after the next night, and in every copy after ${days} days. ` +
        `Nothing is copied from a repository that is not mounted or has no ${repository.guard.markerFile}, and a night that would delete more than ${repository.guard.maxDeletePercent} % of a copy's files is refused.`,
    );
  }
  lines.push(
    'A compromised host: root there reads and can delete every copy that other hosts store on it; on its LAN targets it can only add new files under its own name, within its budget (see "What each host can and cannot do to another\'s copies"), so it can send bad copies from then on, but not erase or alter the copies already there.',
  );
  lines.push(
    `An escape from rrsync (an rsync server bug) by a sender: it runs as the sender's own account on that target (${hosts[0]?.accountPrefix ?? 'kb-'}<sender>), which reaches no other sender's folder, cannot delete or alter the sender's own copies once the target's blaze took them (root-owned, read-only, in a sticky folder), and cannot write the aggregated log (root merges each caller's spool); it can still read the sender's own copies, fill the target's /tmp, and write new names into its own folder beyond its budget until the target's next store refusal or prune.`,
  );
  const signed = hosts.some((h) => h.signing);
  lines.push(
    `A compromised admin host: ${fleet.adminHost} serves every host the scripts that run as root each night, so whoever controls it, or the dist/ it serves, controls every host` +
      (signed
        ? ' unless they also hold a reviewer\'s signing key (hosts check the signature of SHA256SUMS before they install).'
        : '; set fleet.signing so that hosts install only scripts a reviewer signed.'),
  );
  lines.push(
    `Silence: failure mail and the dead-man's switch run on the aggregator ${fleet.aggregatorHost}; while it is down, or its mail does not leave, nobody is told that backups fail.`,
  );
  return lines;
}

/**
 * What one host, compromised or broken, can and cannot do to the copies another host keeps:
 * the limits kindling-receive's store and report enforce on every target.
 */
export function peerLimits(hosts: HostPlan[]): { can: string[]; cannot: string[] } {
  const archive = hosts[0]?.paths.archiveMount ?? '/archive';
  const backupRoot = hosts[0]?.paths.backupRoot ?? '/archive/blaze-backup';
  const prefix = hosts[0]?.accountPrefix ?? 'kb-';
  return {
    can: [
      `Add new files to its own folder ${backupRoot}/<sender>/ on each of its LAN targets, as wildfire does: bad copies from then on are possible; the copies already there stay.`,
      'Stop sending (a host that stops is reported by the dead-man\'s switch), read back its own copies (restore), send a few report lines a night (8 at most).',
      `Escaping kindling-receive (an rsync server bug), act as its own account on the target, ${prefix}<sender>, and nothing more: fill the target's /tmp, read its own copies, and write new names into its own folder, past its budget until the target's next store refusal or prune.`,
    ],
    cannot: [
      'Change or delete a stored copy: store is write-only without delete, a name already stored is never rewritten (--ignore-existing), and every rsync option that wildfire does not send is refused and logged (among them --log-file, --partial-dir, --temp-dir, --backup-dir/-b, --delay-updates, --link-dest/--compare-dest/--copy-dest, --files-from, filters, --delete, --inplace, --append, --max-size).',
      'Store a symlink, device, fifo or hard link: -l, -D, --specials and -H are refused, and rsync skips what is not a regular file.',
      'Reach another sender\'s folder through kindling-receive: rrsync confines each sender to its own folder; and each sender logs in as its own account, whose key is in no other account, so that even an escape from rsync runs as an account that cannot list, read or write another sender\'s folder (root-owned, sticky, mode 1770, group the other sender\'s account).',
      `Delete or alter its own copies after the target's blaze took them: each night the target's blaze makes every arrived copy root-owned and read-only (0440) in the sticky folder, so only root's prune removes it, even after an escape as ${prefix}<sender>.`,
      'Write the aggregated log: report only spools its line as the sender\'s account; root merges the spools into the root-owned log (kindling-deadman --merge-reports, every 5 minutes), taking the caller from the spool folder, never from the line, and at most 8 lines a night, counted by root.',
      `Fill a target: its folder has a budget (its nightly estimate × (network retention + 2) × 1.25), no single file larger than the room left is stored (one transfer of many files can pass the budget once; the next store is refused), and no store starts while the target's ${archive} is at its free-space floor (max(1 GiB, two of the target's nights)), which keeps room for the target's own blaze.`,
      `Write into an unmounted ${archive}: store is refused while ${archive} is not a mount point.`,
    ],
  };
}

export function fleetDocument(fleet: FleetPlan): FleetDocument {
  const hosts = [...fleet.hosts].sort((a, b) => compareText(a.name, b.name));
  const names = hosts.map((h) => h.name);
  const aggregator = hosts.find((h) => h.isAggregator) ?? hosts[0]!;
  return {
    fleetName: fleet.fleetName,
    inventoryName: fleet.inventoryName,
    adminHost: fleet.adminHost,
    aggregatorHost: fleet.aggregatorHost,
    distServeDir: fleet.distServeDir,
    sysconfigPath: aggregator.paths.sysconfig,
    servers: hosts.map((h) => ({ host: h.name, description: h.description ?? '' })),
    layout: hosts.map(layoutRow),
    schedule: scheduleRows(hosts),
    roles: ROLE_MEANINGS.map(({ role, meaning }) => ({ role, meaning, hosts: hosts.filter((h) => h.roles.includes(role)).map((h) => h.name) })),
    capacity: hosts.map(capacityRow),
    capacityForecast: capacityForecastSection(fleet),
    logs: [
      { path: aggregator.paths.blazeLog, content: 'blaze: every step of the nightly local backup', hosts: names },
      { path: aggregator.paths.wildfireLog, content: 'wildfire: every copy to the LAN targets and the repository sync', hosts: names },
      { path: aggregator.paths.aggregateLog, content: 'one summary line per run of every host; the central/aggregator/admin log', hosts: [aggregator.name] },
    ],
    retention: hosts.map((h) => ({
      host: h.name,
      localDays: h.retention.localDays,
      networkDays: h.retention.networkDays,
      removableDays: h.removable ? h.removable.keepDays : undefined,
    })),
    mermaid: topologyAsMermaid(fleetTopology(fleet)),
    restore: restoreExamples(hosts),
    peerLimits: peerLimits(hosts),
    notProtected: notProtected(fleet, hosts),
    warnings: hosts.flatMap((h) => h.warnings),
  };
}
