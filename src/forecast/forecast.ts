// The forecast as every caller uses it (kindling forecast, validate's capacity warning, the
// charts of dist/README.md): the plan's capacity estimates in, summaries that fill first first out.
import type { CapacityEstimate } from '../inventory/capacity';
import { fleetForecaster, type ForecastHostInput, type ForecastOptions, type HostForecast } from './simulate';
import { hasConstantSizes, steadySeries, steadySummarizer } from './steady';
import { compareUrgency, forecastWarning, summarizeForecast, warningOfSeries, type ForecastSummary } from './summary';

/** Nights forecast unless told otherwise (kindling forecast --nights). */
export const DEFAULT_FORECAST_NIGHTS = 60;

export function forecastInputs(estimates: ReadonlyMap<string, CapacityEstimate>): ForecastHostInput[] {
  return [...estimates].map(([name, estimate]) => ({ name, sizeBytes: estimate.sizeBytes, contributors: estimate.contributors }));
}

export interface FleetForecast {
  /** Every host, the one that fills first first. */
  summaries: ForecastSummary[];
  /** One host's nights, worked out again when asked (a chart or --json shows a few hosts). */
  byHost: { get(host: string): HostForecast | undefined };
}

/**
 * Forecasts and summarises one host at a time: at 10,000 hosts the nights of every
 * contributor of every host (millions of numbers) are never all in memory at once.
 */
export function forecastCapacity(estimates: ReadonlyMap<string, CapacityEstimate>, options: ForecastOptions): FleetForecast {
  const inputs = forecastInputs(estimates);
  const forecastHost = fleetForecaster(inputs, options);
  const inputByHost = new Map(inputs.map((input) => [input.name, input]));
  const asked = new Map<string, HostForecast>();
  return {
    summaries: summarizeEach(inputs, options, forecastHost).sort(compareUrgency),
    byHost: {
      get(host) {
        const input = inputByHost.get(host);
        if (input === undefined) return undefined;
        let forecast = asked.get(host);
        if (forecast === undefined) asked.set(host, (forecast = forecastHost(input)));
        return forecast;
      },
    },
  };
}

/**
 * validate's capacity warning of each host (forecastWarning of its summary), by name, or
 * undefined for a host that keeps its floor every night. The summary is made only for a
 * host that warns, and none is sorted by urgency: at 10,000 hosts that was work nobody read.
 */
export function forecastWarnings(estimates: ReadonlyMap<string, CapacityEstimate>, options: ForecastOptions): Map<string, string | undefined> {
  const inputs = forecastInputs(estimates);
  const warningOf = hostWarner(inputs, options);
  return new Map(inputs.map((input) => [input.name, warningOf(input)]));
}

function hostWarner(inputs: ForecastHostInput[], options: ForecastOptions): (input: ForecastHostInput) => string | undefined {
  if (hasConstantSizes(options)) {
    const seriesOf = steadySeries(inputs, options);
    return (input) => warningOfSeries(seriesOf(input));
  }
  const forecastHost = fleetForecaster(inputs, options);
  return (input) => forecastWarning(summarizeForecast(forecastHost(input)));
}

function summarizeEach(inputs: ForecastHostInput[], options: ForecastOptions, forecastHost: (input: ForecastHostInput) => HostForecast): ForecastSummary[] {
  // Without growth or observations the summaries need no nights (steady.ts); the nights are
  // still simulated for whoever asks for a host's series.
  const summarize = hasConstantSizes(options) ? steadySummarizer(inputs, options) : (input: ForecastHostInput) => summarizeForecast(forecastHost(input));
  return inputs.map(summarize);
}
