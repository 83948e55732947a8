// The night-by-night forecast of every host's /archive. Pure: the plan's contributors (and,
// when given, the sizes the fleet really wrote) in, bytes per host, night and contributor out.
//
// One night, in the order the fleet works: the senders store tonight's copies on each
// target (a copy that would take the sender's folder over its budget is refused), the
// host's blaze writes tonight's own copies, then prunes own and received copies with the
// rule of prune_kind (src/forecast/prune.ts). The bytes counted are those left after the prune.
// A repository-copy host holds the repository once: the incoming mirror, whose files the
// snapshots hard-link, plus the files older snapshots still hold (snapshotChainBytes).
import { senderBudgetBytes, freeSpaceFloorBytes } from './budget';
import type { ArchiveContributors } from '../inventory/capacity';
import { CopyFolder, SECONDS_PER_DAY } from './prune';

export interface ForecastHostInput {
  name: string;
  /** Size of /archive, undefined when the inventory does not say. */
  sizeBytes: number | undefined;
  contributors: ArchiveContributors;
}

/** What the fleet really wrote, per host (from the aggregated log): see src/forecast/log.ts. */
export interface ObservedHost {
  /** Bytes of the newest observed night, per own kind. */
  kinds: Map<string, number>;
  /** Growth per night seen over the observed nights (a fraction), or undefined for one night. */
  growthPerNight: number | undefined;
  nights: number;
  firstNight: string;
  lastNight: string;
}

/** The repository's size on the repository host's newest wildfire line, and its growth. */
export interface ObservedRepository {
  bytes: number;
  growthPerNight: number | undefined;
}

export interface ForecastOptions {
  /** Nights to simulate (night 1 is the first). */
  nights: number;
  /** Growth per night of every size not observed, as a fraction (0.01 for 1 %). */
  growthPerNight: number;
  observed?: Map<string, ObservedHost>;
  observedRepository?: ObservedRepository;
}

export type ContributorKind = 'own' | 'received' | 'repository';

export interface ContributorSeries {
  kind: ContributorKind;
  /** The own kind (etc, postgresql, …) or the sending host; '' for the repository. */
  name: string;
  /** As a person says it: "own etc", "copies from australia", "repository snapshots". */
  label: string;
  /** Bytes after the night's prune, one value per night (index 0 is night 1). */
  bytes: number[];
}

export interface BudgetHit {
  sender: string;
  budgetBytes: number;
  /** The first night a copy of the sender was refused. */
  night: number;
}

export interface HostForecast {
  host: string;
  sizeBytes: number | undefined;
  floorBytes: number;
  /** Where the sizes came from, in words. */
  sizes: string;
  usedBytes: number[];
  contributors: ContributorSeries[];
  budgetHits: BudgetHit[];
}

/** Bytes of each own kind on NIGHT (1-based), from the observation or the estimate, grown. */
interface HostSizes {
  kindBytes(kind: string, night: number): number;
  nightlyBytes(night: number): number;
  describe: string;
}

function grown(bytes: number, growth: number, night: number): number {
  return Math.round(bytes * (1 + growth) ** (night - 1));
}

function formatGrowth(growth: number): string {
  return `${growth >= 0 ? '+' : '−'}${(Math.abs(growth) * 100).toFixed(1)} %/night`;
}

/** Where the sizes of a host not observed come from, in words. */
export function describeEstimatedSizes(growth: number): string {
  return `estimated (inventory), growth ${formatGrowth(growth)}`;
}

function hostSizes(input: ForecastHostInput, options: ForecastOptions): HostSizes {
  const observed = options.observed?.get(input.name);
  const base = new Map(input.contributors.ownKinds.map((k) => [k.kind, k.nightlyBytes]));
  let growth = options.growthPerNight;
  let describe = describeEstimatedSizes(growth);
  if (observed) {
    for (const [kind, bytes] of observed.kinds) base.set(kind, bytes);
    if (observed.growthPerNight !== undefined) growth = observed.growthPerNight;
    const span = observed.nights === 1 ? `1 night, ${observed.lastNight}` : `${observed.nights} nights, ${observed.firstNight} to ${observed.lastNight}`;
    describe = `observed (${span}), growth ${formatGrowth(growth)}${observed.growthPerNight === undefined ? ' (not observed)' : ' observed'}`;
  }
  const bases = [...base.values()];
  // Every target asks for a sender's night: computed once per night.
  const nightly: number[] = [];
  return {
    kindBytes: (kind, night) => grown(base.get(kind) ?? 0, growth, night),
    nightlyBytes: (night) => (nightly[night] ??= bases.reduce((sum, bytes) => sum + grown(bytes, growth, night), 0)),
    describe,
  };
}

/**
 * What the KEPT newest nightly snapshots of a repository of SIZES (one size a night, oldest
 * first) hold beyond the incoming mirror: the newest snapshot is incoming itself (hard links
 * to its files), and each older one adds the files deleted since. Sizes are all the model
 * sees, so that is what the repository shrank by each night within the kept snapshots: one
 * that only grows costs nothing more; one that shrank keeps its deleted files until the
 * snapshots that hold them are pruned.
 */
export function snapshotChainBytes(sizes: readonly number[], kept: number): number {
  let bytes = 0;
  for (let night = Math.max(1, sizes.length - kept + 1); night < sizes.length; night++) bytes += Math.max(0, sizes[night - 1]! - sizes[night]!);
  return bytes;
}

