// The capacity warning of `kindling validate`, from the night-by-night forecast: a rule of
// the plan stage (it needs the forecast, which sits above inventory/), handed to the
// inventory's validation by the pipeline so that it reports with every other problem.
import { formatBytes } from '../format/bytes';
import { DEFAULT_FORECAST_NIGHTS, forecastWarnings } from '../forecast/forecast';
import { estimateCapacity } from '../inventory/capacity';
import type { Rule } from '../inventory/rules';

export const archiveCapacity: Rule = (inventory, problems) => {
  const estimates = estimateCapacity(inventory);
  // The forecast decides; the source document's 10 GB minimum is added to it.
  const warnings = forecastWarnings(estimates, { nights: DEFAULT_FORECAST_NIGHTS, growthPerNight: 0 });
  for (const host of inventory.hosts) {
    const estimate = estimates.get(host.name);
    if (!estimate || estimate.sizeBytes === undefined) continue;
    const messages: string[] = [];
    const predicted = warnings.get(host.name);
    if (predicted !== undefined) messages.push(predicted);
    if (estimate.shortfalls.length > 0) {
      const parts = [`own ${formatBytes(estimate.ownBytes)}`, `received ${formatBytes(estimate.receivedBytes)}`];
      if (estimate.repositoryCopyBytes > 0) parts.push(`repository ${formatBytes(estimate.repositoryCopyBytes)}`);
      messages.push(
        `${predicted === undefined ? `host '${host.name}': ` : ''}/archive is ${host.archive.size.value} (${formatBytes(estimate.sizeBytes)}) but needs ${formatBytes(estimate.requiredBytes)}: ` +
          `${estimate.shortfalls.join('; ')} (estimated use: ${parts.join(' + ')})`,
      );
    }
    if (messages.length === 0) continue;
    problems.warning(host.archive.size.origin, messages.join('; '), 'grow the /archive volume, or move some of the copies it receives to a larger host (kindling forecast shows the nights)');
  }
};
