#!/usr/bin/env -S MALLOC_ARENA_MAX=1 node --max-semi-space-size=8
// The command line: commander wiring for the command modules of commands/, and the one place
// that prints their results, catches errors and sets the exit code.
//
// --max-semi-space-size=8 on the #! line: V8 grows its young generation to two halves of 16
// MiB, which a long run then holds to its end. Held at 8, a first generate of 10,000 hosts
// peaked at 226-236 MiB against 237-241 (tmpfs, five runs each), in the same time (7.60 ±
// 0.39 s against 7.91 ± 0.64; 100 hosts 363 ± 22 against 349 ± 37 ms; bench/README.md,
// eleventh session). At 4 it was lower still, but 100 hosts took 13 % longer.
//
// MALLOC_ARENA_MAX=1 on the #! line: glibc gives each thread that calls malloc an arena of its
// own, and keeps what a thread freed in that thread's arena. V8's four helper threads compile
// optimised code there; during a first generate of 10,000 hosts their arenas held 34 MiB,
// a tenth of its peak. With one arena the memory one thread freed serves the next: the peak
// fell from 342-370 to 300-312 MiB, at the same speed (bench/README.md, tenth session).
// glibc reads the variable once, before any JavaScript runs, so only the command that starts
// node can set it; `env -S` (coreutils 8.30 and later) splits the line into its words.
import { Command, CommanderError } from 'commander';
import { InputError, InternalError, EXIT } from './errors';
import { countLine, diagnosticsText, type CommandResult, type RegisterCommand } from './commands/command';
import { kindlingVersion } from './commands/version';

/**
 * Every command, in the order `kindling --help` lists them. A command's module (and what it
 * imports: the pipeline, templates, diff, …) is loaded only when it is registered, and a run
 * of one command registers only that one: `kindling validate` does not load generate's writer.
 */
const COMMANDS: { name: string; load: () => RegisterCommand }[] = [
  { name: 'validate', load: () => (require('./commands/validate') as typeof import('./commands/validate')).registerValidate },
  { name: 'generate', load: () => (require('./commands/generate') as typeof import('./commands/generate')).registerGenerate },
  { name: 'diff', load: () => (require('./commands/diff') as typeof import('./commands/diff')).registerDiff },
  { name: 'plan', load: () => (require('./commands/plan') as typeof import('./commands/plan')).registerPlan },
  { name: 'forecast', load: () => (require('./commands/forecast') as typeof import('./commands/forecast')).registerForecast },
  { name: 'graph', load: () => (require('./commands/graph') as typeof import('./commands/graph')).registerGraph },
  { name: 'schema', load: () => (require('./commands/schema') as typeof import('./commands/schema')).registerSchema },
  { name: 'init', load: () => (require('./commands/init') as typeof import('./commands/init')).registerInit },
  { name: 'sign', load: () => (require('./commands/sign') as typeof import('./commands/sign')).registerSign },
];

/** The command ARGV runs, when its first argument names one; else every command (help, a typo's suggestion). */
function commandsFor(argv: string[]): RegisterCommand[] {
  const named = COMMANDS.find((command) => command.name === argv[2]);
  return (named ? [named] : COMMANDS).map((command) => command.load());
}

const EXIT_CODES_HELP = `
Exit codes:
  0  success
  1  --check or diff found changes
  2  invalid input (the inventory, or the command line; warnings too with validate --strict)
  3  internal error in kindling (please report it, with the output)`;

function buildProgram(argv: string[], finish: (result: CommandResult) => void): Command {
  const program = new Command();
  program
    .name('kindling')
    .description('Turns one reviewed inventory into the backup configuration (blaze, wildfire, crontab, setup, restore) of every host.')
    .version(kindlingVersion(), '-V, --version', 'print the version of kindling')
    .showHelpAfterError()
    .exitOverride()
    .addHelpText('after', EXIT_CODES_HELP);
  for (const register of commandsFor(argv)) register(program, finish);
  return program;
}

/**
 * A reader that stops early (`kindling diff | head`) closes the pipe: the rest of the output
 * has nowhere to go, which is not an error. Exit at once, quietly, with the code so far.
 */
function exitQuietlyOnClosedPipe(stream: NodeJS.WriteStream): void {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE' || error.code === 'ERR_STREAM_DESTROYED') process.exit(process.exitCode ?? EXIT.ok);
    throw error;
  });
}

function main(argv: string[]): number {
  let exitCode: number = EXIT.ok;
  const finish = (result: CommandResult): void => {
    process.stderr.write(result.stderr);
    process.stdout.write(result.stdout);
    exitCode = result.exitCode;
  };
  try {
    buildProgram(argv, finish).parse(argv);
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.exitCode === 0) return EXIT.ok;
      return EXIT.invalidInput;
    }
    if (error instanceof InputError) {
      if (error.diagnostics.length > 0) {
        process.stderr.write(diagnosticsText(error.diagnostics));
        process.stderr.write(`kindling: ${error.message} (${countLine(error.diagnostics)}); nothing was written\n`);
      } else {
        process.stderr.write(`kindling: ${error.message}\n`);
      }
      return EXIT.invalidInput;
    }
    const stack = error instanceof Error ? (error.stack ?? error.message) : String(error);
    const kind = error instanceof InternalError ? 'internal error' : 'unexpected error';
    process.stderr.write(`kindling: ${kind}: ${stack}\nThis is a bug in kindling; please report it with the command and this output.\n`);
    return EXIT.internal;
  }
}

exitQuietlyOnClosedPipe(process.stdout);
exitQuietlyOnClosedPipe(process.stderr);
process.exitCode = main(process.argv);
