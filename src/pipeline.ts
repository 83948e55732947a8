// load → validate → plan → render, in one place, so every command runs the same stages.
import { loadInventory } from './inventory/load';
import { validateInventory, type ValidatedInventory } from './inventory/validate';
import type { FleetPlan } from './plan/model';
import { planFleet } from './plan/plan';
import { renderFleet, type RenderedFile } from './render/render';

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
