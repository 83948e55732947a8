// Where the inventory and the output folder are when the command line does not say: the
// inventory is -i FILE (or the positional FILE), else $KINDLING_INVENTORY, else the nearest
// inventory.yaml in the current folder or a folder above it (as git finds .git), so that an
// admin in a subfolder of the fleet's repository reaches the fleet's file. The output folder
// is -o DIR, else dist/ beside the inventory: the one the repository commits and the admin
// host serves, wherever the command was typed.
import { existsSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { InputError } from '../errors';

export const INVENTORY_NAME = 'inventory.yaml';
export const OUT_NAME = 'dist';
export const INVENTORY_ENV = 'KINDLING_INVENTORY';

export interface Where {
  cwd: string;
  env: NodeJS.ProcessEnv;
}

const HERE: Where = { get cwd() { return process.cwd(); }, get env() { return process.env; } };

/** PATH as the user should read it: relative to CWD when below or near it, else absolute. */
export function displayPath(path: string, cwd: string): string {
  const rel = relative(cwd, path);
  if (rel === '') return '.';
  if (rel.split(sep).filter((part) => part === '..').length > 3) return path;
  return rel;
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** The inventory file to read, as a path to print (relative to the current folder when near). */
export function locateInventory(given: string | undefined, where: Where = HERE): string {
  if (given !== undefined) {
    if (!existsSync(resolve(where.cwd, given))) {
      throw new InputError(`${given}: cannot read the inventory: ENOENT, no such file\n  hint: check the path, or write a starter inventory there with: kindling init ${given}`);
    }
    return given;
  }
  const fromEnv = where.env[INVENTORY_ENV];
  if (fromEnv !== undefined && fromEnv !== '') {
    if (!existsSync(resolve(where.cwd, fromEnv))) throw new InputError(`${INVENTORY_ENV}=${fromEnv}: no such file; unset it or point it at the fleet's inventory`);
    return fromEnv;
  }
  for (let dir = resolve(where.cwd); ; dir = dirname(dir)) {
    if (isFile(join(dir, INVENTORY_NAME))) return displayPath(join(dir, INVENTORY_NAME), where.cwd);
    if (dir === dirname(dir)) break;
  }
  throw new InputError(
    `no ${INVENTORY_NAME} in ${resolve(where.cwd)} or any folder above it\n` +
      `  hint: name the file with -i FILE (or set ${INVENTORY_ENV}), or write a starter one with: kindling init`,
  );
}

/** The output folder: GIVEN, else dist/ beside INVENTORY. */
export function locateOut(given: string | undefined, inventory: string): string {
  if (given !== undefined) return given;
  const folder = dirname(inventory);
  return folder === '.' ? OUT_NAME : join(folder, OUT_NAME);
}

/** The positional inventory or -i, not both unless they agree. */
export function inventoryArgument(positional: string | undefined, option: string | undefined): string | undefined {
  if (positional !== undefined && option !== undefined && positional !== option) {
    throw new InputError(`two inventories given: ${positional} and -i ${option}; give one`);
  }
  return positional ?? option;
}
