// A diagnostic is one problem found in the inventory, located in the file.
// Every stage appends to a list instead of throwing, so the user sees all problems at once.

import type { Diagnostic, DocPath, Position, Severity } from '../errors';

export type { Diagnostic, DocPath, Position, Severity } from '../errors';

/** Renders a document path as people read it: hosts.chile.targets[1]. */
export function formatDocPath(path: DocPath): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(part)) out += out === '' ? part : `.${part}`;
    else out += `[${JSON.stringify(part)}]`;
  }
  return out === '' ? '(document)' : out;
}

/** file:line:column severity: path: message, then the hint on its own line. */
export function formatDiagnostic(d: Diagnostic): string {
  const where = d.position ? `${d.file}:${d.position.line}:${d.position.column}` : d.file;
  const head = `${where}: ${d.severity}: ${formatDocPath(d.path)}: ${d.message}`;
  return d.hint ? `${head}\n  hint: ${d.hint}` : head;
}

/** Sorts by file position so the report reads top to bottom; stable for equal positions. */
export function sortDiagnostics(list: Diagnostic[]): Diagnostic[] {
  // Indexes are sorted, not {diagnostic, index} pairs: 16,000 warnings at 10,000 hosts.
  const order = list.map((_, index) => index);
  order.sort((a, b) => {
    const pa = list[a]!.position;
    const pb = list[b]!.position;
    const la = pa?.line ?? 0;
    const lb = pb?.line ?? 0;
    if (la !== lb) return la - lb;
    const ca = pa?.column ?? 0;
    const cb = pb?.column ?? 0;
    return ca !== cb ? ca - cb : a - b;
  });
  return order.map((index) => list[index]!);
}

/** At most this many diagnostics are printed: a paste of 10,000 bad lines must stay readable. */
export const MAX_SHOWN_DIAGNOSTICS = 50;

/**
 * LIST (sorted) cut to its first MAX_SHOWN_DIAGNOSTICS, then one more line that counts the
 * rest, so the reader sees where to start and how much is left.
 */
export function capDiagnostics(list: Diagnostic[], max = MAX_SHOWN_DIAGNOSTICS): Diagnostic[] {
  if (list.length <= max) return list;
  const rest = list.slice(max);
  const errors = rest.filter((d) => d.severity === 'error').length;
  const warnings = rest.length - errors;
  const counts = [errors > 0 ? `${errors.toLocaleString('en-US')} more error${errors === 1 ? '' : 's'}` : '', warnings > 0 ? `${warnings.toLocaleString('en-US')} more warning${warnings === 1 ? '' : 's'}` : '']
    .filter((s) => s !== '')
    .join(' and ');
  return [
    ...list.slice(0, max),
    {
      severity: rest[0]!.severity,
      file: rest[0]!.file,
      position: undefined,
      path: [],
      message: `${counts} not shown (only the first ${max} of ${list.length.toLocaleString('en-US')} are)`,
      hint: 'fix the first ones and run again: one mistake often causes many of the others',
    },
  ];
}

/** Collects diagnostics for one file; `at` looks up the position of a document path. */
export class DiagnosticList {
  readonly items: Diagnostic[] = [];
  constructor(
    readonly file: string,
    private readonly locate: (path: DocPath) => Position | undefined,
  ) {}

  error(path: DocPath, message: string, hint?: string): void {
    this.push('error', path, message, hint);
  }

  warning(path: DocPath, message: string, hint?: string): void {
    this.push('warning', path, message, hint);
  }

  get hasErrors(): boolean {
    return this.items.some((d) => d.severity === 'error');
  }

  /**
   * The diagnostics recorded so far by message. Keyed by message alone, which is nearly
   * always unique: a key of severity, path and message was a second copy of every message
   * (16,000 warnings at 10,000 hosts).
   */
  private readonly byMessage = new Map<string, Diagnostic[]>();

  private push(severity: Severity, path: DocPath, message: string, hint?: string): void {
    // A default shared by many hosts can break the same rule once per host: say it once.
    const sameMessage = this.byMessage.get(message);
    if (sameMessage !== undefined) {
      const pathKey = path.join('\u0000');
      if (sameMessage.some((d) => d.severity === severity && d.path.join('\u0000') === pathKey)) return;
    }
    const item: Diagnostic = { severity, file: this.file, position: this.locate(path), path, message };
    if (hint !== undefined) item.hint = hint;
    this.items.push(item);
    if (sameMessage === undefined) this.byMessage.set(message, [item]);
    else sameMessage.push(item);
  }
}
