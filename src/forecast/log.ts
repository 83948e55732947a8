// Reads what the fleet really wrote from the aggregated log (/var/log/blaze-wildfire.log on
// the aggregator), for `kindling forecast --from-log`. The log has one line per run,
// "TIME HOST SCRIPT TEXT" (TIME in UTC, written by the aggregator; templates/lib/report.ejs).
// The forecast reads:
//   blaze lines whose TEXT starts with OK, with  sizes=KIND:BYTES[,KIND:BYTES…]  (bytes of
//     each own kind written that night; blaze's kind labels: etc, cron, postgresql-koji,
//     postgresql-globals…; the postgresql-* kinds are summed into "postgresql"), or, on
//     older lines without sizes=, their  bytes=BYTES  (the night's total, shared out over the
//     host's kinds as the inventory's estimates are);
//   wildfire lines with  repository=BYTES  (the repository's size, on the repository host).
// The night of a line is TIME's date; a later line of the same host and night wins.
import { InputError } from '../errors';
import type { ForecastHostInput, ObservedHost, ObservedRepository } from './simulate';

export interface LoggedNight {
  night: string; // YYYY-MM-DD
  /** Bytes per own kind, when the line had sizes=. */
  kinds: Map<string, number> | undefined;
  /** The night's total (bytes=, or the sum of sizes=). */
  totalBytes: number;
}

export interface LogObservations {
  /** Per host, its nights in date order. */
  nights: Map<string, LoggedNight[]>;
  repository: { night: string; bytes: number }[];
}

const LINE = /^(\d{4}-\d{2}-\d{2})T\S+ (\S+) (blaze|wildfire) (.*)$/;

/** Folds blaze's database kinds (postgresql-koji, postgresql-globals) into the plan's "postgresql". */
function planKind(label: string): string {
  return label.startsWith('postgresql-') ? 'postgresql' : label;
}

function parseSizes(field: string, where: string): Map<string, number> {
  const kinds = new Map<string, number>();
  for (const pair of field.split(',')) {
    const match = /^([A-Za-z0-9_.-]+):([0-9]+)$/.exec(pair);
    if (!match) throw new InputError(`${where}: sizes= expects KIND:BYTES pairs separated by commas, not '${pair}'; hint: e.g. sizes=etc:20971520,cron:1048576`);
    const kind = planKind(match[1]!);
    kinds.set(kind, (kinds.get(kind) ?? 0) + Number(match[2]));
  }
  return kinds;
}

function field(text: string, name: string): string | undefined {
  return new RegExp(`(?:^| )${name}=(\\S+)`).exec(text)?.[1];
}

/** Parses the log's summary lines; other lines (fetch, dead-man, failed runs) are skipped. */
export function parseAggregatedLog(text: string, file: string): LogObservations {
  const byHost = new Map<string, Map<string, LoggedNight>>();
  const repository = new Map<string, number>();
  text.split('\n').forEach((line, index) => {
    const match = LINE.exec(line);
    if (!match) return;
    const [, night, host, script, summary] = match as unknown as [string, string, string, string, string];
    const where = `${file}:${index + 1}:1`;
    if (script === 'wildfire') {
      const bytes = field(summary, 'repository');
      if (bytes === undefined) return;
      if (!/^[0-9]+$/.test(bytes)) throw new InputError(`${where}: repository= expects a number of bytes, not '${bytes}'`);
      repository.set(night, Number(bytes));
      return;
    }
    if (!summary.startsWith('OK')) return;
    const sizes = field(summary, 'sizes');
    const kinds = sizes === undefined ? undefined : parseSizes(sizes, where);
    const total = field(summary, 'bytes');
    if (kinds === undefined && total === undefined) return;
    if (total !== undefined && !/^[0-9]+$/.test(total)) throw new InputError(`${where}: bytes= expects a number of bytes, not '${total}'`);
    const totalBytes = kinds ? [...kinds.values()].reduce((a, b) => a + b, 0) : Number(total);
    const nights = byHost.get(host) ?? new Map<string, LoggedNight>();
    nights.set(night, { night, kinds, totalBytes });
    byHost.set(host, nights);
  });
  const sortNights = <T extends { night: string }>(list: T[]): T[] => list.sort((a, b) => (a.night < b.night ? -1 : a.night > b.night ? 1 : 0));
  return {
    nights: new Map([...byHost].map(([host, nights]) => [host, sortNights([...nights.values()])])),
    repository: sortNights([...repository].map(([night, bytes]) => ({ night, bytes }))),
  };
}

function daysBetween(first: string, last: string): number {
  return Math.round((Date.parse(`${last}T00:00:00Z`) - Date.parse(`${first}T00:00:00Z`)) / 86_400_000);
}

/** Growth per night from the first to the last observed value, or undefined for one night. */
function growthBetween(first: { night: string; bytes: number }, last: { night: string; bytes: number }): number | undefined {
  const days = daysBetween(first.night, last.night);
  if (days <= 0 || first.bytes <= 0 || last.bytes <= 0) return undefined;
  return (last.bytes / first.bytes) ** (1 / days) - 1;
}

/** The observed sizes of each logged host of INPUTS, and of the repository, for forecastFleet. */
export function observedSizes(
  observations: LogObservations,
  inputs: ForecastHostInput[],
): { hosts: Map<string, ObservedHost>; repository: ObservedRepository | undefined } {
  const hosts = new Map<string, ObservedHost>();
  for (const input of inputs) {
    const nights = observations.nights.get(input.name);
    if (!nights || nights.length === 0) continue;
    const first = nights[0]!;
    const last = nights[nights.length - 1]!;
    const estimates = input.contributors.ownKinds;
    const estimatedTotal = estimates.reduce((sum, k) => sum + k.nightlyBytes, 0);
    // A bytes= line has the night's total only: share it out as the estimates are.
    const kinds =
      last.kinds ??
      new Map(estimates.map((k) => [k.kind, estimatedTotal > 0 ? Math.round((last.totalBytes * k.nightlyBytes) / estimatedTotal) : 0]));
    hosts.set(input.name, {
      kinds,
      growthPerNight: growthBetween({ night: first.night, bytes: first.totalBytes }, { night: last.night, bytes: last.totalBytes }),
      nights: nights.length,
      firstNight: first.night,
      lastNight: last.night,
    });
  }
  const first = observations.repository[0];
  const last = observations.repository[observations.repository.length - 1];
  const repository = first && last ? { bytes: last.bytes, growthPerNight: growthBetween(first, last) } : undefined;
  return { hosts, repository };
}
