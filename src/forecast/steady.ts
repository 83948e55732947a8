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
import type { ForecastSummary } from './summary';
import { summaryOfSeries } from './summary';

/** True when OPTIONS make every size of every night the same: the closed form applies. */
export function hasConstantSizes(options: ForecastOptions): boolean {
  return options.growthPerNight === 0 && options.observed === undefined && options.observedRepository === undefined;
}

/** One folder (or the repository) of a host: its copies' bytes on any night, in closed form. */
interface SteadyContributor {
  label: string;
  bytesOnNight(night: number): number;
  /** From this night on its bytes no longer change. */
  steadyFrom: number;
}

/** The copies of B bytes a night a folder of DAYS and KEEP holds; refused from REFUSED_FROM on. */
function folderContributor(label: string, bytes: number, days: number, keepNewest: number, refusedFrom: number): SteadyContributor {
  const capacity = Math.max(days + 1, keepNewest);
  return {
    label,
    bytesOnNight: (night) => Math.min(night, refusedFrom - 1, capacity) * bytes,
    steadyFrom: Math.min(capacity, refusedFrom - 1) + 1,
  };
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

/** Each own kind's bytes a night, as simulate.ts looks them up (by kind: a later kind of the same name wins). */
function ownKindBytes(input: ForecastHostInput): Map<string, number> {
  return new Map(input.contributors.ownKinds.map((k) => [k.kind, Math.round(k.nightlyBytes)]));
}

/** The bytes a host sends each night, as simulate.ts's nightlyBytes: the sum of its kinds. */
function sentBytes(kindBytes: Map<string, number>): number {
  let sum = 0;
  for (const bytes of kindBytes.values()) sum += bytes;
  return sum;
}

/**
 * Summarises every host of INPUTS as summarizeForecast(forecast of simulate.ts) would, for
 * OPTIONS with constant sizes (hasConstantSizes), one host at a time.
 */
export function steadySummarizer(inputs: ForecastHostInput[], options: ForecastOptions): (input: ForecastHostInput) => ForecastSummary {
  if (!hasConstantSizes(options)) throw new Error('steadySummarizer needs constant sizes: no growth, nothing observed');
  // simulate.ts budgets a sender from the unrounded sum of its kinds and sends the rounded one.
  const estimateByHost = new Map(inputs.map((input) => [input.name, input.contributors.ownKinds.reduce((sum, k) => sum + k.nightlyBytes, 0)]));
  const kindBytesByHost = new Map(inputs.map((input) => [input.name, ownKindBytes(input)]));
  const sentByHost = new Map([...kindBytesByHost].map(([host, kindBytes]) => [host, sentBytes(kindBytes)]));
  const sizes = describeEstimatedSizes(options.growthPerNight);
  return (input) => {
    const { contributors } = input;
    const kindBytes = kindBytesByHost.get(input.name)!;
    const parts: SteadyContributor[] = contributors.ownKinds.map((k) =>
      folderContributor(`own ${k.kind}`, kindBytes.get(k.kind)!, contributors.localDays, contributors.keepNewest, Infinity),
    );
    const budgetHits: ForecastSummary['budgetHits'] = [];
    for (const sender of contributors.senders) {
      const bytes = sentByHost.get(sender.host) ?? 0;
      const budgetBytes = senderBudgetBytes(estimateByHost.get(sender.host) ?? 0, sender.networkDays);
      const capacity = Math.max(sender.networkDays + 1, sender.keepNewest);
      const refusedFrom = firstRefusedNight(bytes, budgetBytes, capacity);
      if (refusedFrom <= options.nights) budgetHits.push({ sender: sender.host, budgetBytes, night: refusedFrom });
      parts.push(folderContributor(`copies from ${sender.host}`, bytes, sender.networkDays, sender.keepNewest, refusedFrom));
    }
    // The simulation records hits night by night, senders in order within a night.
    budgetHits.sort((a, b) => a.night - b.night);
    if (contributors.repositoryBytes > 0) {
      const bytes = Math.round(contributors.repositoryBytes);
      parts.push({ label: 'repository snapshots', bytesOnNight: () => bytes, steadyFrom: 1 });
    }
    const steadyFrom = parts.reduce((latest, part) => Math.max(latest, part.steadyFrom), 1);
    const usedBytes: number[] = [];
    for (let night = 1; night <= Math.min(options.nights, steadyFrom); night++) {
      let used = 0;
      for (const part of parts) used += part.bytesOnNight(night);
      usedBytes.push(used);
    }
    return summaryOfSeries({
      host: input.name,
      nights: options.nights,
      sizeBytes: input.sizeBytes,
      floorBytes: freeSpaceFloorBytes(estimateByHost.get(input.name) ?? 0),
      sizes,
      usedBytes,
      contributorsOnNight: (night) => parts.map((part) => ({ label: part.label, bytes: part.bytesOnNight(night) })),
      budgetHits,
    });
  };
}
