// kindling forecast: when each host's /archive crosses its free-space floor and fills, and
// because of whom. Returns the text and exit code; cli.ts only wires the options.
import { readFileSync } from 'node:fs';
import { InputError } from '../errors';
import type { FleetPlan } from '../plan/model';
import { DEFAULT_FORECAST_NIGHTS, forecastCapacity, forecastInputs } from '../forecast/forecast';
import { observedSizes, parseAggregatedLog } from '../forecast/log';
import { forecastAsText } from '../forecast/summary';
import type { ForecastOptions } from '../forecast/simulate';

export interface ForecastCommandOptions {
  hosts: string[];
  nights?: string;
  growth?: string;
  fromLog?: string;
  json?: boolean;
}

/** Reads --nights and --growth (per cent per night); bad values are input errors. */
function parseNumbers(options: ForecastCommandOptions): { nights: number; growthPerNight: number } {
  const nights = options.nights === undefined ? DEFAULT_FORECAST_NIGHTS : Number(options.nights);
  if (!/^[0-9]+$/.test(options.nights ?? '60') || nights < 1 || nights > 3660) {
    throw new InputError(`--nights must be a whole number from 1 to 3660, not '${options.nights}'`);
  }
  const growth = options.growth === undefined ? 0 : Number(options.growth);
  if (options.growth !== undefined && (!/^-?[0-9]+(\.[0-9]+)?$/.test(options.growth) || growth <= -100 || growth > 100)) {
    throw new InputError(`--growth must be a per cent per night above -100 and at most 100, e.g. 0.5, not '${options.growth}'`);
  }
  return { nights, growthPerNight: growth / 100 };
}

export function runForecast(plan: FleetPlan, options: ForecastCommandOptions): { text: string; exitCode: number } {
  const estimates = new Map(plan.hosts.map((h) => [h.name, h.capacity]));
  const unknown = options.hosts.filter((name) => !estimates.has(name));
  if (unknown.length > 0) {
    throw new InputError(`unknown host${unknown.length > 1 ? 's' : ''} ${unknown.map((n) => `'${n}'`).join(', ')}; hosts of ${plan.inventoryName}: ${[...estimates.keys()].join(', ')}`);
  }
  const forecastOptions: ForecastOptions = parseNumbers(options);
  if (options.fromLog !== undefined) {
    let text: string;
    try {
      text = readFileSync(options.fromLog, 'utf8');
    } catch (error) {
      throw new InputError(`cannot read ${options.fromLog}: ${(error as Error).message}`);
    }
    const observed = observedSizes(parseAggregatedLog(text, options.fromLog), forecastInputs(estimates));
    forecastOptions.observed = observed.hosts;
    if (observed.repository) forecastOptions.observedRepository = observed.repository;
  }
  const forecast = forecastCapacity(estimates, forecastOptions);
  const wanted = new Set(options.hosts);
  const summaries = forecast.summaries.filter((s) => wanted.size === 0 || wanted.has(s.host));
  if (options.json) {
    // usedBytes and each contributor's bytes have one value per night, night 1 first.
    const hosts = summaries.map((s) => ({ ...s, usedBytes: forecast.byHost.get(s.host)!.usedBytes, contributors: forecast.byHost.get(s.host)!.contributors }));
    // A night that never comes is null, not a missing key.
    const json = JSON.stringify({ nights: forecastOptions.nights, hosts }, (_key, value: unknown) => (value === undefined ? null : value), 2);
    return { text: `${json}\n`, exitCode: 0 };
  }
  const header = `Forecast of /archive for ${forecastOptions.nights} nights, fills first first${options.fromLog ? `; sizes from ${options.fromLog} where it has them` : ''}:\n`;
  return { text: header + summaries.map(forecastAsText).join(''), exitCode: 0 };
}
