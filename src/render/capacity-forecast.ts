// The forecast of a planned fleet as dist/ shows it: the rows of the "Capacity forecast"
// section of dist/README.md and the chart beside it. Computed once per plan, for both.
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

const forecasts = new WeakMap<ReadonlyMap<string, CapacityEstimate>, FleetForecast>();

/** The inventory's estimates, no growth, DEFAULT_FORECAST_NIGHTS nights: what validate warns from. */
export function fleetForecast(capacities: ReadonlyMap<string, CapacityEstimate>): FleetForecast {
  let forecast = forecasts.get(capacities);
  if (!forecast) {
    forecast = forecastCapacity(capacities, { nights: DEFAULT_FORECAST_NIGHTS, growthPerNight: 0 });
    forecasts.set(capacities, forecast);
  }
  return forecast;
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

/** CAPACITIES: every host's estimate (fleetCapacities, or the planner's). */
export function capacityForecastSection(capacities: ReadonlyMap<string, CapacityEstimate>): CapacityForecastSection {
  const summaries = fleetForecast(capacities).summaries.slice(0, CHART_HOST_LIMIT);
  return {
    chartPath: CAPACITY_CHART_PATH,
    nights: DEFAULT_FORECAST_NIGHTS,
    shownHosts: summaries.length,
    totalHosts: capacities.size,
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
export function capacityForecastFiles(capacities: ReadonlyMap<string, CapacityEstimate>): RenderedFile[] {
  return [{ path: CAPACITY_CHART_PATH, mode: 0o644, content: capacityChartSvg(fleetForecast(capacities)) }];
}
