// The view model of one host's folder: every value a host template prints that is not a plain
// field of the plan, computed once here so that templates only loop and interpolate. The
// security-relevant text (authorized_keys lines above all) is then testable without rendering.
import type { ArchiveItem, ArchiveVolumePlan, FleetPlan, HostPlan, KnownHostPlan, PeerAccess, RepositoryGuardPlan, SshEndpoint } from '../plan/model';
import { HOST_SCRIPT_TABLE, repositoryIncomingDir } from '../plan/plan';
import { freeSpaceFloorBytes } from '../forecast/budget';
import { cronQuote, shellQuote } from './shell-quote';

/** The widest line of a generated script (the lint test holds every script to it). */
export const SCRIPT_LINE_WIDTH = 100;

/** One row of the fleet-wide exit-code table: the same numbers mean the same in every script. */
export interface ExitCode {
  name: string;
  code: number;
  meaning: string;
}

/**
 * The exit codes of every generated script (README: "Exit codes of the generated scripts").
 * A run that did not start its work (2, 3) changed nothing; a failed run (1) did what it could.
 */
export const EXIT_CODES: readonly ExitCode[] = [
  { name: 'EXIT_OK', code: 0, meaning: 'done, or nothing to do' },
  { name: 'EXIT_FAILED', code: 1, meaning: 'failed, in whole or in part; what could be done was done' },
  { name: 'EXIT_USAGE', code: 2, meaning: 'bad usage, or this host is not ready for the run; nothing done' },
  { name: 'EXIT_LOCKED', code: 3, meaning: 'another run of the same script holds its lock; nothing done' },
];

/** A folder setup creates or corrects. */
export interface DirectoryRow {
  path: string;
  owner: string;
  group: string;
  mode: string;
  /** "path owner group mode", one element of setup's DIRECTORIES. */
  entry: string;
}

/** One entry of kindling-receive's tables: what CALLER may run here, and as which account. */
export interface VerbRow {
  caller: string;
  /** The caller's own account here: kindling-receive refuses the caller under any other. */
  account: string;
  /** The verbs, space-separated, quoted as one shell word. */
  verbs: string;
}

/** A peer's account here, as setup creates it: its home and its authorized_keys. */
export interface AccountRow {
  caller: string;
  account: string;
  home: string;
  /** The account's authorized_keys: the header, then the caller's key alone. */
  authorizedKeys: string[];
}

/** A folder of the admin host's distServeDir that only one host's account may read. */
export interface DistFolderRow {
  path: string;
  account: string;
  /** "account path", one element of setup's DIST_FOLDERS, quoted as one shell word. */
  entry: string;
}

/** One stanza of the logrotate file. */
export interface LogRotation {
  purpose: string;
  files: string[];
  keepWeeks: number;
  /** logrotate's "create MODE OWNER GROUP": the new, empty log its writer can append to. */
  create: string;
}

/** The most CALLER's folder here may hold (kindling-receive's store refuses beyond it). */
export interface StoreBudgetRow {
  caller: string;
  bytes: number;
}

/** The most report lines one caller may add to the aggregated log in one night (receiver's date). */
export const REPORT_LINES_PER_NIGHT = 8;

/** A kind of copy blaze writes on this host, pruned by local retention. */
export interface OwnKind {
  label: string;
  prefix: string;
  extension: string;
}

/** How a script reaches one peer: its name (for logs), address (as rsync wants it) and port. */
export interface PeerRow {
  host: string;
  /** The address in rsync's USER@ADDRESS: form (an IPv6 address in brackets). */
  rsyncAddress: string;
  port: number;
}

