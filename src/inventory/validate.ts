// The validation pipeline: schema (every error) → normalise → semantic rules.
// Returns the normalised inventory with its warnings, or throws one InputError carrying
// every error and warning found.
import { InputError } from '../errors';
import { capDiagnostics, DiagnosticList, sortDiagnostics, type Diagnostic } from './diagnostics';
import type { LoadedInventory } from './load';
import type { Inventory } from './model';
import { normalizeInventory } from './normalize';
import { checkRules, type Rule } from './rules';
import { validateAgainstSchema } from './validate-schema';

export interface ValidatedInventory {
  inventory: Inventory;
  warnings: Diagnostic[];
}

/** LATER_RULES are rules of later stages (the capacity forecast) that the pipeline hands in,
 * so that inventory/ imports nothing above it and every problem is still reported at once. */
export function validateInventory(loaded: LoadedInventory, laterRules: readonly Rule[] = []): ValidatedInventory {
  const problems = new DiagnosticList(loaded.file, loaded.locate);
  if (!validateAgainstSchema(loaded.data, problems)) {
    throw new InputError('the inventory does not match the schema', capDiagnostics(sortDiagnostics(problems.items)));
  }
  const inventory = normalizeInventory(loaded.file, loaded.data);
  checkRules(inventory, problems, laterRules);
  const sorted = sortDiagnostics(problems.items);
  if (problems.hasErrors) throw new InputError('the inventory has errors', capDiagnostics(sorted));
  return { inventory, warnings: sorted };
}
