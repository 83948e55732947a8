// Two kinds of failure, caught in exactly one place (cli.ts):
// InputError is bad input the user can fix (exit 2, no stack);
// InternalError is a bug in kindling (exit 3, with the stack and a request to report it).
import type { Diagnostic } from './inventory/diagnostics';

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
