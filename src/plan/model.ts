// The plan: everything a template needs, computed once from the validated inventory.
// Templates only loop over and print these values; they decide nothing.
import type { Role } from '../inventory/schema';
import type { CapacityEstimate } from '../inventory/capacity';
import type { ScheduleInUtc } from './schedule';

/** Fixed locations on every host, from the seed's "Backup Directory Structure" and "Log Files". */
export interface HostPaths {
  archiveMount: string; // /archive
  backupRoot: string; // /archive/blaze-backup
  ownBackupDir: string; // /archive/blaze-backup/<host>
  repoBackupDir: string; // /archive/repo-backup
  scriptsDir: string; // /usr/local/bin: where the seed keeps blaze and wildfire
  stateDir: string; // /var/lib/kindling: last good scripts, distribution serial, keys
  logDir: string; // /var/log/blaze-backup
  blazeLog: string; // /var/log/blaze-backup.log
  wildfireLog: string; // /var/log/wildfire-sync.log
  aggregateLog: string; // /var/log/blaze-wildfire.log on the aggregator, appended by root only
  reportSpoolDir: string; // /var/spool/kindling/reports: each caller's report lines, waiting for root's merge
  sysconfig: string; // /etc/sysconfig/blaze: the admin host's name
  lockDir: string; // /run/lock: flock files
  removableMountBase: string; // private mount points for removable drives
}

export interface SchedulePlan {
  start: string; // HH:MM local
  timeZone: string; // IANA name, for CRON_TZ
  cronMinute: number;
  cronHour: number;
  utc: ScheduleInUtc;
}

export interface CompressionPlan {
  kind: 'bzip2' | 'zstd';
  /** Programs tried in order; the first installed one is used (all write the same format). */
  programs: string[];
  /** Extension of a compressed tar archive, e.g. .tar.bz2. */
  tarExtension: string;
  /** Extension of a compressed single stream, e.g. .bz2 (for SQL of globals). */
  streamExtension: string;
}

/** One folder archived nightly into <filePrefix><Mon-DD-YYYY><extension>. */
export interface ArchiveItem {
  kind: string; // etc, cron, userlocalbin, bcfg2, …
  sourcePath: string; // /etc/
  dataType: string; // Configurations
  /** tar runs as `tar -C tarDirectory tarMember` so the archive holds relative paths. */
  tarDirectory: string;
  tarMember: string;
  filePrefix: string; // australia-etc-
  extension: string; // .tar.bz2
  estimatedBytes: number;
  /**
   * tar exclude patterns, anchored at the archive's member names (tarMember/…): the template
   * passes each as --exclude=PATTERN after --anchored, before tarMember. `*` matches `/` too.
   */
  tarExcludes: string[];
}

/** How a peer is reached over ssh: `ssh -p sshPort user@sshAddress`. */
export interface SshEndpoint {
  host: string;
  /** The inventory's address of the host, else its name. */
  sshAddress: string;
  /** The inventory's port of the host, else 22. */
  sshPort: number;
}

/** A peer in this host's known_hosts: how it is reached and its host key (undefined while unknown). */
export interface KnownHostPlan extends SshEndpoint {
  hostKey: string | undefined;
}

export interface DatabaseDumpItem {
  database: string;
  filePrefix: string; // ireland-postgresql-koji-
  extension: string; // .dump (pg_dump custom format: pg_restore reads it)
}

export interface DatabasePlan {
  engine: 'postgresql';
  osUser: string;
  dumps: DatabaseDumpItem[];
  /** Roles and tablespaces (pg_dumpall --globals-only), plain SQL, compressed. */
  globals: { filePrefix: string; extension: string };
  estimatedBytes: number;
}

export interface TargetPlan extends SshEndpoint {
  /** The account this host logs in as there (its own). */
  user: string;
  /** Folder on the target that receives this host's copies, with trailing slash. */
  remoteDir: string;
}

/**
 * What makes a folder the repository that may be copied: the marker file in it (created once by
 * an admin, on the mounted repository) and, unless the inventory says otherwise, a mount point.
 * A copy that would delete more than maxDeletePercent of the files it replaces is refused.
 */
