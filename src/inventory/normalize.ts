// Maps what people write (WrittenInventory, with defaults and shorthands) to the one
// normalised Inventory the rules and the plan work on. Pure; never fails: anything it
// cannot decide is left undefined for the rules to report.
import type { DocPath } from './diagnostics';
import type { ArchiveVolume, Host, Inventory, Retention, Source, Transfer } from './model';
import type { Role, WrittenDefaults, WrittenHost, WrittenInventory, WrittenSource } from './schema';

const BUILT_IN_RETENTION: Retention = { localDays: 30, networkDays: 30, removableDays: 3, keepNewest: 3 };
const BUILT_IN_TRANSFER: Transfer = { connectTimeoutSeconds: 10, retries: 3, retryDelaySeconds: 30, bandwidthLimitKiBps: 0 };
/** Each peer's account on a host is kb-<peer> unless the inventory says otherwise. */
const DEFAULT_ACCOUNT_PREFIX = 'kb-';
const DEFAULT_SOURCE_SIZE = '10M';
const DEFAULT_DATABASE_SIZE = '1G';
/** The seed: "the synced copy of the repository could go up to 2TB". */
const DEFAULT_REPOSITORY_SIZE = '2TB';
/** A night that would delete more than this share of a repository copy's files is refused. */
const DEFAULT_MAX_DELETE_PERCENT = 10;

export function normalizeInventory(file: string, written: WrittenInventory): Inventory {
  const shared = sharedDefaults(written.defaults ?? {});
  const hosts = Object.keys(written.hosts)
    .sort()
    .map((name) => normalizeHost(name, written.hosts[name]!, shared));
  const fleet = written.fleet;
  return {
    file,
    fleet: {
      name: fleet.name,
      distServeDir: { value: fleet.distServeDir, origin: ['fleet', 'distServeDir'] },
      accountPrefix: fleet.accountPrefix ?? DEFAULT_ACCOUNT_PREFIX,
      mailAlias: fleet.mailAlias,
      mailAddress: fleet.mailAddress,
      removableLabelPrefix: fleet.removableLabelPrefix,
      allowedSigners: fleet.signing?.allowedSigners,
      signingOffReason: fleet.signing?.none,
    },
    hosts,
  };
}

/**
 * What `defaults:` gives every host, made once: the same objects are shared by every host
 * that does not override them (nothing downstream changes a normalised value), so that
 * 10,000 hosts do not each hold copies of the same sources, retention and paths.
 */
interface SharedDefaults {
  written: WrittenDefaults;
  roleOrigins: [Role, DocPath][];
  sources: Source[];
  retention: Retention;
  transfer: Transfer;
}

function sharedDefaults(defaults: WrittenDefaults): SharedDefaults {
  return {
    written: defaults,
    roleOrigins: (defaults.roles ?? []).map((role, i) => [role, ['defaults', 'roles', i]]),
    sources: (defaults.sources ?? []).map((s, i) => toSource(s, ['defaults', 'sources', i])),
    retention: { ...BUILT_IN_RETENTION, ...defaults.retention },
    transfer: { ...BUILT_IN_TRANSFER, ...defaults.transfer },
  };
}

const DEFAULT_START: DocPath = ['defaults', 'schedule', 'start'];
const DEFAULT_TIME_ZONE: DocPath = ['defaults', 'schedule', 'timeZone'];
const DEFAULT_DEVICE: DocPath = ['defaults', 'archive', 'device'];
const DEFAULT_SIZE: DocPath = ['defaults', 'archive', 'size'];

