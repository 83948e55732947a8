// Unified diffs of a change set, coloured when the caller says (format/colour.ts decides).
import { createTwoFilesPatch } from 'diff';
import { paint } from '../format/colour';
import type { FileChange } from '../write/compare';

function colourLine(line: string): string {
  if (line.startsWith('+++') || line.startsWith('---') || line.startsWith('Index')) return paint('bold', line);
  if (line.startsWith('+')) return paint('green', line);
  if (line.startsWith('-')) return paint('red', line);
  if (line.startsWith('@@')) return paint('cyan', line);
  return line;
}

/** One unified diff per changed file, in path order, a/ and b/ prefixes as git writes them. */
export function formatUnifiedDiff(outDir: string, changes: FileChange[], colour: boolean): string {
  const parts: string[] = [];
  for (const change of changes) {
    if (change.kind === 'mode') {
      parts.push(`mode changed: ${outDir}/${change.path}\n`);
      continue;
    }
    const before = change.before ?? '';
    const after = change.after ?? '';
    const patch = createTwoFilesPatch(
      change.kind === 'added' ? '/dev/null' : `a/${outDir}/${change.path}`,
      change.kind === 'removed' ? '/dev/null' : `b/${outDir}/${change.path}`,
      before,
      after,
      undefined,
      undefined,
      { context: 3 },
    );
    // Drop jsdiff's "====" banner line; keep the --- / +++ / @@ lines git users know.
    const body = patch.split('\n').filter((line) => !/^={10,}$/.test(line)).join('\n');
    parts.push(colour ? body.split('\n').map(colourLine).join('\n') : body);
  }
  return parts.join('');
}
