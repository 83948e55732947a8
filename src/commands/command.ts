// The shape every command module shares. A command is `register<Name>(program, finish)`,
// which adds its commander definition, and `run<Name>(options)`, which does the work and
// returns what to print and the exit code, or throws InputError; cli.ts passes FINISH, the
// one place that prints a result and sets the exit code.
import type { Command } from 'commander';
import { formatDiagnostic, type Diagnostic } from '../inventory/diagnostics';
import { EXIT } from '../errors';
import { plural } from '../format/plural';

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export interface CommandResult {
  /** Printed to standard output as it is (ends with a newline when not empty). */
  stdout: string;
  /** Printed to standard error: warnings, notes. */
  stderr: string;
  exitCode: ExitCode;
}

/** Prints a result and sets the exit code; given by cli.ts to every register function. */
export type Finish = (result: CommandResult) => void;

/** Adds a command to PROGRAM; its action hands its CommandResult to FINISH. */
export type RegisterCommand = (program: Command, finish: Finish) => void;

export function result(stdout: string, options: { stderr?: string; exitCode?: ExitCode } = {}): CommandResult {
  return { stdout, stderr: options.stderr ?? '', exitCode: options.exitCode ?? EXIT.ok };
}

/** Diagnostics as validate prints them, one per line (file:line:column, message, hint). */
export function diagnosticsText(list: Diagnostic[]): string {
  return list.map((d) => `${formatDiagnostic(d)}\n`).join('');
}

/** "2 errors, 1 warning". */
export function countLine(list: Diagnostic[]): string {
  const errors = list.filter((d) => d.severity === 'error').length;
  return `${plural(errors, 'error')}, ${plural(list.length - errors, 'warning')}`;
}
