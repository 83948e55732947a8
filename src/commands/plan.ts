// `kindling plan [HOST…]`: what each host backs up, when, and where the copies go; with HOST…,
// each host's night step by step (night.ts); with --json, the plan for tools (plan-text.ts).
import type { Command } from 'commander';
import { InputError } from '../errors';
import { noun } from '../format/plural';
import type { FleetPlan, HostPlan } from '../plan/model';
import { buildPlan } from '../pipeline';
import { result, type CommandResult, type Finish } from './command';
import { locateInventory } from './locate';
import { hostNightAsText } from './night';
import { planAsJson, planAsText } from './plan-text';

export interface PlanOptions {
  inventory?: string;
  /** Only these hosts, in this order; empty: every host. */
  hosts?: string[];
  json?: boolean;
}

/** The hosts named, in the order given; InputError naming the unknown ones. */
export function selectHosts(plan: FleetPlan, names: string[], inventory: string): HostPlan[] {
  const byName = new Map(plan.hosts.map((h) => [h.name, h]));
  const unknown = names.filter((n) => !byName.has(n));
  if (unknown.length > 0) {
    throw new InputError(`unknown ${noun(unknown.length, 'host')} ${unknown.map((n) => `'${n}'`).join(', ')}; hosts of ${inventory}: ${plan.hosts.map((h) => h.name).join(', ')}`);
  }
  return names.map((n) => byName.get(n)!);
}

export function runPlan(options: PlanOptions): CommandResult {
  const inventory = locateInventory(options.inventory);
  const { plan, warnings } = buildPlan(inventory);
  const names = options.hosts ?? [];
  const hosts = names.length === 0 ? plan.hosts : selectHosts(plan, names, inventory);
  if (options.json) return result(planAsJson(plan, hosts));
  if (names.length === 0) return result(planAsText(hosts));
  return result(hosts.map((h) => hostNightAsText(h, plan, warnings)).join('\n'));
}

export function registerPlan(program: Command, finish: Finish): void {
  program
    .command('plan')
    .argument('[hosts...]', "only these hosts, each with its night step by step and its cron jobs")
    .description("print the plan: what each host backs up, when, and where the copies go; with HOST…, each host's night step by step")
    .option('-i, --inventory <file>', 'inventory file (default: $KINDLING_INVENTORY, or the nearest inventory.yaml here or above)')
    .option('--json', 'machine-readable output')
    .addHelpText('after', "\nExamples:\n  kindling plan chile\n  kindling plan --json chile iraq | jq '.hosts[].targets'")
    .action((hosts: string[], opts: { inventory?: string; json?: boolean }) => {
      finish(runPlan({ inventory: opts.inventory, hosts, json: opts.json === true }));
    });
}
