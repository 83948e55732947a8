// Who copies to whom, from the plan: LAN copies (wildfire to each target), repository copies
// (the REPOHOST to each COPYREPOHOST) and removable drives (an RBDHOST to its labelled drives).
// One edge list, drawn two ways: Mermaid for dist/README.md, Graphviz DOT for other tools.
// Both pictures label every arrow with what travels on it and mark the admin host, the one
// every host fetches its scripts from. Pure and deterministic: hosts in name order, each
// host's edges in plan order.
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
  /** The ADMHOST: serves every host its scripts (drawn marked, not as an arrow to each host). */
  adminHost: string;
  /** RBDHOSTs with their drive label pattern, e.g. cdot-backup-NNN. */
  drives: { host: string; label: string }[];
  edges: TopologyEdge[];
}

/** Name of the node that stands for HOST's removable drives. */
export function drivesNode(host: string): string {
  return `${host} drives`;
}

/** What the topology needs of one host: where its copies go (host names), and its drives' label. */
export interface TopologyRow {
  host: string;
  targets: readonly string[];
  repositoryCopies: readonly string[];
  /** The label pattern of its removable drives, e.g. cdot-backup-NNN; undefined without drives. */
  drives: string | undefined;
}

export function fleetTopology(fleet: FleetPlan): Topology {
  const rows = fleet.hosts.map(
    (h): TopologyRow => ({
      host: h.name,
      targets: h.targets.map((t) => t.host),
      repositoryCopies: h.repository?.copies.map((c) => c.host) ?? [],
      drives: h.removable ? `${h.removable.labelPrefix}NNN` : undefined,
    }),
  );
  return topologyOf(fleet, rows.sort((a, b) => (a.host < b.host ? -1 : a.host > b.host ? 1 : 0)));
}

/** The topology of FLEET from ROWS, one per host, in name order (the README's layout rows are). */
export function topologyOf(fleet: Pick<FleetPlan, 'fleetName' | 'adminHost'>, rows: readonly TopologyRow[]): Topology {
  const edges: TopologyEdge[] = [];
  const drives: Topology['drives'] = [];
  for (const row of rows) {
    for (const target of row.targets) edges.push({ from: row.host, to: target, kind: 'lan' });
    for (const copy of row.repositoryCopies) edges.push({ from: row.host, to: copy, kind: 'repository' });
    if (row.drives !== undefined) {
      drives.push({ host: row.host, label: row.drives });
      edges.push({ from: row.host, to: drivesNode(row.host), kind: 'removable' });
    }
  }
  return { fleetName: fleet.fleetName, hosts: rows.map((r) => r.host), adminHost: fleet.adminHost, drives, edges };
}

/** The words on an arrow of each kind, the same in both pictures. */
export const EDGE_LABELS: Record<EdgeKind, string> = {
  lan: 'LAN copy',
  repository: 'repository',
  removable: 'drives',
};

/** How a host is named in a picture: the admin host says that it is. */
export function hostLabel(topology: Topology, host: string): string {
  return host === topology.adminHost ? `${host} (admin host)` : host;
}

// Mermaid: node ids are "h_" + the host name with - turned into _ (host names are
// [a-z0-9-], so this is one-to-one and never a Mermaid keyword such as "end"); the
// drives of host X are "d_X". Labels are quoted, and " is written as Mermaid's #quot;.
const MERMAID_ARROWS: Record<EdgeKind, string> = {
  lan: `-->|${EDGE_LABELS.lan}|`,
  repository: `==>|${EDGE_LABELS.repository}|`,
  removable: `-.->|${EDGE_LABELS.removable}|`,
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
  for (const host of topology.hosts) lines.push(`  ${mermaidId('h', host)}[${mermaidLabel(hostLabel(topology, host))}]`);
  for (const { host, label } of topology.drives) lines.push(`  ${mermaidId('d', host)}[(${mermaidLabel(`removable drives ${label}`)})]`);
  const drivesOf = new Map(topology.drives.map((d) => [drivesNode(d.host), d.host]));
  for (const edge of topology.edges) {
    const to = drivesOf.has(edge.to) ? mermaidId('d', drivesOf.get(edge.to)!) : mermaidId('h', edge.to);
    lines.push(`  ${mermaidId('h', edge.from)} ${MERMAID_ARROWS[edge.kind]} ${to}`);
  }
  if (topology.hosts.includes(topology.adminHost)) {
    lines.push('  classDef admin stroke-width:4px', `  class ${mermaidId('h', topology.adminHost)} admin`);
  }
  return `${lines.join('\n')}\n`;
}

// DOT: every id is a quoted string (\ and " escaped), so any name is safe.
const DOT_EDGE_ATTRIBUTES: Record<EdgeKind, string> = {
  lan: ` [label="${EDGE_LABELS.lan}"]`,
  repository: ` [label="${EDGE_LABELS.repository}", style=bold]`,
  removable: ` [label="${EDGE_LABELS.removable}", style=dashed]`,
};

function dotString(text: string): string {
  return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** A Graphviz digraph, for `dot -Tsvg`. */
export function topologyAsDot(topology: Topology): string {
  const lines = [`digraph ${dotString(topology.fleetName)} {`, '  rankdir=LR;', '  node [shape=box];'];
  for (const host of topology.hosts) {
    const admin = host === topology.adminHost ? ` [label=${dotString(hostLabel(topology, host))}, peripheries=2, style=bold]` : '';
    lines.push(`  ${dotString(host)}${admin};`);
  }
  for (const { host, label } of topology.drives) {
    lines.push(`  ${dotString(drivesNode(host))} [shape=cylinder, label=${dotString(`removable drives\n${label}`).replace(/\n/g, '\\n')}];`);
  }
  for (const edge of topology.edges) lines.push(`  ${dotString(edge.from)} -> ${dotString(edge.to)}${DOT_EDGE_ATTRIBUTES[edge.kind]};`);
  lines.push('}');
  return `${lines.join('\n')}\n`;
}
