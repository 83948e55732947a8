// `kindling sign`: signs each host's folder of a generated tree, on the reviewer's machine
// (never on the admin host that serves the files). Per host it writes MANIFEST, which binds
// the host name, a serial and the sha256 of SHA256SUMS, and MANIFEST.sig from
// `ssh-keygen -Y sign -n kindling`. kindling-fetch verifies the signature against the
// allowed signers that setup installs, and refuses a serial lower than the one it installed
// last, so an old set, even validly signed, cannot be served again.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../errors';

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

/** Writes MANIFEST and MANIFEST.sig into every host folder of options.dir. */
export function signDist(options: SignOptions): SignResult {
  if (!existsSync(options.key)) throw new InputError(`no key file ${options.key}`);
  const hosts = hostFolders(options.dir);
  if (hosts.length === 0) throw new InputError(`${options.dir} has no host folders (with SHA256SUMS) to sign`);
  const serial = options.serial ?? Math.max(Math.floor(Date.now() / 1000), highestSerial(options.dir, hosts) + 1);
  if (!Number.isSafeInteger(serial) || serial < 1 || String(serial).length > 18) {
    throw new InputError(`the serial must be a whole number from 1 to 18 digits, not ${serial}`);
  }
  for (const host of hosts) {
    const folder = join(options.dir, host);
    const manifest = join(folder, 'MANIFEST');
    writeFileSync(manifest, manifestText(host, serial, readFileSync(join(folder, 'SHA256SUMS'), 'utf8')), { mode: 0o644 });
    // ssh-keygen asks before it overwrites a signature; an old one is stale anyway.
    rmSync(`${manifest}.sig`, { force: true });
    try {
      execFileSync('ssh-keygen', ['-q', '-Y', 'sign', '-f', options.key, '-n', SIGNATURE_NAMESPACE, manifest], {
        stdio: ['inherit', 'pipe', 'pipe'],
      });
    } catch (error) {
      const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim();
      throw new InputError(`ssh-keygen could not sign ${manifest} with ${options.key}${stderr ? `: ${stderr}` : ''}`);
    }
  }
  return { hosts, serial };
}