export interface HostDocument {
  /** Comment lines ("# …", at most SCRIPT_LINE_WIDTH wide) under each script's title. */
  summaries: Record<string, string[]>;
  /** The fleet-wide exit-code table, for the constants of every script. */
  exitCodes: readonly ExitCode[];
  /** The exit-code table as --help prints it: "  ${EXIT_OK}    done…" (expanded by bash). */
  exitCodeHelp: string[];
  /** Extended regular expression of the scripts whose summaries the aggregator accepts. */
  reportingScriptsPattern: string;
  paths: {
    sshKey: string;
    homeBase: string;
    allowedSigners: string;
    serialFile: string;
    /** The dead-man's switch's record of when it first expected each host that never reported. */
    deadManExpected: string;
    /** Folder of the sysconfig file. */
    sysconfigDir: string;
    /** The forced command of every key in authorized_keys. */
    receiveCommand: string;
    /** blaze's lock file (the dry run names it). */
    blazeLock: string;
    /** Folder on each target that receives this host's copies, with trailing slash. */
    targetCopyDir: string;
    /** The known_hosts of root's kindling connections (ssh's UserKnownHostsFile). */
    knownHosts: string;
    /** Where root's merge counts each caller's report lines of the night. */
    reportCountDir: string;
    /** Where root's merge takes each caller's spooled lines before reading them (root only). */
    reportMergeDir: string;
    /** blaze's ledger of when each copy arrived (templates/lib/retention.ejs). */
    arrivalsDir: string;
    /** blaze's record of its last run whose clock check passed. */
    clockFile: string;
    /** The received manifests this host's blaze has verified (each is checked once). */
    verifiedDir: string;
    /** Where the repository host's account mirrors the repository (kindling-receive's repository verb). */
    repositoryIncoming: string;
  };
  /** Lines of this host's known_hosts: exactly the peers it connects to. */
  knownHostsLines: string[];
  /** The peers each script connects to by rsync, by name (wildfire: targets and repository copies). */
  peers: { wildfire: PeerRow[]; restore: PeerRow[]; admin: PeerRow };
  /** "device mountpoint type options 0 2": fstab's file and setup's line. */
  fstabLine: string;
  /** The archive volume's mount options (the inventory's, with nofail and a device timeout). */
  archiveMountOptions: string;
  /** The lines earlier releases of setup added for the volume, which setup replaces by fstabLine. */
  earlierFstabLines: string[];
  /** The stanzas of the logrotate file: each kindling log with the owner its writer needs. */
  logRotations: LogRotation[];
  /** "alias: address": the aliases file and setup's line. */
  aliasLine: string;
  /** root's crontab commands, quoted for cron. */
  cron: { nightly: string; deadMan: string; mergeReports: string };
  setup: {
    /** This host's key as the inventory has it ('' while unknown), for setup to compare. */
    inventoryKey: string;
    /** semanage fcontext pattern of the homes whose authorized_keys sshd reads. */
    selinuxKeyPattern: string;
    /** This host's ssh host key as the inventory has it ('' while unknown), for setup to compare. */
    inventoryHostKey: string;
    directories: DirectoryRow[];
    /** Every peer's account here, callers sorted. */
    accounts: AccountRow[];
    /** The names of those accounts (setup locks any other account it made). */
    plannedAccounts: string[];
    /** On the admin host: each host's folder of distServeDir, readable by that host's account only. */
    distFolders: DistFolderRow[];
    /** On the repository host: the marker file that makes its repository copyable, else ''. */
    repositoryMarker: string;
  };
  blaze: {
    /** Each database dump's share of the database estimate, in bytes. */
    dumpEstimateBytes: number;
    globalsEstimateBytes: number;
    spaceMinimumBytes: number;
    ownKinds: OwnKind[];
    /** Each archive with backup_folder's last arguments: tar's exclude options, quoted. */
    archives: (ArchiveItem & { excludeWords: string })[];
    manifest: OwnKind;
    /** The kinds blaze prunes in its own folder: every item's, then the manifests. */
    prunedKinds: OwnKind[];
    /** The globals dump is decompressed to check it: the script needs DECOMPRESS. */
    readsBackCompressed: boolean;
    /** The guard of the repository copies blaze makes (drives, snapshots), if it makes any. */
    repositoryGuard: RepositoryGuardPlan | undefined;
    /** 1 when the drives' repository source must be a mount point, else 0. */
    repositoryMustBeMounted: 0 | 1;
    /** Where a repository copy host keeps its snapshots (no trailing slash), else ''. */
    snapshotsDir: string;
  };
  wildfire: {
    /** Where the repository lands on each copy host, for the header comment. */
    repositoryRemoteDir: string;
    /** 1 when the repository must be a mount point before it is sent, else 0. */
    repositoryMustBeMounted: 0 | 1;
  };
  receive: {
    /** Every caller's account and verbs here. */
    callers: VerbRow[];
    /** Each sender's budget here: its nightly estimate × (this host's retention of it + 2) × headroom. */
    storeBudgets: StoreBudgetRow[];
    /** store is refused while this host's archive volume has less free space than this. */
    freeSpaceFloorBytes: number;
    reportLinesPerNight: number;
  };
  targetHosts: string[];
  repositoryCopyHosts: string[];
  reportingHostNames: string[];
  /** restore's archive table: "kind tar-directory tar-member". */
  archiveKindRows: string[];
  /** Account pg_restore runs as (postgres on a host without a database). */
  databaseOsUser: string;
}

