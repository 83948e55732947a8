// Turns the validated inventory into one HostPlan per host. Pure: no I/O, no clock.
import { formatDiagnostic, type Diagnostic } from '../inventory/diagnostics';
import type { Host, Inventory } from '../inventory/model';
import { InternalError } from '../errors';
import { estimateCapacity, type CapacityEstimate } from '../inventory/capacity';
import { parseSize } from '../parse/size';
import { parseStartTime } from '../parse/time';
import type { ArchiveItem, CompressionPlan, FleetPlan, HostPaths, HostPlan, HostScript, PeerAccess, ReceivedCopiesPlan, RepositoryGuardPlan, SchedulePlan, SshEndpoint } from './model';
import { scheduleInUtc } from './schedule';
import { basename } from 'node:path';
import { senderBudgetBytes } from '../forecast/budget';
import { sshHubs, sshPeerNames } from '../inventory/ssh-peers';
import { accountName } from './accounts';

/** The fleet's fixed layout on every host; tests move it with mount namespaces, not with settings. */
export function hostPaths(host: string): HostPaths {
  return {
    archiveMount: '/archive',
    backupRoot: '/archive/blaze-backup',
    ownBackupDir: `/archive/blaze-backup/${host}`,
    repoBackupDir: '/archive/repo-backup',
    scriptsDir: '/usr/local/bin',
    stateDir: '/var/lib/kindling',
    logDir: '/var/log/blaze-backup',
    blazeLog: '/var/log/blaze-backup.log',
    wildfireLog: '/var/log/wildfire-sync.log',
    aggregateLog: '/var/log/blaze-wildfire.log',
    reportSpoolDir: '/var/spool/kindling/reports',
    sysconfig: '/etc/sysconfig/blaze',
    lockDir: '/run/lock',
    removableMountBase: '/run/kindling/removable',
  };
}

/**
 * The one table of the scripts a host installs from its dist/ folder, sorted by name: the
 * renderer takes their file mode from it, kindling-fetch and setup their list, and the
 * aggregator the scripts whose one-line summary it accepts (reportsSummary).
 */
export const HOST_SCRIPT_TABLE: readonly HostScript[] = [
  { name: 'blaze', mode: 0o755, reportsSummary: true },
  { name: 'kindling-deadman', mode: 0o755, reportsSummary: true },
  { name: 'kindling-fetch', mode: 0o755, reportsSummary: true },
  { name: 'kindling-receive', mode: 0o755, reportsSummary: false },
  { name: 'restore', mode: 0o755, reportsSummary: false },
  { name: 'setup', mode: 0o755, reportsSummary: false },
  { name: 'wildfire', mode: 0o755, reportsSummary: true },
];

/** Every executable a host installs from its dist/ folder, sorted. */
export const HOST_SCRIPTS = HOST_SCRIPT_TABLE.map((script) => script.name);

/** How late a host's nightly report may be before the dead-man's switch mails (a day and two hours of slack). */
const DEAD_MAN_WINDOW_HOURS = 26;
/** The dead-man's switch runs at noon in the aggregator's time zone, after every seed host's night run. */
const DEAD_MAN_START = { hour: 12, minute: 0 };

/** The port ssh uses when the inventory names none. */
const DEFAULT_SSH_PORT = 22;

/** The file an admin creates once at the top of the mounted repository: no marker, no copy. */
export const REPOSITORY_MARKER_FILE = '.kindling-repository';

/** How peers reach HOST over ssh. */
export function sshEndpoint(host: Host): SshEndpoint {
  return { host: host.name, sshAddress: host.address ?? host.name, sshPort: host.port ?? DEFAULT_SSH_PORT };
}

/**
 * SOURCE_PATH's exclude PATTERNS as tar patterns anchored at the archive's member names: tar
 * runs as `tar -C tarDirectory tarMember`, so every member name starts with tarMember/.
 */
export function tarExcludes(sourcePath: string, tarMember: string, patterns: readonly string[]): string[] {
  const folder = sourcePath.endsWith('/') ? sourcePath : `${sourcePath}/`;
  return patterns.map((pattern) => {
    const relative = (pattern.startsWith('/') ? pattern.slice(folder.length) : pattern).replace(/^(\.\/)+/, '').replace(/\/+$/, '');
    return `${tarMember}/${relative}`;
  });
}

const COMPRESSION: Record<'bzip2' | 'zstd', CompressionPlan> = {
  bzip2: { kind: 'bzip2', programs: ['lbzip2', 'pbzip2', 'bzip2'], tarExtension: '.tar.bz2', streamExtension: '.bz2' },
  zstd: { kind: 'zstd', programs: ['zstd'], tarExtension: '.tar.zst', streamExtension: '.zst' },
};

