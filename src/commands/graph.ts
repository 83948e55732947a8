// `kindling graph`: the fleet's topology (who copies to whom) for other tools, in the same
// edges as the Mermaid picture of dist/README.md.
import type { Command } from 'commander';
import { InputError } from '../errors';
import { buildPlan } from '../pipeline';
import type { FleetPlan } from '../plan/model';
import { fleetTopology, topologyAsDot, topologyAsMermaid } from '../render/topology';
import { result, type CommandResult, type Finish } from './command';
import { locateInventory } from './locate';

export const GRAPH_FORMATS = ['mermaid', 'dot'] as const;
export type GraphFormat = (typeof GRAPH_FORMATS)[number];

export function graphAsText(plan: FleetPlan, format: string): string {
  const topology = fleetTopology(plan);
  if (format === 'mermaid') return topologyAsMermaid(topology);
  if (format === 'dot') return topologyAsDot(topology);
  throw new InputError(`unknown graph format '${format}'; use one of: ${GRAPH_FORMATS.join(', ')}`);
}

export interface GraphOptions {
  inventory?: string;
  format: string;
}

export function runGraph(options: GraphOptions): CommandResult {
  const { plan } = buildPlan(locateInventory(options.inventory));
  return result(graphAsText(plan, options.format));
}

export function registerGraph(program: Command, finish: Finish): void {
  program
    .command('graph')
    .description('print who copies to whom (LAN copies, repository copies, removable drives) as a graph')
    .option('-i, --inventory <file>', 'inventory file (default: $KINDLING_INVENTORY, or the nearest inventory.yaml here or above)')
    .option('-f, --format <format>', 'mermaid or dot', 'mermaid')
    .addHelpText('after', '\nExamples:\n  kindling graph --format dot | dot -Tsvg > fleet.svg\n  kindling graph --format mermaid')
    .action((opts: { inventory?: string; format: string }) => {
      finish(runGraph(opts));
    });
}