const MEGABYTE = 1024 * 1024;

/** Header prose wraps a little short of the hard limit, as hand-written comments do. */
const PROSE_WIDTH = 92;

/** Words of TEXT as comment lines "# …" of at most WIDTH columns. */
export function commentLines(text: string, width = PROSE_WIDTH): string[] {
  const lines: string[] = [];
  let line = '#';
  for (const word of text.split(/\s+/).filter((w) => w.length > 0)) {
    if (line.length > 1 && line.length + 1 + word.length > width) {
      lines.push(line);
      line = '#';
    }
    line += ` ${word}`;
  }
  lines.push(line);
  return lines;
}

/** A summary from paragraphs (wrapped) and preformatted lines ({ lines }). */
function summary(...blocks: (string | { lines: string[] } | false | undefined)[]): string[] {
  const out: string[] = [];
  for (const block of blocks) {
    if (block === false || block === undefined) continue;
    if (typeof block === 'string') out.push(...(block === '' ? ['#'] : commentLines(block)));
    else out.push(...block.lines.map((l) => `# ${l}`));
  }
  return out;
}

/**
 * The authorized_keys of USER on HOST: a header, then each peer's key confined to the forced
 * command with the peer's name, or a comment while the inventory has no key for the peer.
 */
export function authorizedKeysLines(host: HostPlan, fleet: FleetPlan, user: string, access: readonly PeerAccess[], receiveCommand: string): string[] {
  return [
    `# kindling: who may log in as ${user} on ${host.name}, and for what (${receiveCommand} decides).`,
    `# Generated from ${fleet.inventoryName}; setup rewrites this file.`,
    ...access.map((a) =>
      a.publicKey
        ? `restrict,command="${receiveCommand} ${a.caller}" ${a.publicKey} kindling@${a.caller}`
        : `# ${a.caller} (${a.verbs.join(', ')}): no sshPublicKey in the inventory yet`,
    ),
  ];
}

/** How long systemd waits at boot for the archive volume before going on without it. */
const ARCHIVE_DEVICE_TIMEOUT = 'x-systemd.device-timeout=30s';

/**
 * The archive volume's fstab options: the inventory's, plus nofail and a short device timeout
 * (unless it names them), so that a headless host boots without its archive volume.
 */
export function archiveMountOptions(options: string): string {
  const list = options.split(',').filter((o) => o.length > 0);
  if (!list.includes('nofail')) list.push('nofail');
  if (!list.some((o) => o.startsWith('x-systemd.device-timeout='))) list.push(ARCHIVE_DEVICE_TIMEOUT);
  return list.join(',');
}

/** "device mountpoint type options 0 2" of the archive volume with the given options. */
function archiveFstabLine(volume: ArchiveVolumePlan, options: string): string {
  return [volume.device, volume.mountPoint, volume.fsType, options, '0', '2'].join(' ');
}

/**
 * The /archive lines that releases of setup before the nofail change added to /etc/fstab for
 * this volume: the inventory's options as written, without nofail or a device timeout (none
 * when the inventory's options already make the current line). setup replaces such a line
 * by the current one; any other line for the mount point is the administrator's own.
 */
export function earlierFstabLines(volume: ArchiveVolumePlan): string[] {
  const earlier = archiveFstabLine(volume, volume.options);
  return earlier === archiveFstabLine(volume, archiveMountOptions(volume.options)) ? [] : [earlier];
}

/** Weeks of rotated logs kept: enough to look back over two months of nights. */
const LOG_KEEP_WEEKS = 9;

