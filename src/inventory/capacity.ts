// What each host's /archive must hold, from the inventory's size estimates and the seed's
// rule: at least 10 GB for configuration backups (30 days of own copies plus copies synced
// from other hosts), plus room for one repository copy on repository-copy hosts.
import { formatBytes } from '../format/bytes';
import type { Host, Inventory, Source } from './model';
import { parseSize } from '../parse/size';

/** The seed's minimum for configuration backups, in bytes (10 GB, powers of 1000). */
export const MINIMUM_CONFIG_BYTES = 10 * 1000 ** 3;

export interface CapacityEstimate {
  /** Size of /archive in bytes, or undefined when the inventory does not say. */
  sizeBytes: number | undefined;
  /** One night's own archives and dumps. */
  nightlyBytes: number;
  /** Own copies × local retention. */
  ownBytes: number;
  /** Copies received from other hosts × network retention. */
  receivedBytes: number;
  /**
   * The repository on repository-copy hosts, once: the snapshots are hard links to incoming's
   * files (which blaze makes root's and read-only), so they add only what changed; else 0.
   */
  repositoryCopyBytes: number;
  /** The inventory's targetBudget of this host (its folder on each target), else undefined. */
  targetBudgetBytes: number | undefined;
  /** max(10 GB, own + received) + repository copy. */
  requiredBytes: number;
  /** Why the estimate does not fit, in words; empty when it fits. */
  shortfalls: string[];
  /** What fills /archive night by night, for the forecast (src/forecast/). */
  contributors: ArchiveContributors;
}

/** The inputs of the night-by-night forecast of one host's /archive. */
export interface ArchiveContributors {
  /** Days the host keeps its own copies. */
  localDays: number;
  /** Copies of each own kind kept whatever their age. */
  keepNewest: number;
  /** One night's copy of each own kind: archives by source name, "postgresql" for all dumps. */
  ownKinds: { kind: string; nightlyBytes: number }[];
  /**
   * Hosts that send their copies here, with their network retention (sorted by name) and the
   * inventory's targetBudget of the sender, when it has one.
   */
  senders: { host: string; networkDays: number; keepNewest: number; targetBudgetBytes: number | undefined }[];
  /** The size of the repository whose copy is kept here (repository-copy hosts), else 0. */
  repositoryBytes: number;
  /** How long the snapshots of the repository are kept here: the REPOHOST's network retention. */
  repositoryRetention: { days: number; keepNewest: number };
}

/** One night's copy of each of HOST's own kinds, from the inventory's estimates. */
export function ownKindEstimates(host: Host): { kind: string; nightlyBytes: number }[] {
  const kinds = sourceKinds(host.sources);
  if (host.database && host.roles.includes('DBHOST')) return [...kinds, { kind: 'postgresql', nightlyBytes: parseSize(host.database.estimatedSize) ?? 0 }];
  return kinds;
}

/**
 * The kinds of SOURCES, made once per list: hosts with only the default sources share one
 * list (normalize.ts), so 10,000 such hosts share one array of kinds (nothing changes it).
 */
function sourceKinds(sources: readonly Source[]): { kind: string; nightlyBytes: number }[] {
  let kinds = kindsOfSources.get(sources);
  if (kinds === undefined) {
    kinds = sources.map((source) => ({ kind: source.name, nightlyBytes: parseSize(source.estimatedSize) ?? 0 }));
    kindsOfSources.set(sources, kinds);
  }
  return kinds;
}

const kindsOfSources = new WeakMap<readonly Source[], { kind: string; nightlyBytes: number }[]>();

/** HOST's targetBudget from the inventory, in bytes, or undefined. */
export function targetBudgetBytes(host: Host): number | undefined {
  return host.targetBudget === undefined ? undefined : parseSize(host.targetBudget);
}

/** One night's bytes of KINDS together. */
function nightlyTotal(kinds: readonly { nightlyBytes: number }[]): number {
  let total = 0;
  for (const kind of kinds) total += kind.nightlyBytes;
  return total;
}

/** Estimates of each inventory: validate's capacity rule and the plan both ask, once each per run. */
const estimatesByInventory = new WeakMap<Inventory, ReadonlyMap<string, CapacityEstimate>>();

