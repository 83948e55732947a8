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

/** Up to this many targets, a host's peers are collected in a list, not a set. */
const FEW_TARGETS = 16;

/** Names of the hosts HOST connects to over ssh, sorted, without HOST itself. */
export function sshPeerNames(host: Host, hubs: SshHubs): string[] {
  if (host === hubs.repositoryHost || host.targets.length > FEW_TARGETS) {
    // A host with many peers (the repository host has every copy host): a set keeps it linear.
    const names = new Set(host.targets.map((t) => t.value));
    for (const copy of hubs.copyHosts) names.add(copy.name);
    if (hubs.admin) names.add(hubs.admin.name);
    if (hubs.aggregator) names.add(hubs.aggregator.name);
    names.delete(host.name);
    return [...names].sort();
  }
  // Every other host: its few targets and the two hubs, without a set per host (10,000 hosts).
  const names: string[] = [];
  const add = (name: string): void => {
    if (name !== host.name && !names.includes(name)) names.push(name);
  };
  for (const target of host.targets) add(target.value);
  if (hubs.admin) add(hubs.admin.name);
  if (hubs.aggregator) add(hubs.aggregator.name);
  return names.sort();
}