/**
 * The logrotate stanzas of HOST: the logs root's scripts write (root, 0600, as their umask
 * makes them), and on the aggregator the aggregated log, which only root appends to (its own
 * scripts' lines, and the peers' lines merged from their spools), readable by all.
 */
export function logRotations(host: HostPlan): LogRotation[] {
  const { paths } = host;
  return [
    { purpose: "The logs of root's scripts (blaze, kindling-fetch, setup, the switch; wildfire).", files: [paths.blazeLog, paths.wildfireLog], keepWeeks: LOG_KEEP_WEEKS, create: '0600 root root' },
    ...(host.isAggregator
      ? [{ purpose: "The fleet's summary lines, appended by root only (kindling-deadman --merge-reports).", files: [paths.aggregateLog], keepWeeks: LOG_KEEP_WEEKS, create: '0644 root root' }]
      : []),
  ];
}

/** The host field of a known_hosts line: the address ssh is given, [address]:port off port 22. */
export function knownHostsName(endpoint: SshEndpoint): string {
  return endpoint.sshPort === 22 ? endpoint.sshAddress : `[${endpoint.sshAddress}]:${endpoint.sshPort}`;
}

/**
 * HOST's known_hosts: a header, then one line per peer it connects to, or a comment while the
 * inventory has no sshHostKey for the peer (ssh then refuses that connection).
 */
export function knownHostsLines(host: HostPlan, fleet: FleetPlan, peers: readonly KnownHostPlan[]): string[] {
  return [
    `# kindling: the ssh host keys of the peers ${host.name} connects to (StrictHostKeyChecking=yes).`,
    `# Generated from ${fleet.inventoryName}; setup and the nightly kindling-fetch rewrite this file.`,
    ...peers.map((peer) =>
      peer.hostKey ? `${knownHostsName(peer)} ${peer.hostKey}` : `# ${peer.host} (${knownHostsName(peer)}): no sshHostKey in the inventory yet`,
    ),
  ];
}

/** A peer as a script's rsync reaches it. */
export function peerRow(endpoint: SshEndpoint): PeerRow {
  const address = endpoint.sshAddress.includes(':') ? `[${endpoint.sshAddress}]` : endpoint.sshAddress;
  return { host: endpoint.host, rsyncAddress: address, port: endpoint.sshPort };
}

/**
 * Folders setup creates or corrects: path, owner, group, mode. A sender's folder and a
 * caller's report spool are root's, sticky and writable by the caller's account alone
 * (root:<account> 1770): the account adds names, and can neither reach another caller's
 * folder nor delete or rename a file it does not own (blaze takes each arrived copy).
 */
export function setupDirectories(host: HostPlan): DirectoryRow[] {
  const { paths } = host;
  const row = (path: string, owner: string, group: string, mode: string): DirectoryRow => ({ path, owner, group, mode, entry: `${path} ${owner} ${group} ${mode}` });
  const reportCallers = host.access.filter((a) => a.verbs.includes('report'));
  const spoolBase = paths.reportSpoolDir.replace(/\/[^/]+$/, '');
  const repositoryAccount = host.repositoryCopy?.user;
  return [
    row(paths.stateDir, 'root', 'root', '0755'),
    row(`${paths.stateDir}/ssh`, 'root', 'root', '0700'),
    row(`${paths.stateDir}/home`, 'root', 'root', '0755'),
    row(paths.backupRoot, 'root', 'root', '0755'),
    row(paths.ownBackupDir, 'root', 'root', '0700'),
    ...host.receivedCopies.map((r) => row(r.dir, 'root', r.account, '1770')),
    // On a copy host the snapshots are root's; the sender's account writes incoming/ only.
    row(paths.repoBackupDir, 'root', 'root', '0755'),
    ...(repositoryAccount && host.repositoryCopy ? [row(host.repositoryCopy.incomingDir, repositoryAccount, repositoryAccount, '0755')] : []),
    row(paths.logDir, 'root', 'root', '0755'),
    ...(reportCallers.length > 0
      ? [
          row(spoolBase, 'root', 'root', '0755'),
          row(paths.reportSpoolDir, 'root', 'root', '0755'),
          row(`${spoolBase}/merging`, 'root', 'root', '0700'),
          ...reportCallers.map((a) => row(`${paths.reportSpoolDir}/${a.caller}`, 'root', a.account, '1770')),
        ]
      : []),
    row(paths.sysconfig.replace(/\/[^/]+$/, ''), 'root', 'root', '0755'),
  ];
}

