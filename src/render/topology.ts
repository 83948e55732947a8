// Who copies to whom, from the plan: LAN copies (wildfire to each target), repository copies
// (the REPOHOST to each COPYREPOHOST) and removable drives (an RBDHOST to its labelled drives).
// One edge list, drawn two ways: Mermaid for dist/README.md, Graphviz DOT for other tools.
// Pure and deterministic: hosts in name order, each host's edges in plan order.
import type { FleetPlan } from '../plan/model';

export type EdgeKind = 'lan' | 'repository' | 'removable';

export interface TopologyEdge {
  from: string;
  /** A host name, or the drives node of an RBDHOST (see drivesNode). */
  to: string;
  kind: EdgeKind;
}

export interface Topology {
  fleetName: string;
  hosts: string[];
  /** RBDHOSTs with their drive label pattern, e.g. cdot-backup-NNN. */
  drives: { host: string; label: string }[];
  edges: TopologyEdge[];
}

/** Name of the node that stands for HOST's removable drives. */
export function drivesNode(host: string): string {
  return `${host} drives`;
}

export function fleetTopology(fleet: FleetPlan): Topology {
  const hosts = fleet.hosts.map((h) => h.name).sort();
  const byName = new Map(fleet.hosts.map((h) => [h.name, h]));
  const edges: TopologyEdge[] = [];
  const drives: Topology['drives'] = [];
  for (const name of hosts) {
    const host = byName.get(name)!;
    for (const target of host.targets) edges.push({ from: name, to: target.host, kind: 'lan' });
    for (const copy of host.repository?.copies ?? []) edges.push({ from: name, to: copy.host, kind: 'repository' });
    if (host.removable) {
      drives.push({ host: name, label: `${host.removable.labelPrefix}NNN` });
      edges.push({ from: name, to: drivesNode(name), kind: 'removable' });
    }
  }
  return { fleetName: fleet.fleetName, hosts, drives, edges };
}

// Mermaid: node ids are "h_" + the host name with - turned into _ (host names are
// [a-z0-9-], so this is one-to-one and never a Mermaid keyword such as "end"); the
// drives of host X are "d_X". Labels are quoted, and " is written as Mermaid's #quot;.
const MERMAID_ARROWS: Record<EdgeKind, string> = {
  lan: '-->',
  repository: '==>|repository|',
  removable: '-.->|drives|',
};

function mermaidId(prefix: 'h' | 'd', host: string): string {
  return `${prefix}_${host.replace(/-/g, '_')}`;
}

function mermaidLabel(text: string): string {
  return `"${text.replace(/"/g, '#quot;')}"`;
}

/** A Mermaid flowchart (left to right), without the ``` fence. */
export function topologyAsMermaid(topology: Topology): string {
  const lines = ['flowchart LR'];
  for (const host of topology.hosts) lines.push(`  ${mermaidId('h', host)}[${mermaidLabel(host)}]`);
  for (const { host, label } of topology.drives) lines.push(`  ${mermaidId('d', host)}[(${mermaidLabel(`removable drives ${label}`)})]`);
  const drivesOf = new Map(topology.drives.map((d) => [drivesNode(d.host), d.host]));
  for (const edge of topology.edges) {
    const to = drivesOf.has(edge.to) ? mermaidId('d', drivesOf.get(edge.to)!) : mermaidId('h', edge.to);
    lines.push(`  ${mermaidId('h', edge.from)} ${MERMAID_ARROWS[edge.kind]} ${to}`);
  }
  return `${lines.join('\n')}\n`;
}

// DOT: every id is a quoted string (\ and " escaped), so any name is safe.
const DOT_EDGE_ATTRIBUTES: Record<EdgeKind, string> = {
  lan: '',
  repository: ' [label="repository", style=bold]',
  removable: ' [label="drives", style=dashed]',
};

function dotString(text: string): string {
  return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** A Graphviz digraph, for `dot -Tsvg`. */
export function topologyAsDot(topology: Topology): string {
  const lines = [`digraph ${dotString(topology.fleetName)} {`, '  rankdir=LR;', '  node [shape=box];'];
  for (const host of topology.hosts) lines.push(`  ${dotString(host)};`);
  for (const { host, label } of topology.drives) {
    lines.push(`  ${dotString(drivesNode(host))} [shape=cylinder, label=${dotString(`removable drives\n${label}`).replace(/\n/g, '\\n')}];`);
  }
  for (const edge of topology.edges) lines.push(`  ${dotString(edge.from)} -> ${dotString(edge.to)}${DOT_EDGE_ATTRIBUTES[edge.kind]};`);
  lines.push('}');
  return `${lines.join('\n')}\n`;
}
