// `kindling validate [FILE]`: the inventory checked (schema, references, schedules, paths,
// capacity); with --strict, warnings fail too (as `helm lint --strict`).
import type { Command } from 'commander';
import { EXIT } from '../errors';
import { plural } from '../format/plural';
import { checkInventory } from '../pipeline';
import { countLine, diagnosticsText, result, type CommandResult, type Finish } from './command';
import { inventoryArgument, locateInventory } from './locate';

export interface ValidateOptions {
  /** The inventory file; undefined: found as locate.ts says. */
  inventory?: string;
  strict?: boolean;
}

export function runValidate(options: ValidateOptions): CommandResult {
  const inventory = locateInventory(options.inventory);
  const { warnings, inventory: checked } = checkInventory(inventory);
  const stderr = diagnosticsText(warnings);
  if (options.strict && warnings.length > 0) {
    return result('', {
      stderr: `${stderr}kindling: ${inventory}: ${plural(warnings.length, 'warning')}, and --strict fails on warnings\n`,
      exitCode: EXIT.invalidInput,
    });
  }
  return result(`${inventory}: valid, ${plural(checked.hosts.length, 'host')} (${countLine(warnings)})\n`, { stderr });
}

export function registerValidate(program: Command, finish: Finish): void {
  program
    .command('validate')
    .argument('[inventory]', 'inventory file (default: -i, $KINDLING_INVENTORY, or the nearest inventory.yaml here or above)')
    .description('check the inventory: schema, references, schedules, paths and capacity')
    .option('-i, --inventory <file>', 'inventory file')
    .option('--strict', 'warnings fail too (exit 2), as helm lint --strict')
    .addHelpText('after', '\nExamples:\n  kindling validate\n  kindling validate inventory.yaml --strict')
    .action((file: string | undefined, opts: { inventory?: string; strict?: boolean }) => {
      finish(runValidate({ inventory: inventoryArgument(file, opts.inventory), strict: opts.strict === true }));
    });
}