function blazeKinds(host: HostPlan): OwnKind[] {
  const db = host.database;
  return [
    ...host.archives.map((a) => ({ label: a.kind, prefix: a.filePrefix, extension: a.extension })),
    ...(db ? db.dumps.map((d) => ({ label: `postgresql-${d.database}`, prefix: d.filePrefix, extension: d.extension })) : []),
    ...(db ? [{ label: 'postgresql-globals', prefix: db.globals.filePrefix, extension: db.globals.extension }] : []),
  ];
}

/**
 * The budget of each sender whose copies this host keeps, from the sender's nightly estimate
 * and the days this host keeps them (src/forecast/budget.ts: the forecast uses the same numbers).
 */
export function storeBudgets(host: HostPlan): StoreBudgetRow[] {
  return host.receivedCopies.map((r) => ({ caller: r.host, bytes: r.budgetBytes }));
}

function verbRows(access: readonly PeerAccess[]): VerbRow[] {
  return access.map((a) => ({ caller: a.caller, account: a.account, verbs: shellQuote(a.verbs.join(' ')) }));
}

/** Every peer's account on HOST with its home and authorized_keys (only the peer's own key). */
export function accountRows(host: HostPlan, fleet: FleetPlan, homeBase: string, receiveCommand: string): AccountRow[] {
  return host.access.map((a) => ({
    caller: a.caller,
    account: a.account,
    home: `${homeBase}/${a.account}`,
    authorizedKeys: authorizedKeysLines(host, fleet, a.account, [a], receiveCommand),
  }));
}

/** On the admin host, each host's folder of distServeDir and the account that fetches it. */
export function distFolders(host: HostPlan, fleet: FleetPlan): DistFolderRow[] {
  if (!host.isAdmin) return [];
  return host.access
    .filter((a) => a.verbs.includes('dist'))
    .map((a) => {
      const path = `${fleet.distServeDir}/${a.caller}`;
      return { path, account: a.account, entry: shellQuote(`${a.account} ${path}`) };
    });
}

/** The exit-code table as --help prints it; the codes come from the script's constants. */
function exitCodeHelp(): string[] {
  return [
    'Exit status (the same in every kindling script):',
    ...EXIT_CODES.map((e) => `  \${${e.name}}    ${e.meaning}`),
    '  130  stopped by SIGINT, 143 stopped by SIGTERM',
  ];
}