/** Estimates every host's /archive use; pure, over the whole fleet at once (O(hosts + targets)). */
export function estimateCapacity(inventory: Inventory): ReadonlyMap<string, CapacityEstimate> {
  let estimates = estimatesByInventory.get(inventory);
  if (estimates === undefined) estimatesByInventory.set(inventory, (estimates = computeEstimates(inventory)));
  return estimates;
}

function computeEstimates(inventory: Inventory): Map<string, CapacityEstimate> {
  const byName = new Map<string, number>();
  inventory.hosts.forEach((host, i) => byName.set(host.name, i));
  // Each host's kinds once, by its place in inventory.hosts: the estimate, its senders' and
  // the forecast's contributors read them.
  const kindsByHost = inventory.hosts.map(ownKindEstimates);
  const nightlyByHost = kindsByHost.map(nightlyTotal);
  const received = new Float64Array(inventory.hosts.length);
  const senders: (ArchiveContributors['senders'] | undefined)[] = new Array(inventory.hosts.length);
  inventory.hosts.forEach((host, i) => {
    const perNight = nightlyByHost[i]!;
    host.targets.forEach((target, t) => {
      const receiver = byName.get(target.value);
      if (receiver === undefined || receiver === i) return;
      // A target written twice counts once.
      for (let earlier = 0; earlier < t; earlier++) if (host.targets[earlier]!.value === target.value) return;
      received[receiver] = received[receiver]! + perNight * host.retention.networkDays;
      const sender = { host: host.name, networkDays: host.retention.networkDays, keepNewest: host.retention.keepNewest, targetBudgetBytes: targetBudgetBytes(host) };
      const list = senders[receiver];
      if (list === undefined) senders[receiver] = [sender];
      else list.push(sender);
    });
  });
  const repositoryHost = inventory.hosts.find((h) => h.roles.includes('REPOHOST') && h.repository);
  const repositoryBytes = repositoryHost?.repository ? (parseSize(repositoryHost.repository.estimatedSize) ?? 0) : 0;
  const repositoryRetention = repositoryHost
    ? { days: repositoryHost.retention.networkDays, keepNewest: repositoryHost.retention.keepNewest }
    : { days: 0, keepNewest: 0 };

  const estimates = new Map<string, CapacityEstimate>();
  inventory.hosts.forEach((host, i) => {
    const nightly = nightlyByHost[i]!;
    const ownBytes = nightly * host.retention.localDays;
    const receivedBytes = received[i]!;
    const repositoryCopyBytes = host.roles.includes('COPYREPOHOST') ? repositoryBytes : 0;
    const requiredBytes = Math.max(MINIMUM_CONFIG_BYTES, ownBytes + receivedBytes) + repositoryCopyBytes;
    const sizeBytes = host.archive.size.value === undefined ? undefined : parseSize(host.archive.size.value);
    const shortfalls: string[] = [];
    if (sizeBytes !== undefined && sizeBytes < requiredBytes) {
      if (sizeBytes < MINIMUM_CONFIG_BYTES + repositoryCopyBytes) {
        shortfalls.push(
          repositoryCopyBytes > 0
            ? `below the seed's minimum of 10 GB for configuration backups plus ${formatBytes(repositoryCopyBytes)} for the repository`
            : "below the seed's minimum of 10 GB for configuration backups",
        );
      }
      if (ownBytes + receivedBytes + repositoryCopyBytes > sizeBytes) {
        shortfalls.push('the estimated use does not fit');
      }
    }
    const contributors: ArchiveContributors = {
      localDays: host.retention.localDays,
      keepNewest: host.retention.keepNewest,
      ownKinds: kindsByHost[i]!,
      senders: (senders[i] ?? []).sort((a, b) => (a.host < b.host ? -1 : a.host > b.host ? 1 : 0)),
      repositoryBytes: repositoryCopyBytes > 0 ? repositoryBytes : 0,
      repositoryRetention,
    };
    estimates.set(host.name, {
      sizeBytes,
      nightlyBytes: nightly,
      ownBytes,
      receivedBytes,
      repositoryCopyBytes,
      targetBudgetBytes: targetBudgetBytes(host),
      requiredBytes,
      shortfalls,
      contributors,
    });
  });
  return estimates;
}