/** Where the REPOHOST's account mirrors the repository on a copy host; root snapshots it from there. */
export function repositoryIncomingDir(paths: HostPaths): string {
  return `${paths.repoBackupDir}/incoming`;
}

/**
 * BASE's fields, then EXTRA's, in a new object: what { ...base, ...extra } says, written so
 * because in Node 20's V8 a spread with properties after it is promoted out of the young
 * generation at once (see render.ts's include), and these are made for every host.
 */
function withFields<A extends object, B extends object>(base: A, extra: B): A & B {
  return Object.assign({}, base, extra);
}

function withTrailingSlash(path: string): string {
  return path.endsWith('/') ? path : `${path}/`;
}

function planSchedule(host: Host): SchedulePlan {
  const start = host.start.value;
  const timeZone = host.timeZone.value;
  const time = start === undefined ? undefined : parseStartTime(start);
  if (!time || timeZone === undefined) throw new InternalError(`host ${host.name} reached the plan without a valid schedule`);
  return { start: start!, timeZone, cronMinute: time.minute, cronHour: time.hour, utc: scheduleInUtc(time, timeZone) };
}

function planArchives(host: Host, compression: CompressionPlan): ArchiveItem[] {
  return host.sources.map((source) => {
    // tar -C /var/spool cron: the archive holds cron/…, restorable anywhere.
    const trimmed = source.path.replace(/\/+$/, '') || '/';
    const cut = trimmed.lastIndexOf('/');
    const tarDirectory = cut <= 0 ? '/' : trimmed.slice(0, cut);
    const tarMember = trimmed === '/' ? '.' : trimmed.slice(cut + 1);
    return {
      kind: source.name,
      sourcePath: source.path,
      dataType: source.dataType,
      tarDirectory,
      tarMember,
      filePrefix: `${host.name}-${source.name}-`,
      extension: compression.tarExtension,
      estimatedBytes: parseSize(source.estimatedSize) ?? 0,
      tarExcludes: tarExcludes(source.path, tarMember, source.exclude),
    };
  });
}

/**
 * Who may log in to HOST, each peer as its own account, and for what: every peer that copies
 * to it (store, copies), every peer when HOST is the aggregator (report) or the admin host
 * (dist), and the REPOHOST when HOST keeps a copy of the repository (repository).
 */
function planAccess(
  host: Host,
  inventory: Inventory,
  senders: readonly Host[],
  isAggregator: boolean,
  isAdmin: boolean,
  repositoryHost: Host | undefined,
): PeerAccess[] {
  // Only the aggregator and the admin host let every peer in; other hosts look at their
  // senders alone, so that the plan stays linear in the fleet (10,000 hosts: not 10^8 checks).
  const sending = new Set(senders);
  const peers = new Set(isAggregator || isAdmin ? inventory.hosts : senders);
  if (repositoryHost) peers.add(repositoryHost);
  return [...peers]
    .filter((peer) => peer !== host)
    .map((peer) => {
      const verbs: string[] = [];
      if (sending.has(peer)) verbs.push('store', 'copies');
      if (isAggregator) verbs.push('report');
      if (isAdmin) verbs.push('dist');
      if (peer === repositoryHost) verbs.push('repository');
      return { caller: peer.name, account: accountName(inventory.fleet.accountPrefix, peer.name), publicKey: peer.sshPublicKey, verbs };
    })
    .filter((access) => access.verbs.length > 0)
    .sort((a, b) => (a.caller < b.caller ? -1 : a.caller > b.caller ? 1 : 0));
}

/** A DBHOST's dumps, or undefined: what its own plan and its receivers' receivedCopies say of them. */
function planDatabase(host: Host, compression: CompressionPlan): HostPlan['database'] {
  if (!host.database || !host.roles.includes('DBHOST')) return undefined;
  return {
    engine: host.database.engine,
    osUser: host.database.osUser,
    dumps: [...host.database.databases].sort().map((database) => ({
      database,
      filePrefix: `${host.name}-postgresql-${database}-`,
      extension: '.dump',
    })),
    globals: { filePrefix: `${host.name}-postgresql-globals-`, extension: `.sql${compression.streamExtension}` },
    estimatedBytes: parseSize(host.database.estimatedSize) ?? 0,
  };
}

function planManifest(host: Host): HostPlan['manifest'] {
  return { filePrefix: `${host.name}-manifest-`, extension: '.sha256' };
}

/**
 * What SENDER's copies look like in a receiver's /archive/blaze-backup/<sender>/: from the
 * sender's inventory entry, with the functions that make the sender's own plan, so that a
 * receiver's plan needs no other host's plan (each host is planned alone: fleetPlanner).
 */
