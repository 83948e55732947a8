// The rows of dist/README.md: the seed's Appendix tables (Backup Layout, Scheduling,
// Offered services, Backup Location Capacity, Log Files, Data Retention) recomputed from
// the plan, so that templates/fleet/README.md/ only prints them. Pure: same plan, same rows.
import { formatBytes } from '../format/bytes';
import type { FleetPlan, HostPaths, HostPlan } from '../plan/model';
import type { FleetSettings } from '../plan/plan';
import type { Role } from '../inventory/schema';
import { InternalError } from '../errors';
import { shellQuote } from './shell-quote';
import { topologyAsMermaid, topologyOf } from './topology';
import { capacityForecastSection, fleetCapacities, fleetForecast, type CapacityForecastSection } from './capacity-forecast';
import type { FleetForecast } from '../forecast/forecast';

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

function scheduleRow(h: HostPlan): ScheduleRow {
  return { host: h.name, start: h.schedule.start, timeZone: h.schedule.timeZone, utcWinter: h.schedule.utc.winter, utcSummer: h.schedule.utc.summer };
}

/** Sorted by UTC on the winter reference day, then the summer one, then name. */
function byScheduleRow(a: ScheduleRow, b: ScheduleRow): number {
  return compareText(a.utcWinter, b.utcWinter) || compareText(a.utcSummer, b.utcSummer) || compareText(a.host, b.host);
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

/** What the README's restore commands name: of the first host (in name order) of each kind. */
interface RestoreExampleHosts {
  /** The first host with an archive, and that archive's source path. */
  file: { host: string; path: string } | undefined;
  /** The first DBHOST with a database to dump, and that database. */
  database: { host: string; database: string } | undefined;
  /** The first host that sends copies to a target, and that target. */
  sender: { host: string; target: string } | undefined;
}

function restoreExamples({ file, database, sender }: RestoreExampleHosts, firstHost: string): RestoreExamples {
  const fileHost = file?.host ?? firstHost;
  return {
    fileHost,
    fileCommand: `restore file ${EXAMPLE_DATE} ${shellQuote(file?.path ?? '/etc/')} --to /root/restored`,
    databaseHost: database?.host,
    databaseCommand: database === undefined ? undefined : `restore database ${EXAMPLE_DATE} ${shellQuote(database.database)} --into ${shellQuote(`${database.database}_restored`)}`,
    lostHostCommand: `restore list --host ${sender?.host ?? fileHost}`,
    lostHostTarget: sender?.target,
  };
}

function listOf(names: string[]): string {
  return names.length <= 1 ? (names[0] ?? '') : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
}

/** What notProtected says of one host's repository, when it has one. */
function repositoryHistory(host: HostPlan): string | undefined {
  const repository = host.repository;
  if (repository === undefined) return undefined;
  const copies = repository.copies.map((c) => c.host);
  const days = host.retention.networkDays;
  const onDrives = host.removable ? ` (the removable drives keep ${host.removable.keepDays} days of dated copies)` : '';
  return (
    `The repository's history is ${days} days long: ${repository.path} of ${host.name} is mirrored, deletions included, by wildfire to ${copies.length > 0 ? listOf(copies) : 'no host'}, whose blaze keeps a dated snapshot of it each night for ${days} days${onDrives}; ` +
    `so a file deleted or damaged on ${host.name} is gone or damaged in the newest copies after the next night, and in every copy after ${days} days. ` +
    `Nothing is copied from a repository that is not mounted or has no ${repository.guard.markerFile}, and a night that would delete more than ${repository.guard.maxDeletePercent} % of a copy's files is refused.`
  );
}

/** What notProtected needs of the fleet's hosts, each list in name order. */
interface ExposureFacts {
  /** RBDHOSTs: hosts with removable drives. */
  drives: string[];
  databases: string[];
  /** repositoryHistory of each host with a repository. */
  repositories: string[];
  signed: boolean;
}

/**
 * What this fleet does not protect against, from the plan: said plainly so that nobody
 * reads more into the backups than they give.
 */
function notProtected(fleet: FleetSettings, facts: ExposureFacts, accountPrefix: string): string[] {
  const lines: string[] = [];
  const { drives, databases } = facts;
  lines.push(
    'No offsite copy: every copy is kept on hosts of this fleet, so a fire, flood or theft at the site, or one ransomware run over the LAN, can take the originals and every copy at once' +
      (drives.length > 0 ? `; the removable drives of ${listOf(drives)} are offsite only while someone keeps them elsewhere.` : '.'),
  );
  lines.push(
    'No encryption at rest: archives and database dumps are plain compressed files; whoever is root on a host that holds a copy' +
      (drives.length > 0 ? ', or holds a removable drive,' : '') +
      ' can read them.',
  );
  lines.push(
    'Up to a day of changes can be lost: each host archives once a night, at the start given under Scheduling, so anything written since its last run is in no copy' +
      (databases.length > 0 ? `; the databases of ${listOf(databases)} are dumped with pg_dump at that time, with no point-in-time recovery between nights.` : '.'),
  );
  lines.push(...facts.repositories);
  lines.push(
    'A compromised host: root there reads and can delete every copy that other hosts store on it; on its LAN targets it can only add new files under its own name, within its budget (see "What each host can and cannot do to another\'s copies"), so it can send bad copies from then on, but not erase or alter the copies already there.',
  );
  lines.push(
    `An escape from rrsync (an rsync server bug) by a sender: it runs as the sender's own account on that target (${accountPrefix}<sender>), which reaches no other sender's folder, cannot delete or alter the sender's own copies once the target's blaze took them (root-owned, read-only, in a sticky folder), and cannot write the aggregated log (root merges each caller's spool); it can still read the sender's own copies, fill the target's /tmp, and write new names into its own folder beyond its budget until the target's next store refusal or prune.`,
  );
  lines.push(
    `A compromised admin host: ${fleet.adminHost} serves every host the scripts that run as root each night, so whoever controls it, or the dist/ it serves, controls every host` +
      (facts.signed
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
export function peerLimits(hosts: readonly HostPlan[]): { can: string[]; cannot: string[] } {
  return peerLimitsOf(hosts[0]);
}

/** peerLimits, in the words of the fleet's first host (its layout, its account prefix). */
function peerLimitsOf(first: Pick<HostPlan, 'paths' | 'accountPrefix'> | undefined): { can: string[]; cannot: string[] } {
  const archive = first?.paths.archiveMount ?? '/archive';
  const backupRoot = first?.paths.backupRoot ?? '/archive/blaze-backup';
  const prefix = first?.accountPrefix ?? 'kb-';
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

/** FORECAST: the fleet's, when the caller has it (the chart is drawn from the same). */
export function fleetDocument(fleet: FleetPlan, forecast: FleetForecast = fleetForecast(fleetCapacities(fleet))): FleetDocument {
  const rows = new FleetRows();
  for (const host of [...fleet.hosts].sort((a, b) => compareText(a.name, b.name))) rows.add(host);
  return rows.document(fleet, forecast);
}

/**
 * The README's rows, gathered one host at a time in name order: generate adds each host while
 * it renders that host's folder from a plan it then drops (fleetPlanner), so what the fleet
 * files keep of a host is its rows, never its plan.
 */
export class FleetRows {
  private readonly servers: FleetDocument['servers'] = [];
  private readonly layout: LayoutRow[] = [];
  private readonly schedule: ScheduleRow[] = [];
  private readonly roleHosts = new Map<Role, string[]>(ROLE_MEANINGS.map(({ role }) => [role, []]));
  private readonly capacity: CapacityRow[] = [];
  private readonly retention: RetentionRow[] = [];
  private readonly warnings: string[] = [];
  private readonly exposure: ExposureFacts = { drives: [], databases: [], repositories: [], signed: false };
  /** The first host's layout and account prefix: the README's sentences use them. */
  private first: Pick<HostPlan, 'name' | 'paths' | 'accountPrefix'> | undefined;
  /** The aggregator's name and paths (the first host's, when no host is the aggregator). */
  private aggregator: { name: string; paths: HostPaths } | undefined;
  private readonly examples: RestoreExampleHosts = { file: undefined, database: undefined, sender: undefined };

  add(host: HostPlan): void {
    const previous = this.servers.at(-1)?.host;
    if (previous !== undefined && compareText(previous, host.name) >= 0) throw new InternalError(`fleet rows must come in name order: ${host.name} after ${previous}`);
    this.first ??= { name: host.name, paths: host.paths, accountPrefix: host.accountPrefix };
    if (host.isAggregator) this.aggregator ??= { name: host.name, paths: host.paths };
    this.servers.push({ host: host.name, description: host.description ?? '' });
    this.layout.push(layoutRow(host));
    this.schedule.push(scheduleRow(host));
    for (const role of host.roles) this.roleHosts.get(role)?.push(host.name);
    this.capacity.push(capacityRow(host));
    this.retention.push({
      host: host.name,
      localDays: host.retention.localDays,
      networkDays: host.retention.networkDays,
      removableDays: host.removable ? host.removable.keepDays : undefined,
    });
    this.warnings.push(...host.warnings);
    if (host.removable) this.exposure.drives.push(host.name);
    if (host.database) this.exposure.databases.push(host.name);
    const history = repositoryHistory(host);
    if (history !== undefined) this.exposure.repositories.push(history);
    this.exposure.signed ||= host.signing !== undefined;
    const archive = host.archives[0];
    if (archive !== undefined) this.examples.file ??= { host: host.name, path: archive.sourcePath };
    const dump = host.database?.dumps[0];
    if (dump !== undefined) this.examples.database ??= { host: host.name, database: dump.database };
    const target = host.targets[0];
    if (target !== undefined) this.examples.sender ??= { host: host.name, target: target.host };
  }

  /** The document of FLEET, whose every host was added; FORECAST: theirs (fleetForecast). */
  document(fleet: FleetSettings, forecast: FleetForecast): FleetDocument {
    const first = this.first;
    if (first === undefined) throw new InternalError('a fleet document needs at least one host');
    const aggregator = this.aggregator ?? first;
    const names = this.servers.map((s) => s.host);
    return {
      fleetName: fleet.fleetName,
      inventoryName: fleet.inventoryName,
      adminHost: fleet.adminHost,
      aggregatorHost: fleet.aggregatorHost,
      distServeDir: fleet.distServeDir,
      sysconfigPath: aggregator.paths.sysconfig,
      servers: this.servers,
      layout: this.layout,
      schedule: [...this.schedule].sort(byScheduleRow),
      roles: ROLE_MEANINGS.map(({ role, meaning }) => ({ role, meaning, hosts: this.roleHosts.get(role)! })),
      capacity: this.capacity,
      capacityForecast: capacityForecastSection(forecast),
      logs: [
        { path: aggregator.paths.blazeLog, content: 'blaze: every step of the nightly local backup', hosts: names },
        { path: aggregator.paths.wildfireLog, content: 'wildfire: every copy to the LAN targets and the repository sync', hosts: names },
        { path: aggregator.paths.aggregateLog, content: 'one summary line per run of every host; the central/aggregator/admin log', hosts: [aggregator.name] },
      ],
      retention: this.retention,
      mermaid: topologyAsMermaid(topologyOf(fleet, this.layout)),
      restore: restoreExamples(this.examples, first.name),
      peerLimits: peerLimitsOf(first),
      notProtected: notProtected(fleet, this.exposure, first.accountPrefix),
      warnings: this.warnings,
    };
  }
}
