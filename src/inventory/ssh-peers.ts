// Who opens ssh connections to whom. A host connects to its LAN targets (wildfire, restore),
// the repository copy hosts when it is the REPOHOST (wildfire), the admin host (kindling-fetch)
// and the aggregator (reports); never to itself. The plan gives each host a known_hosts of
// exactly these peers, and validate names the connections a missing key breaks.
import type { Host, Inventory } from './model';

/** The hosts whose roles make them peers of many: found once, so that lookups stay linear. */
export interface SshHubs {
  admin: Host | undefined;
  aggregator: Host | undefined;
  repositoryHost: Host | undefined;
  copyHosts: Host[];
}

export function sshHubs(inventory: Inventory): SshHubs {
  return {
    admin: inventory.hosts.find((h) => h.roles.includes('ADMHOST')),
    aggregator: inventory.hosts.find((h) => h.roles.includes('AGGREGHOST')),
    repositoryHost: inventory.hosts.find((h) => h.roles.includes('REPOHOST') && h.repository !== undefined),
    copyHosts: inventory.hosts.filter((h) => h.roles.includes('COPYREPOHOST')),
  };
}

/** Names of the hosts HOST connects to over ssh, sorted, without HOST itself. */
export function sshPeerNames(host: Host, hubs: SshHubs): string[] {
  const names = new Set(host.targets.map((t) => t.value));
  if (host === hubs.repositoryHost) for (const copy of hubs.copyHosts) names.add(copy.name);
  if (hubs.admin) names.add(hubs.admin.name);
  if (hubs.aggregator) names.add(hubs.aggregator.name);
  names.delete(host.name);
  return [...names].sort();
}