function receivedCopies(sender: Host, account: string, capacity: CapacityEstimate): ReceivedCopiesPlan {
  const compression = COMPRESSION[sender.compression];
  const kinds = planArchives(sender, compression).map(({ filePrefix, extension }) => ({ filePrefix, extension }));
  const database = planDatabase(sender, compression);
  if (database) {
    kinds.push(...database.dumps.map(({ filePrefix, extension }) => ({ filePrefix, extension })));
    kinds.push({ ...database.globals });
  }
  const manifest = planManifest(sender);
  kinds.push({ ...manifest });
  return {
    host: sender.name,
    dir: `${hostPaths(sender.name).backupRoot}/${sender.name}`,
    account,
    days: sender.retention.networkDays,
    keepNewest: sender.retention.keepNewest,
    budgetBytes: capacity.targetBudgetBytes ?? senderBudgetBytes(capacity.nightlyBytes, sender.retention.networkDays),
    manifest: { ...manifest },
    kinds,
  };
}

/** A FleetPlan but its hosts: what every host's files and the fleet files share. */
export type FleetSettings = Omit<FleetPlan, 'hosts'>;

/**
 * The fleet planned one host at a time: its settings, and each host's plan made when asked,
 * in name order, and kept by nobody here. generate renders each host's folder from its plan
 * and drops it, so a 10,000-host fleet's plans (some 80 MB) never sit in memory together.
 */
export interface FleetPlanner {
  settings: FleetSettings;
  /** Every host's /archive estimate, in name order (the capacity forecast's input). */
  capacities: ReadonlyMap<string, CapacityEstimate>;
  /** Every host's plan, in name order, made as the iteration reaches it. */
  plans(): Iterable<HostPlan>;
}

export function planFleet(inventory: Inventory, warnings: Diagnostic[]): FleetPlan {
  const { settings, plans } = fleetPlanner(inventory, warnings);
  const { warnings: formatted, ...head } = settings;
  return { ...head, hosts: [...plans()], warnings: formatted };
}

