// The rows of dist/README.md: the seed's Appendix tables (Backup Layout, Scheduling,
// Offered services, Backup Location Capacity, Log Files, Data Retention) recomputed from
// the plan, so that templates/fleet/README.md.ejs only prints them. Pure: same plan, same rows.
import { formatBytes } from '../plan/capacity';
import type { FleetPlan, HostPlan } from '../plan/model';
import type { Role } from '../inventory/schema';
import { fleetTopology, topologyAsMermaid } from './topology';
import { capacityForecastSection, type CapacityForecastSection } from '../forecast/fleet-forecast';

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

export interface CapacityRow {
  host: string;
  device: string;
  fsType: string;
  size: string;
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
  warnings: string[];
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
    for (const dir of new Set(host.repository.copies.map((c) => c.remoteDir))) locations.push(dir);
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
    size: host.archiveVolume.size,
    mountPoint: host.archiveVolume.mountPoint,
    estimatedUse: formatBytes(use),
    headroom: capacity.sizeBytes === undefined ? '?' : signedBytes(capacity.sizeBytes - use),
    warnings: capacity.shortfalls,
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
    warnings: hosts.flatMap((h) => h.warnings),
  };
}
