// The summary of a forecast whose sizes do not change (no growth, nothing observed), without
// simulating it night by night: validate's capacity warning and the fleet README's table
// ask this of every host, and at 10,000 hosts the simulation's nights × contributors (60
// nights, millions of folder operations and numbers) were the largest part of validate.
//
// Why a closed form is exact here: every night a folder of D days and KEEP newest receives a
// copy of the same B bytes, and prune_kind (src/forecast/prune.ts) keeps the copies that
// arrived on the D nights before the newest and the newest itself, or the KEEP newest when
// that is more: after night n a folder holds min(n, CAPACITY) copies, CAPACITY =
// max(D + 1, KEEP). A sender's copy is refused on the first night on which the folder's
// copies plus tonight's exceed its budget; a refused night adds nothing and prunes nothing
// (the newest arrival has not changed), so every later night is refused too and the folder
// keeps what it held. Each folder's bytes therefore rise and then stay, and so does the
// host's use: its peak is the first night of its last value, and after the night on which
// the fullest folder saturates nothing changes any more. test/unit/forecast/steady.test.ts
// holds this against the simulation of simulate.ts, host by host and field by field.
import { freeSpaceFloorBytes, senderBudgetBytes } from './budget';
import type { ForecastHostInput, ForecastOptions } from './simulate';
import { describeEstimatedSizes } from './simulate';
import type { ForecastSeries, ForecastSummary } from './summary';
import { summaryOfSeries } from './summary';

/** True when OPTIONS make every size of every night the same: the closed form applies. */
export function hasConstantSizes(options: ForecastOptions): boolean {
  return options.growthPerNight === 0 && options.observed === undefined && options.observedRepository === undefined;
}

/**
 * One folder of a host in closed form: BYTES a copy, min(night, CAP) copies after a night's
 * prune; CAP is the folder's capacity, or the copies it held when its sender was refused.
 */
interface SteadyFolder {
  /** "own " or "copies from ": the label is made only for a host whose contributors are read. */
  labelPrefix: string;
  name: string;
  bytes: number;
  cap: number;
}

/** CAPACITY = max(DAYS + 1, KEEP) copies, or fewer when the sender is refused from REFUSED_FROM on. */
function folderCap(days: number, keepNewest: number, refusedFrom: number): number {
  return Math.min(Math.max(days + 1, keepNewest), refusedFrom - 1);
}

/**
 * The first night a sender's copy of BYTES would take its folder over BUDGET (the folder
 * holding min(night - 1, CAPACITY) copies), or Infinity when no night does.
 */
function firstRefusedNight(bytes: number, budgetBytes: number, capacity: number): number {
  // Once the folder holds CAPACITY copies the test is the same every night.
  for (let night = 1; night <= capacity + 1; night++) {
    if (Math.min(night - 1, capacity) * bytes + bytes > budgetBytes) return night;
  }
  return Infinity;
}

/**
 * Bytes used after each night's prune, from night 1 to the first night from which nothing
 * changes (at most NIGHTS): night n adds the bytes of every folder whose CAP is at least n.
 */
function usedBytesUntilSteady(folders: readonly SteadyFolder[], constantBytes: number, nights: number): number[] {
  let steadyFrom = 1;
  for (const folder of folders) steadyFrom = Math.max(steadyFrom, folder.cap + 1);
  const last = Math.min(nights, steadyFrom);
  // added[n]: the change in what night n adds; a folder stops adding after night CAP.
  const added = new Array<number>(last + 2).fill(0);
  for (const folder of folders) {
    added[1] = added[1]! + folder.bytes;
    if (folder.cap + 1 <= last) added[folder.cap + 1] = added[folder.cap + 1]! - folder.bytes;
  }
  const used: number[] = [];
  let adding = 0;
  let total = constantBytes;
  for (let night = 1; night <= last; night++) {
    adding += added[night]!;
    total += adding;
    used.push(total);
  }
  return used;
}

/** What steadySummarizer reads of one list of own kinds, worked out once per list. */
interface KindTotals {
  /** Each own kind's bytes a night, as simulate.ts looks them up (by kind: a later kind of the same name wins). */
  kindBytes: Map<string, number>;
  /** The bytes a host sends each night, as simulate.ts's nightlyBytes: the sum of its kinds. */
  sentBytes: number;
  /** simulate.ts budgets a sender from the unrounded sum of its kinds and sends the rounded one. */
  estimateBytes: number;
}

