// The normalised inventory: defaults merged into every host, hosts sorted by name, ALLSYS
// derived. Each value remembers the document path it came from (`origin`), so that the
// semantic rules can point at the line that set it, even when it came from `defaults:`.
import type { DocPath } from './diagnostics';
import type { Role } from './schema';

export interface Located<T> {
  value: T;
  origin: DocPath;
}

export interface Source {
  name: string;
  path: string;
  dataType: string;
  estimatedSize: string;
  /** tar exclude patterns as written: relative to path, or absolute inside it. */
  exclude: string[];
  origin: DocPath;
}

export interface Database {
  engine: 'postgresql';
  osUser: string;
  databases: string[];
  estimatedSize: string;
  origin: DocPath;
}

export interface Repository {
  path: string;
  estimatedSize: string;
  /** The repository path must be a mount point before anything is copied from it. */
  mustBeMountPoint: boolean;
  /** The largest share (percent) of a copy's files one night may delete. */
  maxDeletePercent: number;
  origin: DocPath;
}

export interface ArchiveVolume {
  device: Located<string | undefined>;
  fsType: string;
  options: string;
  size: Located<string | undefined>;
}

export interface Retention {
  localDays: number;
  networkDays: number;
  removableDays: number;
  /** Copies of each kind always kept, whatever their age. */
  keepNewest: number;
}

export interface Transfer {
  connectTimeoutSeconds: number;
  retries: number;
  retryDelaySeconds: number;
  bandwidthLimitKiBps: number;
}

export interface Host {
  name: string;
  description: string | undefined;
  origin: DocPath;
  roles: Role[];
  /** Where each written role came from, for messages about roles. */
  roleOrigins: Map<Role, DocPath>;
  start: Located<string | undefined>;
  timeZone: Located<string | undefined>;
  sources: Source[];
  archive: ArchiveVolume;
  retention: Retention;
  compression: 'bzip2' | 'zstd';
  transfer: Transfer;
  targets: Located<string>[];
  database: Database | undefined;
  repository: Repository | undefined;
  /** Where peers reach the host over ssh: a DNS name or an IP address (default: its name). */
  address: string | undefined;
  /** Its ssh port (default 22). */
  port: number | undefined;
  /** The inventory's size for this host's folder on each target, replacing the computed budget. */
  targetBudget: string | undefined;
  /** "type base64" of the host's kindling key, comment dropped. */
  sshPublicKey: string | undefined;
  /** "type base64" of the host's ssh host key, comment dropped (its peers' known_hosts). */
  sshHostKey: string | undefined;
}

export interface Fleet {
  name: string;
  distServeDir: Located<string>;
  /** Each peer's account on a host is accountPrefix + the peer's name (src/plan/accounts.ts). */
  accountPrefix: string;
  mailAlias: string;
  mailAddress: string;
  removableLabelPrefix: string;
  allowedSigners: string[] | undefined;
  /** Why signing is off, when the inventory says so (signing: { none: REASON }). */
  signingOffReason: string | undefined;
}

export interface Inventory {
  file: string;
  fleet: Fleet;
  hosts: Host[];
}
