// `kindling sign`: signs each host's folder of a generated tree, on the reviewer's machine
// (never on the admin host that serves the files). Per host it writes MANIFEST, which binds
// the host name, a serial and the sha256 of SHA256SUMS, and MANIFEST.sig from
// `ssh-keygen -Y sign -n kindling`. kindling-fetch verifies the signature against the
// allowed signers that setup installs, and refuses a serial lower than the one it installed
// last, so an old set, even validly signed, cannot be served again.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { InputError } from '../errors';
import { plural } from '../format/plural';
import { buildPlan } from '../pipeline';
import type { RenderedFile } from '../render/render';
import { addToDist } from '../write/write-dist';
import { result, type CommandResult, type Finish } from './command';
import { locateInventory, locateOut } from './locate';

/** The ssh signature namespace; kindling-fetch verifies with the same one. */
export const SIGNATURE_NAMESPACE = 'kindling';

export interface SignOptions {
  /** Private key file (or a public key whose private half is in ssh-agent). */
  key: string;
  /** The generated tree: one folder per host, each with its SHA256SUMS. */
  dir: string;
  /** Serial for every host; default: seconds since 1970, above every serial already in DIR. */
  serial?: number;
}

export interface SignResult {
  hosts: string[];
  serial: number;
}

/** The text of a host's MANIFEST, as kindling-fetch parses it (four lines, in this order). */
export function manifestText(host: string, serial: number, sha256sums: string): string {
  const digest = createHash('sha256').update(sha256sums, 'utf8').digest('hex');
  return `kindling-manifest 1\nhost ${host}\nserial ${serial}\nsha256sums ${digest}\n`;
}

/** Host folders of DIR: those that hold a SHA256SUMS, sorted. */
function hostFolders(dir: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir).sort();
  } catch {
    throw new InputError(`${dir} is not a folder; generate it first (kindling generate -o ${dir})`);
  }
  return entries.filter((name) => statSync(join(dir, name)).isDirectory() && existsSync(join(dir, name, 'SHA256SUMS')));
}

/** The highest serial of the MANIFESTs already in DIR, or 0. */
function highestSerial(dir: string, hosts: string[]): number {
  let highest = 0;
  for (const host of hosts) {
    const file = join(dir, host, 'MANIFEST');
    if (!existsSync(file)) continue;
    const match = /^serial (\d+)$/m.exec(readFileSync(file, 'utf8'));
    if (match) highest = Math.max(highest, Number(match[1]));
  }
  return highest;
}

/** The ssh signature of TEXT (ssh-keygen -Y sign reading standard input, writing the signature to standard output). */
function signText(text: string, key: string, what: string): string {
  try {
    return execFileSync('ssh-keygen', ['-q', '-Y', 'sign', '-f', key, '-n', SIGNATURE_NAMESPACE], {
      input: text,
      encoding: 'utf8',
      stdio: ['pipe', 'pipe', 'pipe'],
    });
  } catch (error) {
    const stderr = (error as { stderr?: Buffer | string }).stderr?.toString().trim();
    throw new InputError(`ssh-keygen could not sign ${what} with ${key}${stderr ? `: ${stderr}` : ''}`);
  }
}

/** Signs every host folder of options.dir: its MANIFEST and MANIFEST.sig, written through write/ all or nothing. */
export function signDist(options: SignOptions): SignResult {
  if (!existsSync(options.key)) throw new InputError(`no key file ${options.key}`);
  const hosts = hostFolders(options.dir);
  if (hosts.length === 0) throw new InputError(`${options.dir} has no host folders (with SHA256SUMS) to sign`);
  const serial = options.serial ?? Math.max(Math.floor(Date.now() / 1000), highestSerial(options.dir, hosts) + 1);
  if (!Number.isSafeInteger(serial) || serial < 1 || String(serial).length > 18) {
    throw new InputError(`the serial must be a whole number from 1 to 18 digits, not ${serial}`);
  }
  const files: RenderedFile[] = [];
  for (const host of hosts) {
    const manifest = manifestText(host, serial, readFileSync(join(options.dir, host, 'SHA256SUMS'), 'utf8'));
    const signature = signText(manifest, options.key, `${join(options.dir, host, 'MANIFEST')}`);
    files.push({ path: `${host}/MANIFEST`, mode: 0o644, content: manifest }, { path: `${host}/MANIFEST.sig`, mode: 0o644, content: signature });
  }
  addToDist(options.dir, files);
  return { hosts, serial };
}

export interface SignCommandOptions {
  key: string;
  inventory?: string;
  out?: string;
  serial?: string;
}

/** Refuses a fleet without fleet.signing: its hosts would not verify, and generate --check would fail on the stray files. */
export function runSign(options: SignCommandOptions): CommandResult {
  const inventory = locateInventory(options.inventory);
  const out = locateOut(options.out, inventory);
  if (options.serial !== undefined && !/^[0-9]{1,18}$/.test(options.serial)) throw new InputError(`--serial must be a whole number, not '${options.serial}'`);
  const { plan } = buildPlan(inventory);
  if (!plan.hosts.some((h) => h.signing !== undefined)) {
    throw new InputError(
      `${inventory} has no fleet.signing: its hosts would not check a signature, so kindling sign writes nothing\n` +
        '  hint: add fleet.signing.allowedSigners (the reviewers\' public keys), run kindling generate, then sign',
    );
  }
  const signed = signDist({ key: options.key, dir: out, serial: options.serial === undefined ? undefined : Number(options.serial) });
  return result(`${out}/: signed ${plural(signed.hosts.length, 'host')} (${signed.hosts.join(', ')}) with serial ${signed.serial}\n`);
}

export function registerSign(program: Command, finish: Finish): void {
  program
    .command('sign')
    .description("sign each host's SHA256SUMS (a MANIFEST with a serial) with ssh-keygen -Y sign, on the reviewer's machine")
    .requiredOption('--key <file>', 'private key of a reviewer listed in fleet.signing.allowedSigners (or its .pub with ssh-agent)')
    .option('-i, --inventory <file>', 'inventory file, which must set fleet.signing (default: $KINDLING_INVENTORY, or the nearest inventory.yaml here or above)')
    .option('-o, --out <dir>', 'the generated folder to sign, in place (default: dist/ beside the inventory)')
    .option('--serial <number>', 'serial of this set (default: seconds since 1970, above any serial already there)')
    .addHelpText(
      'after',
      '\nExample:\n  kindling generate -o release && kindling sign --key ~/.ssh/id_ed25519 -o release\n' +
        'Hosts refuse a set whose serial is lower than the one they installed last.',
    )
    .action((opts: SignCommandOptions) => finish(runSign(opts)));
}
