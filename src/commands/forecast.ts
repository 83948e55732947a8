// kindling forecast: when each host's /archive crosses its free-space floor and fills, and
// because of whom. Returns the text and exit code; cli.ts only wires the options.
import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { InputError } from '../errors';
import type { FleetPlan } from '../plan/model';
import { DEFAULT_FORECAST_NIGHTS, forecastCapacity, forecastInputs } from '../forecast/forecast';
import { observedSizes, parseAggregatedLog } from '../forecast/log';
import { forecastAsText } from '../forecast/summary';
import type { ForecastOptions } from '../forecast/simulate';
import { buildPlan } from '../pipeline';
import { result, type CommandResult, type Finish } from './command';
import { locateInventory } from './locate';

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

/** The forecast of PLAN as text or JSON. */
export function forecastText(plan: FleetPlan, options: ForecastCommandOptions): string {
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
    return `${json}\n`;
  }
  const header = `Forecast of /archive for ${forecastOptions.nights} nights, fills first first${options.fromLog ? `; sizes from ${options.fromLog} where it has them` : ''}:\n`;
  return header + summaries.map(forecastAsText).join('');
}

export function runForecast(options: ForecastCommandOptions & { inventory?: string }): CommandResult {
  const { plan } = buildPlan(locateInventory(options.inventory));
  return result(forecastText(plan, options));
}

export function registerForecast(program: Command, finish: Finish): void {
  program
    .command('forecast')
    .argument('[host...]', 'only these hosts')
    .description("forecast each host's /archive night by night: when it crosses its free-space floor, when it is full, and because of whom")
    .option('-i, --inventory <file>', 'inventory file (default: $KINDLING_INVENTORY, or the nearest inventory.yaml here or above)')
    .option('--nights <n>', 'nights to forecast (default 60)')
    .option('--growth <percent>', 'growth of every estimated size per night, in per cent (default 0)')
    .option('--from-log <file>', 'use the sizes the fleet wrote, from the aggregated log (blaze sizes= / bytes=, wildfire repository=)')
    .option('--json', 'machine-readable output')
    .addHelpText('after', '\nExamples:\n  kindling forecast hongkong\n  kindling forecast --nights 120 --growth 0.5\n  kindling forecast --from-log /var/log/blaze-wildfire.log')
    .action((hosts: string[], opts: Omit<ForecastCommandOptions, 'hosts'> & { inventory?: string }) => {
      finish(runForecast({ ...opts, hosts }));
    });
}