export interface RepositoryGuardPlan {
  /** Name of the marker file at the top of the repository: .kindling-repository */
  markerFile: string;
  /** The folder must be a mount point (mountpoint -q). */
  mustBeMountPoint: boolean;
  maxDeletePercent: number;
}

/** On the REPOHOST: the repository and the hosts that keep a copy of it. */
export interface RepositoryPlan {
  path: string; // with trailing slash
  user: string;
  /** remoteDir: where the copy host's account mirrors it (its incoming folder). */
  copies: (SshEndpoint & { remoteDir: string })[];
  estimatedBytes: number;
  guard: RepositoryGuardPlan;
}

/**
 * On a COPYREPOHOST: the REPOHOST's account mirrors the repository into incomingDir; this host's
 * blaze (root) then makes a dated snapshot dir/<YYYY-MM-DD>/ of it, unchanged files hard-linked
 * to the previous snapshot, pruned by the REPOHOST's network retention.
 */
export interface RepositoryCopyPlan {
  from: string;
  /** How the REPOHOST is reached (for a known_hosts line of the sender). */
  fromSsh: SshEndpoint;
  /** /archive/repo-backup/: the snapshots, root's. */
  dir: string;
  /** /archive/repo-backup/incoming: the mirror the sender writes (and may delete in). */
  incomingDir: string;
  user: string;
  /** The REPOHOST's retention.networkDays and keepNewest, applied to the snapshots. */
  days: number;
  keepNewest: number;
  /** The marker and deletion share checked on incoming (it is not a mount point: mustBeMountPoint false). */
  guard: RepositoryGuardPlan;
}

/** On an RBDHOST: nightly mirror of the repository and the day's archives to labelled drives. */
export interface RemovablePlan {
  labelPrefix: string; // cdot-backup-
  /** Extended regular expression a label must match, e.g. ^cdot-backup-[0-9]{3}$. */
  labelPattern: string;
  /** Folder mirrored to the drive's repository folder. */
  repositorySource: string;
  /** Checked on repositorySource before a drive is written (a mount point only on the REPOHOST). */
  guard: RepositoryGuardPlan;
  keepDays: number;
}

export interface RetentionPlan {
  localDays: number;
  networkDays: number;
  removableDays: number;
  /** Copies of each kind always kept, whatever their age. */
  keepNewest: number;
}

export interface TransferPlan {
  connectTimeoutSeconds: number;
  retries: number;
  retryDelaySeconds: number;
  bandwidthLimitKiBps: number;
}

export interface ArchiveVolumePlan {
  device: string;
  fsType: string;
  options: string;
  mountPoint: string;
  size: string;
}

/**
 * One peer that may connect to this host over ssh, with what it may do here. The peer's
 * key reaches a forced command (kindling-receive) that permits only these verbs:
 * store (rsync its copies into /archive/blaze-backup/<peer>/), copies (read them back, for
 * restore), report (one summary line into the aggregated log), dist (read its dist/ folder
 * on the admin host), repository (rsync the repository into /archive/repo-backup/).
 */
export interface PeerAccess {
  caller: string;
  /** The caller's own account here (accountName): only its key is in that account's authorized_keys. */
  account: string;
  /** The caller's host key ("type base64"), from the inventory; undefined until it is known. */
  publicKey: string | undefined;
  verbs: string[];
}

/** The daily dead-man's switch on the aggregator. */
export interface DeadManPlan {
  /** A host whose newest blaze or wildfire report is older than this is reported missing. */
  windowHours: number;
  cronMinute: number;
  cronHour: number;
  timeZone: string;
}

