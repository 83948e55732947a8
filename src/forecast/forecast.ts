// The forecast as every caller uses it (kindling forecast, validate's capacity warning, the
// charts of dist/README.md): the plan's capacity estimates in, summaries that fill first first out.
import type { CapacityEstimate } from '../inventory/capacity';
import { fleetForecaster, type ForecastHostInput, type ForecastOptions, type HostForecast } from './simulate';
import { hasConstantSizes, steadySummarizer } from './steady';
import { compareUrgency, summarizeForecast, type ForecastSummary } from './summary';

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
 * Every host's summary in the order of ESTIMATES, not sorted: what validate's capacity
 * warning reads (at 10,000 hosts, sorting them by urgency was work nobody read).
 */
export function forecastSummaries(estimates: ReadonlyMap<string, CapacityEstimate>, options: ForecastOptions): ForecastSummary[] {
  const inputs = forecastInputs(estimates);
  return summarizeEach(inputs, options, fleetForecaster(inputs, options));
}

function summarizeEach(inputs: ForecastHostInput[], options: ForecastOptions, forecastHost: (input: ForecastHostInput) => HostForecast): ForecastSummary[] {
  // Without growth or observations the summaries need no nights (steady.ts); the nights are
  // still simulated for whoever asks for a host's series.
  const summarize = hasConstantSizes(options) ? steadySummarizer(inputs, options) : (input: ForecastHostInput) => summarizeForecast(forecastHost(input));
  return inputs.map(summarize);
}
