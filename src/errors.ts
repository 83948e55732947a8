// Two kinds of failure, caught in exactly one place (cli.ts):
// InputError is bad input the user can fix (exit 2, no stack);
// InternalError is a bug in kindling (exit 3, with the stack and a request to report it).

export type Severity = 'error' | 'warning';

/** A path in the inventory document, e.g. ['hosts', 'chile', 'targets', 1]. */
export type DocPath = ReadonlyArray<string | number>;

export interface Position {
  line: number;
  column: number;
}

/** One problem found in the inventory, located in the file. It lives here, below every
 * folder, because InputError carries it: errors.ts then imports nothing. */
export interface Diagnostic {
  severity: Severity;
  file: string;
  position: Position | undefined;
  path: DocPath;
  message: string;
  hint?: string;
}

export class InputError extends Error {
  constructor(
    message: string,
    readonly diagnostics: Diagnostic[] = [],
  ) {
    super(message);
    this.name = 'InputError';
  }
}

export class InternalError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'InternalError';
  }
}

export const EXIT = {
  ok: 0,
  changes: 1,
  invalidInput: 2,
  internal: 3,
} as const;