function normalizeHost(name: string, host: WrittenHost, shared: SharedDefaults): Host {
  const defaults = shared.written;
  // Paths are written out as literals or made with concat: a spread ([...origin, 'targets', i])
  // leaves room for 17 elements in every one of the 100,000 paths of 10,000 hosts.
  const origin: DocPath = ['hosts', name];
  const roleOrigins = new Map<Role, DocPath>(shared.roleOrigins);
  (host.roles ?? []).forEach((role, i) => roleOrigins.set(role, ['hosts', name, 'roles', i]));
  roleOrigins.set('ALLSYS', origin);
  const sources: Source[] =
    host.sources === undefined ? shared.sources : [...shared.sources, ...host.sources.map((s, i) => toSource(s, ['hosts', name, 'sources', i]))];
  return {
    name,
    description: host.description,
    origin,
    roles: rolesOf(roleOrigins),
    roleOrigins,
    start: pick(host.schedule?.start, origin, ['schedule', 'start'], defaults.schedule?.start, DEFAULT_START),
    timeZone: pick(host.schedule?.timeZone, origin, ['schedule', 'timeZone'], defaults.schedule?.timeZone, DEFAULT_TIME_ZONE),
    sources,
    archive: normalizeArchive(origin, host, defaults),
    retention: host.retention === undefined ? shared.retention : { ...shared.retention, ...host.retention },
    compression: host.compression ?? defaults.compression ?? 'bzip2',
    transfer: host.transfer === undefined ? shared.transfer : { ...shared.transfer, ...host.transfer },
    targets: (host.targets ?? []).map((target, i) => ({ value: target, origin: ['hosts', name, 'targets', i] })),
    database: host.database
      ? {
          engine: host.database.engine,
          osUser: host.database.osUser,
          databases: host.database.databases,
          estimatedSize: host.database.estimatedSize ?? DEFAULT_DATABASE_SIZE,
          origin: ['hosts', name, 'database'],
        }
      : undefined,
    repository: host.repository
      ? {
          ...host.repository,
          estimatedSize: host.repository.estimatedSize ?? DEFAULT_REPOSITORY_SIZE,
          mustBeMountPoint: host.repository.mustBeMountPoint ?? true,
          maxDeletePercent: host.repository.maxDeletePercent ?? DEFAULT_MAX_DELETE_PERCENT,
          origin: ['hosts', name, 'repository'],
        }
      : undefined,
    address: host.address,
    port: host.port,
    targetBudget: host.targetBudget,
    sshPublicKey: host.sshPublicKey?.split(' ').slice(0, 2).join(' '),
    sshHostKey: host.sshHostKey?.split(' ').slice(0, 2).join(' '),
  };
}

/** The roles of ROLE_ORIGINS, sorted, in an array of their number (Array.from leaves room for 17). */
function rolesOf(roleOrigins: Map<Role, DocPath>): Role[] {
  const roles = new Array<Role>(roleOrigins.size);
  let i = 0;
  for (const role of roleOrigins.keys()) roles[i++] = role;
  return roles.sort();
}

function toSource(source: WrittenSource, origin: DocPath): Source {
  // Written out, not spread: a spread of a parsed mapping gave each of thousands of sources
  // a shape of its own (the schema allows no other keys).
  return {
    name: source.name,
    path: source.path,
    dataType: source.dataType,
    estimatedSize: source.estimatedSize ?? DEFAULT_SOURCE_SIZE,
    exclude: source.exclude ?? [],
    origin,
  };
}

function normalizeArchive(origin: DocPath, host: WrittenHost, defaults: WrittenDefaults): ArchiveVolume {
  const own = host.archive;
  const shared = defaults.archive ?? {};
  return {
    device: pick(own?.device, origin, ['archive', 'device'], shared.device, DEFAULT_DEVICE),
    fsType: own?.fsType ?? shared.fsType ?? 'ext4',
    options: own?.options ?? shared.options ?? 'defaults',
    size: pick(own?.size, origin, ['archive', 'size'], shared.size, DEFAULT_SIZE),
  };
}

/**
 * The host's own value if written (at HOST_ORIGIN + KEYS), else the default, each with where
 * it came from; the host itself when neither is written. Only the chosen origin is made.
 */
function pick<T>(own: T | undefined, hostOrigin: DocPath, keys: DocPath, shared: T | undefined, sharedOrigin: DocPath) {
  if (own !== undefined) return { value: own, origin: hostOrigin.concat(keys) };
  if (shared !== undefined) return { value: shared, origin: sharedOrigin };
  return { value: undefined as T | undefined, origin: hostOrigin };
}