function summaries(host: HostPlan, fleet: FleetPlan): Record<string, string[]> {
  const { paths } = host;
  const db = host.database;
  const removable = host.removable;
  const received = host.receivesFrom.length > 0;
  return {
    blaze: summary(
      `Nightly local backups into ${paths.ownBackupDir}/: one archive per source folder` +
        (db ? `, a pg_dump of each database and the cluster's roles (pg_dumpall --globals-only).` : '.'),
      removable &&
        `Then mirrors the repository and the day's archives to every attached drive labelled ` +
          `${removable.labelPrefix}NNN, keeping ${removable.keepDays} days of dated copies there.`,
      `Every file is written under a hidden temporary name with its SHA-256 taken as it is written, synced, ` +
        `checked on disk against that checksum` +
        (db ? ' (pg_restore --list for dumps)' : '') +
        ` and only then renamed to its final name; the night's manifest ${host.manifest.filePrefix}<date>${host.manifest.extension} ` +
        `lists the checksums and travels with the copies. Copies that arrived (by this host's own record, never a file's date) ` +
        `more than ${host.retention.localDays} days before the newest of their kind are pruned, keeping the ${host.retention.keepNewest} newest` +
        (received
          ? `, here and in the folders of the hosts that send their copies here (${host.receivesFrom.join(', ')}), whose manifests it checks once (sha256sum -c, then a full read).`
          : '.') +
        ` Nothing is pruned when the clock went backwards or jumped.`,
      `Runs as root from root's crontab, before wildfire.`,
      '',
      `Exit status: 0 every item written, 1 at least one item failed (the others were still written), ` +
        `2 bad usage or not ready (not root, ${paths.archiveMount} not mounted), 3 another blaze is running, ` +
        `130/143 stopped by INT/TERM.`,
    ),
    wildfire: summary(
      `Copies this host's local backups (${paths.ownBackupDir}/) to each LAN target, by rsync over ssh as its own account there, ${host.account}` +
        (host.repository ? ', and the repository to every repository copy host' : '') +
        `. The targets accept this host's key only for this (rrsync confines it to their ${paths.backupRoot}/${host.name}/, ` +
        `without deleting or rewriting what is there); each target prunes its copies itself (blaze, network retention). ` +
        `Runs from root's crontab after blaze.`,
      '',
      `Exit status: 0 every copy made, 1 at least one target failed (the others were still copied), ` +
        `2 bad usage or not ready (no ${paths.ownBackupDir}), 3 another wildfire is running.`,
    ),
    'kindling-fetch': summary(
      `Fetches this host's generated files from the admin host named in ${paths.sysconfig} ` +
        `(its ${fleet.distServeDir}/${host.name}/, read-only through its kindling-receive), checks them and installs the ` +
        `scripts into ${paths.scriptsDir}, root-owned, mode 0755, each by rename: a running script is never overwritten ` +
        `in place. The set is rejected whole, and the last good scripts stay, unless every file matches SHA256SUMS, ` +
        `nothing is missing or extra, every script passes \`bash -n\`` +
        (host.signing
          ? `, and MANIFEST carries a valid signature of an allowed signer with a serial not older than the installed ` +
            `set's (no replay of an old, validly signed set).`
          : '.'),
      `Before installing anything it runs the set's own setup as a dry run (a setup that cannot run through rejects ` +
        `the set); after installing, it runs the new setup, which applies the rest of the set (authorized_keys, ` +
        `known_hosts, crontab, alias, allowed signers) and changes only what differs: a changed inventory reaches ` +
        `every host the night after it is published.`,
      '',
      `Exit status: 0 installed or already current, 1 the set was rejected or could not be fetched ` +
        `(the last good scripts stay), 2 bad usage, 3 another kindling-fetch is running.`,
    ),
    'kindling-deadman': summary(
      host.deadMan
        ? `The dead-man's switch of the fleet. Runs daily on this host, the aggregator: a host whose newest successful ` +
            `(OK) blaze or wildfire line in ${paths.aggregateLog} or its rotated copies (numbered or dated, gzipped or not) ` +
            `is older than ${host.deadMan.windowHours} hours is mailed to ${host.mail.alias}, with its last error when it ` +
            `failed: a host whose cron never fires, or that fails every night, is otherwise silent forever. A host that ` +
            `never reported is recorded in ${paths.stateDir}/deadman-expected the first time the switch looks for it, ` +
            `and named only ${host.deadMan.windowHours} hours later, after its first scheduled night.`
        : `The dead-man's switch of the fleet. It runs on the aggregator, ${host.aggregatorHost}; here it only says so.`,
      '',
      'Exit status: 0 every host reported in time, 1 a host is late, 2 bad usage.',
    ),
    'kindling-receive': summary(
      `The forced command of the key in the authorized_keys of every peer's account here (${host.accountPrefix}<peer>, ` +
        "one account per peer): sshd runs `kindling-receive CALLER` whatever the caller asked, with the request in " +
        "SSH_ORIGINAL_COMMAND; a caller is refused under any account but its own. " +
        `A request is "VERB ARGS" (wildfire and friends send the verb as rsync's --rsync-path); only the verbs the ` +
        'inventory gives the caller are allowed:',
      {
        lines: [
          `  store       rsync into ${paths.backupRoot}/CALLER/ (rrsync: write-only, no delete; and`,
          '              --ignore-existing: a copy once stored cannot be rewritten by its sender);',
          "              only wildfire's own rsync options, within CALLER's budget and the free-space",
          `              floor, and only while ${paths.archiveMount} is mounted`,
          `  copies      rsync from ${paths.backupRoot}/CALLER/ (rrsync: read-only), for restore`,
          `  report      spool the one summary line on stdin in ${paths.reportSpoolDir}/CALLER/;`,
          `              root's kindling-deadman --merge-reports appends it to ${paths.aggregateLog}`,
          `              (at most ${REPORT_LINES_PER_NIGHT} a night per caller, counted by root)`,
          `  dist        rsync from ${fleet.distServeDir}/CALLER/ (rrsync: read-only), for kindling-fetch`,
          `  repository  rsync into ${repositoryIncomingDir(paths)}/, its account's (rrsync: write-only)`,
        ],
      },
      'Anything else is refused and logged to syslog (auth).',
      '',
      'Exit status: 0 the request ran, 1 it was refused (or failed), 2 bad usage.',
    ),
    restore: summary(
      `Restore from backups, as a script: lists the copies of this host (here and on its targets, ` +
        'read through their kindling-receive), extracts one path or a whole archive of a given date into a new folder ' +
        '(over the live files only when asked), and restores a PostgreSQL dump into a new database with pg_restore. ' +
        '--host NAME works on the copies NAME sent here, to rebuild a lost host from a peer.',
      '',
      'Exit status: 0 done, 1 the restore failed, 2 bad usage.',
    ),
    setup: summary(
      `The initial setup of ${host.name}, as a script that can run any number of times: it changes only ` +
        'what differs from the plan and says what it changed (a second run says "no changes"). Run it as root from a ' +
        `copy of dist/${host.name}/ for the first install, later kindling-fetch runs ${paths.scriptsDir}/setup after every verified nightly fetch, so that ` +
        'a changed inventory (a peer added, removed or re-keyed) takes effect the next night.',
      {
        lines: [
          '  platform    checked first: rrsync, python3, cron and the time zone, SELinux, the archive',
          `              volume; a problem stops setup (exit 2) before any change`,
          `  accounts    ${host.accountPrefix}<peer> for each peer that logs in here (system users); the account`,
          '              of a peer no longer in the plan is locked, its copies kept for root\'s prune',
          `  key         ${paths.stateDir}/ssh/id_ed25519, root's key to reach the peers (printed at the end)`,
          `  folders     ${paths.backupRoot} (each sender's folder root:<its account> 1770),`,
          `              ${paths.repoBackupDir}, ${paths.logDir}, with owners and modes`,
          `  files       ${paths.sysconfig}, the ${host.mail.alias} alias, /etc/logrotate.d/kindling,`,
          `              the ${paths.archiveMount} line of /etc/fstab with nofail (added, or an earlier`,
          `              kindling's line replaced; an administrator's own line is left, with a warning);`,
          `              ${paths.archiveMount} mounted before any folder is made on it`,
          "  access      each account's authorized_keys: its peer's key alone, which may only run",
          '              kindling-receive',
          `  known       ${paths.stateDir}/ssh/known_hosts: the host keys of the peers it connects to`,
          '  scripts     installed from this folder through kindling-fetch --from (verified the same way)',
          "  crontab     root's kindling block, merged between its markers; other jobs are kept",
        ],
      },
      '',
      'Exit status: 0 done (or nothing to do), 1 a step failed, 2 bad usage or not root.',
    ),
  };
}

