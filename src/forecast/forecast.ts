// The forecast as every caller uses it (kindling forecast, validate's capacity warning, the
// charts of dist/README.md): the plan's capacity estimates in, summaries that fill first first out.
import type { CapacityEstimate } from '../inventory/capacity';
import { forecastFleet, type ForecastHostInput, type ForecastOptions, type HostForecast } from './simulate';
import { compareUrgency, summarizeForecast, type ForecastSummary } from './summary';

/** Nights forecast unless told otherwise (kindling forecast --nights). */
export const DEFAULT_FORECAST_NIGHTS = 60;

export function forecastInputs(estimates: ReadonlyMap<string, CapacityEstimate>): ForecastHostInput[] {
  return [...estimates].map(([name, estimate]) => ({ name, sizeBytes: estimate.sizeBytes, contributors: estimate.contributors }));
}

export interface FleetForecast {
  /** Every host, the one that fills first first. */
  summaries: ForecastSummary[];
  byHost: Map<string, HostForecast>;
}

export function forecastCapacity(estimates: ReadonlyMap<string, CapacityEstimate>, options: ForecastOptions): FleetForecast {
  const forecasts = forecastFleet(forecastInputs(estimates), options);
  return {
    summaries: forecasts.map(summarizeForecast).sort(compareUrgency),
    byHost: new Map(forecasts.map((f) => [f.host, f])),
  };
}
