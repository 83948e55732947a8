// `kindling schema`: the JSON Schema of the inventory, for editors and CI.
import type { Command } from 'commander';
import { InventorySchema } from '../inventory/schema';
import { result, type CommandResult, type Finish } from './command';

export function runSchema(): CommandResult {
  return result(`${JSON.stringify(InventorySchema, null, 2)}\n`);
}

export function registerSchema(program: Command, finish: Finish): void {
  program
    .command('schema')
    .description('print the JSON Schema of the inventory')
    .action(() => finish(runSchema()));
}