/** The view model of HOST's folder. */
export function hostDocument(host: HostPlan, fleet: FleetPlan): HostDocument {
  const { paths } = host;
  const receiveCommand = `${paths.scriptsDir}/kindling-receive`;
  const script = (name: string): string => cronQuote(`${paths.scriptsDir}/${name}`);
  const homeBase = `${paths.stateDir}/home`;
  const db = host.database;
  const volume = host.archiveVolume;
  const manifestKind: OwnKind = { label: 'manifest', prefix: host.manifest.filePrefix, extension: host.manifest.extension };
  return {
    summaries: summaries(host, fleet),
    exitCodes: EXIT_CODES,
    exitCodeHelp: exitCodeHelp(),
    reportingScriptsPattern: `^(${HOST_SCRIPT_TABLE.filter((s) => s.reportsSummary)
      .map((s) => s.name)
      .join('|')})$`,
    paths: {
      sshKey: `${paths.stateDir}/ssh/id_ed25519`,
      homeBase,
      allowedSigners: `${paths.stateDir}/allowed_signers`,
      serialFile: `${paths.stateDir}/dist-serial`,
      deadManExpected: `${paths.stateDir}/deadman-expected`,
      sysconfigDir: paths.sysconfig.replace(/\/[^/]+$/, ''),
      receiveCommand,
      blazeLock: `${paths.lockDir}/kindling-blaze.lock`,
      targetCopyDir: `${paths.backupRoot}/${host.name}/`,
      knownHosts: `${paths.stateDir}/ssh/known_hosts`,
      reportCountDir: `${paths.stateDir}/report-counts`,
      reportMergeDir: `${paths.reportSpoolDir.replace(/\/[^/]+$/, '')}/merging`,
      arrivalsDir: `${paths.stateDir}/arrivals`,
      clockFile: `${paths.stateDir}/blaze-clock`,
      verifiedDir: `${paths.stateDir}/verified`,
      repositoryIncoming: repositoryIncomingDir(paths),
    },
    knownHostsLines: knownHostsLines(host, fleet, host.knownHosts),
    peers: {
      wildfire: [...new Map([...host.targets, ...(host.repository ? host.repository.copies : [])].map((e) => [e.host, peerRow(e)])).values()],
      restore: host.targets.map(peerRow),
      admin: peerRow(host.adminSsh),
    },
    fstabLine: archiveFstabLine(volume, archiveMountOptions(volume.options)),
    archiveMountOptions: archiveMountOptions(volume.options),
    earlierFstabLines: earlierFstabLines(volume),
    logRotations: logRotations(host),
    aliasLine: `${host.mail.alias}: ${host.mail.address}`,
    cron: {
      nightly: [script('kindling-fetch'), script('blaze'), script('wildfire')].join('; '),
      deadMan: script('kindling-deadman'),
      mergeReports: `${script('kindling-deadman')} --merge-reports`,
    },
    setup: {
      inventoryKey: host.sshPublicKey ?? '',
      selinuxKeyPattern: `${paths.stateDir}/home(/.*)?`,
      inventoryHostKey: host.sshHostKey ?? '',
      directories: setupDirectories(host),
      accounts: accountRows(host, fleet, homeBase, receiveCommand),
      plannedAccounts: host.access.map((a) => a.account),
      distFolders: distFolders(host, fleet),
      repositoryMarker: host.repository ? `${host.repository.path}${host.repository.guard.markerFile}` : '',
    },
    blaze: {
      // Database estimates are for all dumps of a night; each dump gets its share.
      dumpEstimateBytes: db ? Math.ceil(db.estimatedBytes / Math.max(db.dumps.length, 1)) : 0,
      globalsEstimateBytes: MEGABYTE,
      spaceMinimumBytes: MEGABYTE,
      ownKinds: blazeKinds(host),
      // One exclude option a continuation line: patterns make long lines.
      // Object.assign, not a spread with a property after it (promoted at once: render.ts).
      archives: host.archives.map((item) => Object.assign({}, item, { excludeWords: item.tarExcludes.map((pattern) => ` \\\n    ${shellQuote(`--exclude=${pattern}`)}`).join('') })),
      manifest: manifestKind,
      prunedKinds: [...blazeKinds(host), manifestKind],
      readsBackCompressed: db !== undefined,
      repositoryGuard: host.removable?.guard ?? host.repositoryCopy?.guard,
      repositoryMustBeMounted: host.removable?.guard.mustBeMountPoint ? 1 : 0,
      snapshotsDir: host.repositoryCopy ? host.repositoryCopy.dir.replace(/\/+$/, '') : '',
    },
    wildfire: {
      repositoryRemoteDir: host.repository?.copies[0]?.remoteDir ?? '',
      repositoryMustBeMounted: host.repository?.guard.mustBeMountPoint ? 1 : 0,
    },
    receive: {
      callers: verbRows(host.access),
      storeBudgets: storeBudgets(host),
      freeSpaceFloorBytes: freeSpaceFloorBytes(host.capacity.nightlyBytes),
      reportLinesPerNight: REPORT_LINES_PER_NIGHT,
    },
    targetHosts: host.targets.map((t) => t.host),
    repositoryCopyHosts: host.repository ? host.repository.copies.map((c) => c.host) : [],
    reportingHostNames: host.reportingHosts.map((r) => r.name),
    archiveKindRows: host.archives.map((a) => `${a.kind} ${a.tarDirectory} ${a.tarMember}`),
    databaseOsUser: db ? db.osUser : 'postgres',
  };
}
