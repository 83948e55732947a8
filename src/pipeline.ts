// load → validate → plan → render, in one place, so every command (and the base of a diff)
// runs the same stages.
import { loadInventory, parseInventory } from './inventory/load';
import { validateInventory, type ValidatedInventory } from './inventory/validate';
import { archiveCapacity } from './plan/capacity-check';
import type { FleetPlan } from './plan/model';
import { fleetPlanner, planFleet } from './plan/plan';
import { fleetBatchesByDigest, renderFleet, type HostBatch, type RenderedFile } from './render/render';

export interface PipelineResult extends ValidatedInventory {
  plan: FleetPlan;
}

/** An inventory file's path, or an inventory's text under a name (from git, say: HEAD~1:inventory.yaml). */
export type InventorySource = string | { name: string; text: string };

export interface PipelineOptions {
  /** The name the generated headers cite; default: the inventory's own. A diff's base renders under the name of the inventory it is compared with, so headers do not differ. */
  inventoryName?: string;
}

/**
 * load → validate: every diagnostic, no plan. The plan adds no diagnostics of its own (it
 * throws only InternalError), so validate stops here.
 */
export function checkInventory(source: InventorySource): ValidatedInventory {
  const loaded = typeof source === 'string' ? loadInventory(source) : parseInventory(source.name, source.text);
  return validateInventory(loaded, [archiveCapacity]);
}

export function buildPlan(source: InventorySource, options: PipelineOptions = {}): PipelineResult {
  const validated = checkInventory(source);
  const plan = planFleet(validated.inventory, validated.warnings);
  return { ...validated, plan: options.inventoryName === undefined ? plan : { ...plan, inventoryName: options.inventoryName } };
}

export function buildDist(source: InventorySource, options: PipelineOptions = {}): PipelineResult & { files: RenderedFile[] } {
  const result = buildPlan(source, options);
  return { ...result, files: renderFleet(result.plan) };
}

/**
 * Like buildDist, but the files are rendered batch by batch (a host folder each) as they are
 * consumed, and each host's folder only when its digest (with kindling's CODE, render.ts's
 * kindlingCode) says it may have changed. Each host is planned as its batch is reached
 * (fleetPlanner): no plan of the whole fleet is made, so its hosts' plans never sit in memory
 * together.
 */
export function buildDistInBatches(source: InventorySource, code: string): ValidatedInventory & { batches: Iterable<HostBatch | RenderedFile[]> } {
  const validated = checkInventory(source);
  return { ...validated, batches: fleetBatchesByDigest(fleetPlanner(validated.inventory, validated.warnings), code) };
}
