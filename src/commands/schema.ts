// `kindling schema`: the JSON Schema of the inventory, for editors and CI.
import type { Command } from 'commander';
import { result, type CommandResult, type Finish } from './command';

export function runSchema(): CommandResult {
  // Required here, not at the top: every other command starts without building the TypeBox schema.
  const { InventorySchema } = require('../inventory/schema') as typeof import('../inventory/schema');
  return result(`${JSON.stringify(InventorySchema, null, 2)}\n`);
}

export function registerSchema(program: Command, finish: Finish): void {
  program
    .command('schema')
    .description('print the JSON Schema of the inventory')
    .action(() => finish(runSchema()));
}
