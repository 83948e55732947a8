// `kindling init [FILE]`: a commented starter inventory, never over an existing file.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { InputError } from '../errors';
import { TEMPLATES_DIR } from '../render/render';
import { result, type CommandResult, type Finish } from './command';
import { INVENTORY_NAME } from './locate';

export function runInit(options: { file: string }): CommandResult {
  const { file } = options;
  if (existsSync(file)) throw new InputError(`${file} exists already; kindling init never overwrites a file`);
  writeFileSync(file, readFileSync(join(TEMPLATES_DIR, 'init', 'inventory.yaml'), 'utf8'), { flag: 'wx' });
  return result(`wrote ${file}; edit it, then run kindling validate ${file}\n`);
}

export function registerInit(program: Command, finish: Finish): void {
  program
    .command('init')
    .argument('[file]', 'where to write the starter inventory', INVENTORY_NAME)
    .description('write a commented starter inventory (never overwrites)')
    .action((file: string) => finish(runInit({ file })));
}
