// load → validate → plan → render, in one place, so every command runs the same stages.
import { loadInventory } from './inventory/load';
import { validateInventory, type ValidatedInventory } from './inventory/validate';
import type { FleetPlan } from './plan/model';
import { planFleet } from './plan/plan';
import { renderFleet, renderFleetInBatches, type RenderedFile } from './render/render';

export interface PipelineResult extends ValidatedInventory {
  plan: FleetPlan;
}

export function buildPlan(inventoryFile: string): PipelineResult {
  const validated = validateInventory(loadInventory(inventoryFile));
  return { ...validated, plan: planFleet(validated.inventory, validated.warnings) };
}

export function buildDist(inventoryFile: string): PipelineResult & { files: RenderedFile[] } {
  const result = buildPlan(inventoryFile);
  return { ...result, files: renderFleet(result.plan) };
}

/** Like buildDist, but the files are rendered batch by batch (a host folder each) as they are consumed. */
export function buildDistInBatches(inventoryFile: string): PipelineResult & { batches: Iterable<RenderedFile[]> } {
  const result = buildPlan(inventoryFile);
  return { ...result, batches: renderFleetInBatches(result.plan) };
}