/** Copies another host sends here: blaze on this host prunes them (network retention). */
export interface ReceivedCopiesPlan {
  host: string;
  /** /archive/blaze-backup/<sender> */
  dir: string;
  /** The sender's retention.networkDays. */
  days: number;
  /** The sender's retention.keepNewest: copies of each kind kept whatever their age. */
  keepNewest: number;
  /**
   * The most the sender's folder here may hold: the sender's targetBudget from the inventory,
   * else src/forecast/budget.ts's. kindling-receive's store refuses beyond it.
   */
  budgetBytes: number;
  /** The sender's account here: its folder's group; blaze gives it each arrived copy, read-only. */
  account: string;
  /** The sender's nightly checksum manifests (also among kinds). */
  manifest: { filePrefix: string; extension: string };
  /** Every kind of copy the sender makes: archives, database dumps, globals, manifests. */
  kinds: { filePrefix: string; extension: string }[];
}

/** A host the aggregator expects a nightly report from (for the dead-man's switch). */
export interface ReportingHost {
  name: string;
  schedule: SchedulePlan;
}

/** One script of a host's dist/ folder, installed into scriptsDir. */
export interface HostScript {
  name: string;
  mode: number;
  /** Sends a one-line summary of each run to the aggregated log (kindling-receive's report). */
  reportsSummary: boolean;
}

export interface HostPlan {
  name: string;
  description: string | undefined;
  roles: Role[];
  isAdmin: boolean;
  isAggregator: boolean;
  adminHost: string;
  aggregatorHost: string;
  /** How this host itself is reached by its peers. */
  ssh: SshEndpoint;
  /** How this host reaches the admin host (kindling-fetch's scp) and the aggregator (reports). */
  adminSsh: SshEndpoint;
  aggregatorSsh: SshEndpoint;
  fleetName: string;
  /** This host's own account on every peer it logs in to (accountName of its name). */
  account: string;
  /** Every peer's account here starts with this (setup locks those no longer in the plan). */
  accountPrefix: string;
  mail: { alias: string; address: string };
  paths: HostPaths;
  /** Folder on the admin host that serves this host's dist/ files. */
  distSourceDir: string;
  /** Files of dist/<host>/ that are installed as executables into scriptsDir. */
  scripts: string[];
  schedule: SchedulePlan;
  compression: CompressionPlan;
  archives: ArchiveItem[];
  /** The night's checksum manifest, <host>-manifest-<Mon-DD-YYYY>.sha256 (sha256sum -c format). */
  manifest: { filePrefix: string; extension: string };
  database: DatabasePlan | undefined;
  repository: RepositoryPlan | undefined;
  repositoryCopy: RepositoryCopyPlan | undefined;
  removable: RemovablePlan | undefined;
  targets: TargetPlan[];
  /** Hosts that send their copies here, sorted. */
  receivesFrom: string[];
  /** The copies of each sender in receivesFrom, with the sender's network retention. */
  receivedCopies: ReceivedCopiesPlan[];
  retention: RetentionPlan;
  transfer: TransferPlan;
  archiveVolume: ArchiveVolumePlan;
  capacity: CapacityEstimate;
  signing: { allowedSigners: string[] } | undefined;
  /** On the aggregator only: every host of the fleet and when it should report. */
  reportingHosts: ReportingHost[];
  /** On the aggregator only: when the dead-man's switch runs and how late a report may be. */
  deadMan: DeadManPlan | undefined;
  /** This host's own key (root's, for connections to peers), from the inventory. */
  sshPublicKey: string | undefined;
  /** This host's ssh host key ("type base64"), from the inventory. */
  sshHostKey: string | undefined;
  /** Every peer this host connects to over ssh, by name, with its host key: its known_hosts. */
  knownHosts: KnownHostPlan[];
  /** Who may log in here, each peer as its own account, and for what; callers sorted. */
  access: PeerAccess[];
  /** Warnings about this host, as printed by validate. */
  warnings: string[];
}

export interface FleetPlan {
  fleetName: string;
  /** Base name of the inventory file, for "generated from" headers. */
  inventoryName: string;
  adminHost: string;
  aggregatorHost: string;
  distServeDir: string;
  mail: { alias: string; address: string };
  hosts: HostPlan[];
  /** Every warning of the inventory, formatted with file:line:column. */
  warnings: string[];
}
