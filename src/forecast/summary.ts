// What an admin reads from a forecast: when a host crosses its free-space floor, when it is
// full, its peak and who fills it. Pure, over the output of simulate.ts.
import { formatBytes } from '../format/bytes';
import type { HostForecast } from './simulate';

export interface Contribution {
  label: string;
  bytes: number;
  /** Share of the peak, in whole per cent. */
  percent: number;
}

export interface ForecastSummary {
  host: string;
  nights: number;
  sizeBytes: number | undefined;
  floorBytes: number;
  sizes: string;
  /** First night whose free space is below the floor; undefined when none is. */
  floorNight: number | undefined;
  /** First night whose copies do not fit in /archive; undefined when none does. */
  fullNight: number | undefined;
  peakNight: number;
  peakBytes: number;
  /** The three largest contributors at the peak, largest first. */
  largest: Contribution[];
  budgetHits: HostForecast['budgetHits'];
}

export function summarizeForecast(forecast: HostForecast): ForecastSummary {
  return summaryOfSeries({
    ...forecast,
    nights: forecast.usedBytes.length,
    contributorsOnNight: (night) => forecast.contributors.map((c) => ({ label: c.label, bytes: c.bytes[night - 1] ?? 0 })),
  });
}

/** A host's nights as summaryOfSeries reads them. */
export interface ForecastSeries extends Pick<HostForecast, 'host' | 'sizeBytes' | 'floorBytes' | 'sizes' | 'budgetHits'> {
  nights: number;
  /**
   * Bytes used after each night's prune, night 1 first; it may stop before NIGHTS when the
   * last value holds for every later night (src/forecast/steady.ts).
   */
  usedBytes: readonly number[];
  contributorsOnNight(night: number): { label: string; bytes: number }[];
}

/** The first night below the floor and the first night full, each undefined when none is (or the size is unknown). */
function floorAndFullNights(series: ForecastSeries): { floorNight: number | undefined; fullNight: number | undefined } {
  const { usedBytes, sizeBytes, floorBytes } = series;
  if (sizeBytes === undefined) return { floorNight: undefined, fullNight: undefined };
  const floorIndex = usedBytes.findIndex((used) => sizeBytes - used < floorBytes);
  const fullIndex = usedBytes.findIndex((used) => used > sizeBytes);
  return { floorNight: floorIndex < 0 ? undefined : floorIndex + 1, fullNight: fullIndex < 0 ? undefined : fullIndex + 1 };
}

export function summaryOfSeries(series: ForecastSeries): ForecastSummary {
  const { usedBytes, sizeBytes, floorBytes } = series;
  let peakIndex = 0;
  for (let i = 1; i < usedBytes.length; i++) if (usedBytes[i]! > usedBytes[peakIndex]!) peakIndex = i;
  const { floorNight, fullNight } = floorAndFullNights(series);
  const peakBytes = usedBytes[peakIndex] ?? 0;
  const largest = series
    .contributorsOnNight(peakIndex + 1)
    .filter((c) => c.bytes > 0)
    .sort((a, b) => b.bytes - a.bytes || (a.label < b.label ? -1 : 1))
    .slice(0, 3)
    .map((c) => ({ ...c, percent: Math.round((100 * c.bytes) / peakBytes) }));
  return {
    host: series.host,
    nights: series.nights,
    sizeBytes,
    floorBytes,
    sizes: series.sizes,
    floorNight,
    fullNight,
    peakNight: peakIndex + 1,
    peakBytes,
    largest,
    budgetHits: series.budgetHits,
  };
}

/** Hosts that fill first first: by full night, then floor night, then least free at the peak, then name. */
export function compareUrgency(a: ForecastSummary, b: ForecastSummary): number {
  const never = Number.MAX_SAFE_INTEGER;
  const freeShare = (s: ForecastSummary): number => (s.sizeBytes === undefined || s.sizeBytes === 0 ? 1 : (s.sizeBytes - s.peakBytes) / s.sizeBytes);
  return (
    (a.fullNight ?? never) - (b.fullNight ?? never) ||
    (a.floorNight ?? never) - (b.floorNight ?? never) ||
    freeShare(a) - freeShare(b) ||
    (a.host < b.host ? -1 : a.host > b.host ? 1 : 0)
  );
}

export function formatLargest(largest: Contribution[]): string {
  return largest.map((c) => `${c.label} ${c.percent === 0 ? '<1' : c.percent} %`).join(', ');
}

/** "full on night 23" or "not full within 60 nights". */
export function fullText(summary: ForecastSummary): string {
  if (summary.sizeBytes === undefined) return 'size unknown';
  return summary.fullNight === undefined ? `not full within ${summary.nights} nights` : `full on night ${summary.fullNight}`;
}

export function floorText(summary: ForecastSummary): string {
  if (summary.sizeBytes === undefined) return 'size unknown';
  if (summary.floorNight === undefined) return `above its free-space floor (${formatBytes(summary.floorBytes)}) for ${summary.nights} nights`;
  return `below its free-space floor (${formatBytes(summary.floorBytes)}) from night ${summary.floorNight}`;
}

/**
 * validate's capacity warning, or undefined when the host keeps its floor for every night:
 * "hongkong: /archive full on night 23; largest: copies from australia 41 %".
 */
export function forecastWarning(summary: ForecastSummary): string | undefined {
  if (summary.floorNight === undefined && summary.fullNight === undefined && summary.budgetHits.length === 0) return undefined;
  const parts: string[] = [];
  if (summary.fullNight !== undefined) parts.push(`/archive full on night ${summary.fullNight}`);
  else if (summary.floorNight !== undefined) parts.push(`/archive ${floorText(summary)}, ${fullText(summary)}`);
  for (const hit of summary.budgetHits) parts.push(`copies from ${hit.sender} over their budget (${formatBytes(hit.budgetBytes)}) from night ${hit.night}`);
  return `${summary.host}: ${parts.join('; ')}; largest: ${formatLargest(summary.largest)}`;
}

/**
 * forecastWarning of SERIES' summary, made only when the host warns: at 10,000 hosts a few
 * dozen do, and the rest need no peak contributors.
 */
export function warningOfSeries(series: ForecastSeries): string | undefined {
  const { floorNight, fullNight } = floorAndFullNights(series);
  if (floorNight === undefined && fullNight === undefined && series.budgetHits.length === 0) return undefined;
  return forecastWarning(summaryOfSeries(series));
}

/** The text of `kindling forecast` for one host: three or four lines. */
export function forecastAsText(summary: ForecastSummary): string {
  const size = summary.sizeBytes === undefined ? 'size unknown' : formatBytes(summary.sizeBytes);
  const lines = [
    `${summary.host}: /archive ${size}, free-space floor ${formatBytes(summary.floorBytes)}; sizes ${summary.sizes}`,
    `  ${floorText(summary)}; ${fullText(summary)}`,
    `  peak ${formatBytes(summary.peakBytes)} on night ${summary.peakNight}; largest: ${formatLargest(summary.largest)}`,
  ];
  for (const hit of summary.budgetHits) {
    lines.push(`  copies from ${hit.sender} refused from night ${hit.night}: over their budget of ${formatBytes(hit.budgetBytes)}`);
  }
  return `${lines.join('\n')}\n`;
}
