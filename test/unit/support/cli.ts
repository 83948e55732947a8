// Runs the built CLI (build/cli.js) as a user would, and helpers to snapshot a folder.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { HOST_DIGESTS_FILE } from '../../../src/write/write-dist';

export const REPO_ROOT = resolve(__dirname, '..', '..', '..', '..');
export const CLI = join(REPO_ROOT, 'build', 'cli.js');
// The seed fleet as a fixture: a copy of the inventory.yaml kindling ships with, so an admin
// may change the root inventory.yaml and dist/ freely without breaking a test.
export const SEED_INVENTORY = join(REPO_ROOT, 'test', 'fixtures', 'inventories', 'seed.yaml');
/** What SEED_INVENTORY generates (scripts/update-golden rewrites it). */
export const GOLDEN_SEED = join(REPO_ROOT, 'test', 'golden', 'seed');
export const FLEET20_INVENTORY = join(REPO_ROOT, 'test', 'fixtures', 'inventories', 'fleet20.yaml');

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): CliResult {
  return spawnInRepo(process.execPath, [CLI, ...args], options);
}

/** Runs COMMAND with colour off unless ENV says otherwise; the repository root is the default folder. */
function spawnInRepo(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv }): CliResult {
  const result = spawnSync(command, args, {
    cwd: options.cwd ?? REPO_ROOT,
    env: { ...process.env, NO_COLOR: '1', ...options.env },
    encoding: 'utf8',
    timeout: 60_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

const scratchDirs: string[] = [];
// Each test file runs in its own process: its scratch folders go when it exits, passed or failed.
process.on('exit', () => {
  for (const dir of scratchDirs) rmSync(dir, { recursive: true, force: true });
});

export function scratchDir(prefix = 'kindling-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  scratchDirs.push(dir);
  return dir;
}

export interface FileSnapshot {
  content: string;
  mode: number;
  mtimeMs: number;
}

/**
 * Every file below DIR with its content, mode and mtime, keyed by relative path; not the
 * digests generate keeps to skip unchanged hosts (a git-ignored cache, not output).
 */
export function snapshotTree(dir: string): Map<string, FileSnapshot> {
  const out = new Map<string, FileSnapshot>();
  const walk = (sub: string): void => {
    for (const name of readdirSync(join(dir, sub)).sort()) {
      if (sub === '' && name === HOST_DIGESTS_FILE) continue;
      const rel = sub === '' ? name : `${sub}/${name}`;
      const stat = statSync(join(dir, rel));
      if (stat.isDirectory()) walk(rel);
      else out.set(rel, { content: readFileSync(join(dir, rel), 'utf8'), mode: stat.mode & 0o777, mtimeMs: stat.mtimeMs });
    }
  };
  walk('');
  return out;
}

/**
 * Runs the CLI with its standard output piped into READER (a shell command such as `head -1`),
 * through a real pipe that the reader may close early. Returns kindling's own exit status and
 * standard error, and what the reader printed.
 */
export function runCliPiped(args: string[], reader: string, options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): CliResult {
  return spawnInRepo('bash', ['-c', `"$0" "$@" | ${reader}; exit "\${PIPESTATUS[0]}"`, process.execPath, CLI, ...args], options);
}