/** Forecasts every host of INPUTS (senders are looked up among them) for options.nights nights. */
export function forecastFleet(inputs: ForecastHostInput[], options: ForecastOptions): HostForecast[] {
  return inputs.map(fleetForecaster(inputs, options));
}

/**
 * Forecasts one host of INPUTS at a time (senders are looked up among them), so that a caller
 * that needs only each host's summary keeps one host's nights in memory, not the fleet's.
 */
export function fleetForecaster(inputs: ForecastHostInput[], options: ForecastOptions): (input: ForecastHostInput) => HostForecast {
  // Made on the first host asked for: validate's summaries (steady.ts) never ask, and at
  // 10,000 hosts these were 10,000 maps and closures made for nothing.
  let sizesByHost: Map<string, HostSizes> | undefined;
  let estimateByHost: Map<string, number> | undefined;
  return (input) => {
    sizesByHost ??= new Map(inputs.map((each) => [each.name, hostSizes(each, options)]));
    estimateByHost ??= new Map(inputs.map((each) => [each.name, each.contributors.ownKinds.reduce((sum, k) => sum + k.nightlyBytes, 0)]));
    return forecastHost(input, options, sizesByHost, estimateByHost);
  };
}

function forecastHost(
  input: ForecastHostInput,
  options: ForecastOptions,
  sizesByHost: Map<string, HostSizes>,
  estimateByHost: Map<string, number>,
): HostForecast {
  const { contributors } = input;
  const own = sizesByHost.get(input.name)!;
  const ownFolders = contributors.ownKinds.map((k) => ({ kind: k.kind, folder: new CopyFolder(contributors.localDays, contributors.keepNewest) }));
  for (const kind of options.observed?.get(input.name)?.kinds.keys() ?? []) {
    if (!ownFolders.some((f) => f.kind === kind)) ownFolders.push({ kind, folder: new CopyFolder(contributors.localDays, contributors.keepNewest) });
  }
  const senders = contributors.senders.map((s) => ({
    host: s.host,
    folder: new CopyFolder(s.networkDays, s.keepNewest),
    budgetBytes: s.targetBudgetBytes ?? senderBudgetBytes(estimateByHost.get(s.host) ?? 0, s.networkDays),
    sizes: sizesByHost.get(s.host),
  }));
  const series: ContributorSeries[] = [
    ...ownFolders.map((f) => ({ kind: 'own' as const, name: f.kind, label: `own ${f.kind}`, bytes: [] as number[] })),
    ...senders.map((s) => ({ kind: 'received' as const, name: s.host, label: `copies from ${s.host}`, bytes: [] as number[] })),
  ];
  const repositoryObserved = options.observedRepository;
  const repositoryGrowth = repositoryObserved?.growthPerNight ?? options.growthPerNight;
  const repositoryBase = contributors.repositoryBytes > 0 ? (repositoryObserved?.bytes ?? contributors.repositoryBytes) : 0;
  const repository =
    repositoryBase > 0
      ? {
          incoming: { kind: 'repository' as const, name: 'incoming', label: 'repository incoming', bytes: [] as number[] },
          snapshots: { kind: 'repository' as const, name: 'snapshots', label: 'repository snapshots', bytes: [] as number[] },
          // One snapshot a night, pruned as blaze prunes them: which nights are still kept.
          kept: new CopyFolder(contributors.repositoryRetention.days, contributors.repositoryRetention.keepNewest),
          sizes: [] as number[],
        }
      : undefined;
  if (repository) series.push(repository.incoming, repository.snapshots);

  // In the order of series: own kinds, then senders.
  const folders = [...ownFolders.map((f) => f.folder), ...senders.map((s) => s.folder)];
  const budgetHits: BudgetHit[] = [];
  const usedBytes: number[] = [];
  for (let night = 1; night <= options.nights; night++) {
    const seconds = night * SECONDS_PER_DAY;
    for (const sender of senders) {
      const bytes = sender.sizes?.nightlyBytes(night) ?? 0;
      if (sender.folder.bytes + bytes > sender.budgetBytes) {
        if (!budgetHits.some((h) => h.sender === sender.host)) budgetHits.push({ sender: sender.host, budgetBytes: sender.budgetBytes, night });
      } else {
        sender.folder.store({ seconds, bytes });
      }
    }
    for (const f of ownFolders) f.folder.store({ seconds, bytes: own.kindBytes(f.kind, night) });
    let used = 0;
    folders.forEach((folder, index) => {
      folder.prune();
      series[index]!.bytes.push(folder.bytes);
      used += folder.bytes;
    });
    if (repository) {
      const bytes = grown(repositoryBase, repositoryGrowth, night);
      repository.sizes.push(bytes);
      repository.kept.store({ seconds, bytes });
      repository.kept.prune();
      const snapshots = snapshotChainBytes(repository.sizes, repository.kept.count);
      repository.incoming.bytes.push(bytes);
      repository.snapshots.bytes.push(snapshots);
      used += bytes + snapshots;
    }
    usedBytes.push(used);
  }
  return {
    host: input.name,
    sizeBytes: input.sizeBytes,
    floorBytes: freeSpaceFloorBytes(estimateByHost.get(input.name) ?? 0),
    sizes: repository && repositoryObserved ? `${own.describe}; repository observed, growth ${formatGrowth(repositoryGrowth)}` : own.describe,
    usedBytes,
    contributors: series,
    budgetHits,
  };
}
