// `kindling graph`: the fleet's topology (who copies to whom) for other tools, in the same
// edges as the Mermaid picture of dist/README.md.
import { InputError } from '../errors';
import type { FleetPlan } from '../plan/model';
import { fleetTopology, topologyAsDot, topologyAsMermaid } from '../render/topology';

export const GRAPH_FORMATS = ['mermaid', 'dot'] as const;
export type GraphFormat = (typeof GRAPH_FORMATS)[number];

export function graphAsText(plan: FleetPlan, format: string): string {
  const topology = fleetTopology(plan);
  if (format === 'mermaid') return topologyAsMermaid(topology);
  if (format === 'dot') return topologyAsDot(topology);
  throw new InputError(`unknown graph format '${format}'; use one of: ${GRAPH_FORMATS.join(', ')}`);
}
