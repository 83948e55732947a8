// `kindling diff` for review: a header summary ("3 hosts, 5 files changed, +40 −12"), what
// the change means in plain words (semantic-diff.ts), then the unified diffs grouped per host
// and file. The files compared are dist/ on disk against what generate would write, or, with
// --base FILE, what the base inventory generates against what the inventory generates.
import { execFileSync } from 'node:child_process';
import { basename, dirname } from 'node:path';
import { structuredPatch } from 'diff';
import { InputError } from '../errors';
import { parseInventory, type LoadedInventory } from '../inventory/load';
import { validateInventory } from '../inventory/validate';
import type { FleetPlan } from '../plan/model';
import { planFleet } from '../plan/plan';
import type { RenderedFile } from '../render/render';
import type { FileChange } from '../write/write-dist';
import { formatUnifiedDiff } from './diff-text';
import { formatSemanticChange, type SemanticChange } from './semantic-diff';

/** File changes from the BEFORE rendering to the AFTER rendering, in path order. */
export function compareRenderedFiles(before: RenderedFile[], after: RenderedFile[]): FileChange[] {
  const old = new Map(before.map((f) => [f.path, f]));
  const now = new Map(after.map((f) => [f.path, f]));
  const changes: FileChange[] = [];
  for (const path of [...new Set([...old.keys(), ...now.keys()])].sort()) {
    const b = old.get(path);
    const a = now.get(path);
    if (!b) changes.push({ path, kind: 'added', before: undefined, after: a!.content });
    else if (!a) changes.push({ path, kind: 'removed', before: b.content, after: undefined });
    else if (b.content !== a.content) changes.push({ path, kind: 'modified', before: b.content, after: a.content });
    else if (b.mode !== a.mode) changes.push({ path, kind: 'mode', before: b.content, after: a.content });
  }
  return changes;
}

/** The base inventory as git has it in HEAD, or why it cannot be had. */
export function readInventoryFromGit(inventoryFile: string): { label: string; text: string } | { label: string; reason: string } {
  const label = `HEAD:${basename(inventoryFile)}`;
  try {
    // HEAD:./NAME is NAME relative to the working folder, wherever the repository's root is.
    const text = execFileSync('git', ['show', `HEAD:./${basename(inventoryFile)}`], {
      cwd: dirname(inventoryFile),
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 15_000,
      maxBuffer: 64 * 1024 * 1024,
    });
    return { label, text };
  } catch {
    return { label, reason: `${label} is not in git (use --base FILE to compare with an older inventory)` };
  }
}

/** Plans a loaded base inventory; throws InputError when it is invalid. */
export function planInventory(loaded: LoadedInventory): FleetPlan {
  const validated = validateInventory(loaded);
  return planFleet(validated.inventory, validated.warnings);
}

/** The plan of the inventory in git HEAD, for the meaning of a default `kindling diff`, or why there is none. */
export function semanticBaseFromGit(inventoryFile: string): { label: string; plan?: FleetPlan; reason?: string } {
  const base = readInventoryFromGit(inventoryFile);
  if ('reason' in base) return { label: base.label, reason: base.reason };
  try {
    return { label: base.label, plan: planInventory(parseInventory(base.label, base.text)) };
  } catch (error) {
    if (error instanceof InputError) return { label: base.label, reason: `${base.label} is not a valid inventory for this kindling (${error.message})` };
    throw error;
  }
}

interface FileStat {
  change: FileChange;
  added: number;
  removed: number;
}

function countLines(change: FileChange): FileStat {
  let addedLines = 0;
  let removedLines = 0;
  if (change.kind !== 'mode') {
    const patch = structuredPatch('a', 'b', change.before ?? '', change.after ?? '', undefined, undefined, { context: 0 });
    for (const hunk of patch.hunks) {
      for (const line of hunk.lines) {
        if (line.startsWith('+')) addedLines += 1;
        else if (line.startsWith('-')) removedLines += 1;
      }
    }
  }
  return { change, added: addedLines, removed: removedLines };
}

/** Host folder of a dist/ path; '' for fleet-wide files such as README.md. */
function groupOf(path: string): string {
  const slash = path.indexOf('/');
  return slash < 0 ? '' : path.slice(0, slash);
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function totals(stats: FileStat[]): string {
  const plus = stats.reduce((sum, s) => sum + s.added, 0);
  const minus = stats.reduce((sum, s) => sum + s.removed, 0);
  return `+${plus} −${minus}`;
}

const KIND_WORDS: Record<FileChange['kind'], string> = { added: 'new', removed: 'removed', modified: 'changed', mode: 'mode changed' };

export interface Review {
  /** e.g. "inventory.yaml against dist/; meaning against HEAD:inventory.yaml". */
  compared: string;
  outDir: string;
  changes: FileChange[];
  /** undefined when the meaning could not be compared; semanticNote says why. */
  semantic: SemanticChange[] | undefined;
  semanticNote?: string;
}

export function reviewHasChanges(review: Review): boolean {
  return review.changes.length > 0 || (review.semantic?.length ?? 0) > 0;
}

/** The review as text: summary, meaning, per-host file stats, and (unless STAT) the diffs. */
export function formatReview(review: Review, options: { stat: boolean; colour: boolean }): string {
  const stats = review.changes.map(countLines);
  const groups = new Map<string, FileStat[]>();
  for (const s of stats) groups.set(groupOf(s.change.path), [...(groups.get(groupOf(s.change.path)) ?? []), s]);
  const hostGroups = [...groups.keys()].filter((g) => g !== '').sort();
  const order = groups.has('') ? [...hostGroups, ''] : hostGroups;

  const out: string[] = [`kindling diff: ${review.compared}`];
  out.push(`${plural(hostGroups.length, 'host')}, ${plural(stats.length, 'file')} changed, ${totals(stats)}`, '');
  if (review.semantic === undefined) out.push(`What the change means: not shown: ${review.semanticNote ?? 'no base to compare with'}`);
  else if (review.semantic.length === 0) out.push('What the change means: no change in meaning (the files differ through kindling itself, or dist/ is stale)');
  else out.push('What the change means:', ...review.semantic.map((c) => `  ${formatSemanticChange(c)}`));

  for (const group of order) {
    const list = groups.get(group)!;
    const width = Math.max(...list.map((s) => s.change.path.length - (group === '' ? 0 : group.length + 1)));
    out.push('', `${group === '' ? 'fleet files' : group}: ${plural(list.length, 'file')}, ${totals(list)}`);
    for (const s of list) {
      const name = group === '' ? s.change.path : s.change.path.slice(group.length + 1);
      out.push(`  ${name.padEnd(width)} | ${KIND_WORDS[s.change.kind]}, +${s.added} −${s.removed}`);
    }
    if (!options.stat) out.push(formatUnifiedDiff(review.outDir, list.map((s) => s.change), options.colour).replace(/\n$/, ''));
  }
  return `${out.join('\n')}\n`;
}
