// The review `kindling diff` prints: a header summary ("3 hosts, 5 files changed, +40 −12"),
// what the change means in plain words (semantic-diff.ts), then the unified diffs grouped per
// host and file. Pure: commands/diff.ts gathers the changes.
import { structuredPatch } from 'diff';
import { plural } from '../format/plural';
import type { FileChange } from '../write/compare';
import { formatUnifiedDiff } from './diff-text';
import { formatSemanticChange, type SemanticChange } from './semantic-diff';

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
  if (!reviewHasChanges(review)) return `${out[0]}\nno changes\n`;
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