export function fleetPlanner(inventory: Inventory, warnings: Diagnostic[]): FleetPlanner {
  const capacity = estimateCapacity(inventory);
  const admin = inventory.hosts.find((h) => h.roles.includes('ADMHOST'));
  const aggregator = inventory.hosts.find((h) => h.roles.includes('AGGREGHOST'));
  if (!admin || !aggregator) throw new InternalError('the plan needs exactly one ADMHOST and one AGGREGHOST');
  const repositoryHost = inventory.hosts.find((h) => h.roles.includes('REPOHOST') && h.repository);
  const copyHosts = inventory.hosts.filter((h) => h.roles.includes('COPYREPOHOST'));
  const repositoryGuard = (mustBeMountPoint: boolean): RepositoryGuardPlan => ({
    markerFile: REPOSITORY_MARKER_FILE,
    mustBeMountPoint,
    maxDeletePercent: repositoryHost?.repository?.maxDeletePercent ?? 0,
  });

  const receivers = new Map<string, string[]>();
  for (const host of inventory.hosts) {
    for (const target of host.targets) {
      const list = receivers.get(target.value) ?? [];
      list.push(host.name);
      receivers.set(target.value, list);
    }
  }
  const hostsByName = new Map(inventory.hosts.map((h) => [h.name, h]));
  const hubs = sshHubs(inventory);
  const endpointOf = (name: string): SshEndpoint => sshEndpoint(hostsByName.get(name)!);
  const sendersTo = (name: string): Host[] => (receivers.get(name) ?? []).map((sender) => hostsByName.get(sender)!);
  const schedules = new Map(inventory.hosts.map((h) => [h.name, planSchedule(h)]));
  const warningsByHost = new Map<string, string[]>();
  for (const warning of warnings) {
    if (warning.path[0] === 'hosts' && typeof warning.path[1] === 'string') {
      const list = warningsByHost.get(warning.path[1]) ?? [];
      list.push(warning.message);
      warningsByHost.set(warning.path[1], list);
    }
  }

  const { fleet } = inventory;
  const accountOf = (name: string): string => accountName(fleet.accountPrefix, name);
  const distServeDir = fleet.distServeDir.value.replace(/\/+$/, '');
  const planHost = (host: Host): HostPlan => {
    const compression = COMPRESSION[host.compression];
    const paths = hostPaths(host.name);
    const isRepoHost = host.roles.includes('REPOHOST') && host.repository !== undefined;
    const isCopyHost = host.roles.includes('COPYREPOHOST') && repositoryHost !== undefined;
    const receivesFrom = (receivers.get(host.name) ?? []).slice().sort();
    return {
      name: host.name,
      description: host.description,
      roles: host.roles,
      isAdmin: host === admin,
      isAggregator: host === aggregator,
      adminHost: admin.name,
      aggregatorHost: aggregator.name,
      ssh: sshEndpoint(host),
      adminSsh: sshEndpoint(admin),
      aggregatorSsh: sshEndpoint(aggregator),
      fleetName: fleet.name,
      account: accountOf(host.name),
      accountPrefix: fleet.accountPrefix,
      mail: { alias: fleet.mailAlias, address: fleet.mailAddress },
      paths,
      distSourceDir: `${distServeDir}/${host.name}`,
      scripts: HOST_SCRIPTS,
      schedule: schedules.get(host.name)!,
      compression,
      archives: planArchives(host, compression),
      manifest: planManifest(host),
      database: planDatabase(host, compression),
      repository: isRepoHost
        ? {
            path: withTrailingSlash(host.repository!.path),
            user: accountOf(host.name),
            copies: copyHosts.map((copyHost) => withFields(sshEndpoint(copyHost), { remoteDir: `${repositoryIncomingDir(paths)}/` })),
            estimatedBytes: parseSize(host.repository!.estimatedSize) ?? 0,
            guard: repositoryGuard(host.repository!.mustBeMountPoint),
          }
        : undefined,
      repositoryCopy: isCopyHost
        ? {
            from: repositoryHost.name,
            fromSsh: sshEndpoint(repositoryHost),
            dir: `${paths.repoBackupDir}/`,
            incomingDir: repositoryIncomingDir(paths),
            user: accountOf(repositoryHost.name),
            days: repositoryHost.retention.networkDays,
            keepNewest: repositoryHost.retention.keepNewest,
            guard: repositoryGuard(false),
          }
        : undefined,
      removable:
        host.roles.includes('RBDHOST') && (isRepoHost || isCopyHost)
          ? {
              labelPrefix: fleet.removableLabelPrefix,
              labelPattern: `^${fleet.removableLabelPrefix.replace(/[.-]/g, (c) => `\\${c}`)}[0-9]{3}$`,
              // A copy host mirrors what arrived tonight (its newest state of the repository).
              repositorySource: isRepoHost ? withTrailingSlash(host.repository!.path) : `${repositoryIncomingDir(paths)}/`,
              guard: repositoryGuard(isRepoHost && host.repository!.mustBeMountPoint),
              keepDays: host.retention.removableDays,
            }
          : undefined,
      targets: host.targets.map((t) => withFields(endpointOf(t.value), { user: accountOf(host.name), remoteDir: `${paths.backupRoot}/${host.name}/` })),
      receivesFrom,
      receivedCopies: receivesFrom.map((sender) => receivedCopies(hostsByName.get(sender)!, accountOf(sender), capacity.get(sender) as CapacityEstimate)),
      retention: { ...host.retention },
      transfer: { ...host.transfer },
      archiveVolume: {
        device: host.archive.device.value!,
        fsType: host.archive.fsType,
        options: host.archive.options,
        mountPoint: paths.archiveMount,
        size: host.archive.size.value!,
      },
      capacity: capacity.get(host.name) as CapacityEstimate,
      signing: fleet.allowedSigners ? { allowedSigners: fleet.allowedSigners } : undefined,
      reportingHosts: host === aggregator ? inventory.hosts.map((h) => ({ name: h.name, schedule: schedules.get(h.name)! })) : [],
      deadMan:
        host === aggregator
          ? { windowHours: DEAD_MAN_WINDOW_HOURS, cronMinute: DEAD_MAN_START.minute, cronHour: DEAD_MAN_START.hour, timeZone: schedules.get(host.name)!.timeZone }
          : undefined,
      sshPublicKey: host.sshPublicKey,
      sshHostKey: host.sshHostKey,
      knownHosts: sshPeerNames(host, hubs).map((name) => withFields(endpointOf(name), { hostKey: hostsByName.get(name)!.sshHostKey })),
      access: planAccess(host, inventory, sendersTo(host.name), host === aggregator, host === admin, isCopyHost && repositoryHost !== host ? repositoryHost : undefined),
      warnings: warningsByHost.get(host.name) ?? [],
    };
  };
  return {
    settings: {
      fleetName: fleet.name,
      inventoryName: basename(inventory.file),
      adminHost: admin.name,
      aggregatorHost: aggregator.name,
      distServeDir,
      mail: { alias: fleet.mailAlias, address: fleet.mailAddress },
      // Formatted when read (the fleet files' digest, planFleet), not kept: a fleet that warns
      // for every host (bench/'s 10,000) holds 5 MiB of them while every host is rendered.
      get warnings(): string[] {
        return warnings.map(formatDiagnostic);
      },
    },
    capacities: capacity,
    plans: function* () {
      for (const host of inventory.hosts) yield planHost(host);
    },
  };
}