function kindTotals(kinds: ForecastHostInput['contributors']['ownKinds']): KindTotals {
  const kindBytes = new Map(kinds.map((k) => [k.kind, Math.round(k.nightlyBytes)]));
  let sentBytes = 0;
  for (const bytes of kindBytes.values()) sentBytes += bytes;
  return { kindBytes, sentBytes, estimateBytes: kinds.reduce((sum, k) => sum + k.nightlyBytes, 0) };
}

/**
 * Summarises every host of INPUTS as summarizeForecast(forecast of simulate.ts) would, for
 * OPTIONS with constant sizes (hasConstantSizes), one host at a time.
 */
export function steadySummarizer(inputs: ForecastHostInput[], options: ForecastOptions): (input: ForecastHostInput) => ForecastSummary {
  const seriesOf = steadySeries(inputs, options);
  return (input) => summaryOfSeries(seriesOf(input));
}

/**
 * Each host's series in closed form, as summaryOfSeries reads it, for OPTIONS with constant
 * sizes (hasConstantSizes): validate reads the whole summary only of a host that warns.
 */
export function steadySeries(inputs: ForecastHostInput[], options: ForecastOptions): (input: ForecastHostInput) => ForecastSeries {
  if (!hasConstantSizes(options)) throw new Error('steadySummarizer needs constant sizes: no growth, nothing observed');
  // Hosts with the same own kinds share one list of them (src/inventory/capacity.ts): its
  // totals are worked out once, not once per host.
  const totalsOfKinds = new Map<ForecastHostInput['contributors']['ownKinds'], KindTotals>();
  const totalsByHost = new Map<string, KindTotals>();
  for (const input of inputs) {
    const kinds = input.contributors.ownKinds;
    let totals = totalsOfKinds.get(kinds);
    if (totals === undefined) totalsOfKinds.set(kinds, (totals = kindTotals(kinds)));
    totalsByHost.set(input.name, totals);
  }
  const sizes = describeEstimatedSizes(options.growthPerNight);
  return (input) => {
    const { contributors } = input;
    const totals = totalsByHost.get(input.name)!;
    const kindBytes = totals.kindBytes;
    const folders: SteadyFolder[] = contributors.ownKinds.map((k) => ({
      labelPrefix: 'own ',
      name: k.kind,
      bytes: kindBytes.get(k.kind)!,
      cap: folderCap(contributors.localDays, contributors.keepNewest, Infinity),
    }));
    const budgetHits: ForecastSummary['budgetHits'] = [];
    for (const sender of contributors.senders) {
      const senderTotals = totalsByHost.get(sender.host);
      const bytes = senderTotals?.sentBytes ?? 0;
      const budgetBytes = sender.targetBudgetBytes ?? senderBudgetBytes(senderTotals?.estimateBytes ?? 0, sender.networkDays);
      const refusedFrom = firstRefusedNight(bytes, budgetBytes, folderCap(sender.networkDays, sender.keepNewest, Infinity));
      if (refusedFrom <= options.nights) budgetHits.push({ sender: sender.host, budgetBytes, night: refusedFrom });
      folders.push({ labelPrefix: 'copies from ', name: sender.host, bytes, cap: folderCap(sender.networkDays, sender.keepNewest, refusedFrom) });
    }
    // The simulation records hits night by night, senders in order within a night.
    budgetHits.sort((a, b) => a.night - b.night);
    // Snapshots hard-link incoming's files: a repository of constant size costs its size from
    // the first night (incoming), and its snapshots nothing more (simulate.ts, snapshotChainBytes).
    const repositoryBytes = contributors.repositoryBytes > 0 ? Math.round(contributors.repositoryBytes) : 0;
    return {
      host: input.name,
      nights: options.nights,
      sizeBytes: input.sizeBytes,
      floorBytes: freeSpaceFloorBytes(totals.estimateBytes),
      sizes,
      usedBytes: usedBytesUntilSteady(folders, repositoryBytes, options.nights),
      contributorsOnNight: (night) => {
        const list = folders.map((folder) => ({ label: folder.labelPrefix + folder.name, bytes: Math.min(night, folder.cap) * folder.bytes }));
        if (repositoryBytes > 0) list.push({ label: 'repository incoming', bytes: repositoryBytes }, { label: 'repository snapshots', bytes: 0 });
        return list;
      },
      budgetHits,
    };
  };
}
