// Unified diffs of a change set, coloured only for a terminal.
import { createTwoFilesPatch } from 'diff';
import type { FileChange } from '../write/write-dist';

export function useColour(stream: NodeJS.WriteStream): boolean {
  return Boolean(stream.isTTY) && process.env.NO_COLOR === undefined && process.env.TERM !== 'dumb';
}

const COLOURS = { add: '\u001b[32m', remove: '\u001b[31m', hunk: '\u001b[36m', head: '\u001b[1m', reset: '\u001b[0m' };

function colourLine(line: string): string {
  if (line.startsWith('+++') || line.startsWith('---') || line.startsWith('Index') || line.startsWith('====')) return `${COLOURS.head}${line}${COLOURS.reset}`;
  if (line.startsWith('+')) return `${COLOURS.add}${line}${COLOURS.reset}`;
  if (line.startsWith('-')) return `${COLOURS.remove}${line}${COLOURS.reset}`;
  if (line.startsWith('@@')) return `${COLOURS.hunk}${line}${COLOURS.reset}`;
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
