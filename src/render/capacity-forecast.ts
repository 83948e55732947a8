// The forecast of a planned fleet as dist/ shows it: the rows of the "Capacity forecast"
// section of dist/README.md and the chart beside it. Computed once per rendering, for both.
import { formatBytes } from '../format/bytes';
import type { CapacityEstimate } from '../inventory/capacity';
import type { FleetPlan } from '../plan/model';
import type { RenderedFile } from './render';
import { capacityChartSvg, CHART_HOST_LIMIT } from '../forecast/chart';
import { DEFAULT_FORECAST_NIGHTS, forecastCapacity, type FleetForecast } from '../forecast/forecast';
import { formatLargest, fullText } from '../forecast/summary';

/** Where the chart lands in dist/, beside README.md. */
export const CAPACITY_CHART_PATH = 'capacity-forecast.svg';

const capacitiesOfFleets = new WeakMap<FleetPlan, ReadonlyMap<string, CapacityEstimate>>();

/** FLEET's estimates by host, in its hosts' order: one map per plan, so that the README and the chart share one forecast. */
export function fleetCapacities(fleet: FleetPlan): ReadonlyMap<string, CapacityEstimate> {
  let capacities = capacitiesOfFleets.get(fleet);
  if (capacities === undefined) capacitiesOfFleets.set(fleet, (capacities = new Map(fleet.hosts.map((h) => [h.name, h.capacity]))));
  return capacities;
}

/**
 * The inventory's estimates, no growth, DEFAULT_FORECAST_NIGHTS nights: what validate warns
 * from. Worked out once for the README's section and the chart, which take it from the caller,
 * and kept by nobody: at 10,000 hosts it holds 12 MiB (its inputs, each host's sizes), which a
 * cache kept to the end of generate, where its peak is (bench/README.md, eleventh session).
 */
export function fleetForecast(capacities: ReadonlyMap<string, CapacityEstimate>): FleetForecast {
  return forecastCapacity(capacities, { nights: DEFAULT_FORECAST_NIGHTS, growthPerNight: 0 });
}

export interface CapacityForecastRow {
  host: string;
  size: string;
  floor: string;
  /** "below its free-space floor (1.1 GB) from night 27", or that it stays above. */
  floorNight: string;
  /** "full on night 23" or "not full within 60 nights". */
  full: string;
  peak: string;
  largest: string;
}

export interface CapacityForecastSection {
  chartPath: string;
  nights: number;
  /** Hosts in the chart and the table: those that fill first, at most CHART_HOST_LIMIT. */
  shownHosts: number;
  totalHosts: number;
  rows: CapacityForecastRow[];
}

/** FORECAST: the fleet's (fleetForecast), every host summarised. */
export function capacityForecastSection(forecast: FleetForecast): CapacityForecastSection {
  const summaries = forecast.summaries.slice(0, CHART_HOST_LIMIT);
  return {
    chartPath: CAPACITY_CHART_PATH,
    nights: DEFAULT_FORECAST_NIGHTS,
    shownHosts: summaries.length,
    totalHosts: forecast.summaries.length,
    rows: summaries.map((s) => ({
      host: s.host,
      size: s.sizeBytes === undefined ? '?' : formatBytes(s.sizeBytes),
      floor: formatBytes(s.floorBytes),
      floorNight: s.sizeBytes === undefined ? '?' : s.floorNight === undefined ? 'never' : `night ${s.floorNight}`,
      full: fullText(s),
      peak: `${formatBytes(s.peakBytes)} (night ${s.peakNight})`,
      largest: formatLargest(s.largest),
    })),
  };
}

/** The chart file of dist/, rendered with the fleet files. */
export function capacityForecastFiles(forecast: FleetForecast): RenderedFile[] {
  return [{ path: CAPACITY_CHART_PATH, mode: 0o644, content: capacityChartSvg(forecast) }];
}
