#!/usr/bin/env node
// The command line: the one place that catches errors and sets the exit code.
import { Command, CommanderError } from 'commander';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatDiagnostic, type Diagnostic } from './inventory/diagnostics';
import { InputError, InternalError, EXIT } from './errors';
import { buildDist, buildDistInBatches, buildPlan } from './pipeline';
import { planDistChanges, syncDist } from './write/write-dist';
import { useColour } from './commands/diff-text';
import { planAsJson, planAsText } from './commands/plan-text';
import { hostNightAsText } from './commands/night';
import { graphAsText } from './commands/graph';
import { semanticChanges } from './commands/semantic-diff';
import { compareRenderedFiles, formatReview, planInventory, reviewHasChanges, semanticBaseFromGit, type Review } from './commands/review-diff';
import { renderFleet } from './render/render';
import { loadInventory } from './inventory/load';
import { InventorySchema } from './inventory/schema';
import { TEMPLATES_DIR } from './render/render';
import { signDist } from './commands/sign';
import { runForecast, type ForecastCommandOptions } from './commands/forecast';

const DEFAULT_INVENTORY = 'inventory.yaml';
const DEFAULT_OUT = 'dist';

const EXIT_CODES_HELP = `
Exit codes:
  0  success
  1  --check or diff found changes
  2  invalid input (the inventory, or the command line)
  3  internal error in kindling (please report it, with the output)`;

function printDiagnostics(list: Diagnostic[]): void {
  for (const d of list) process.stderr.write(`${formatDiagnostic(d)}\n`);
}

function countLine(list: Diagnostic[]): string {
  const errors = list.filter((d) => d.severity === 'error').length;
  const warnings = list.length - errors;
  return `${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}`;
}

/** Throws the (already formatted) exit code; caught in main so that only main exits. */
class ExitRequest extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}

function buildProgram(): Command {
  const program = new Command();
  program
    .name('kindling')
    .description('Turns one reviewed inventory into the backup configuration (blaze, wildfire, crontab, setup, restore) of every host.')
    .showHelpAfterError()
    .exitOverride()
    .addHelpText('after', EXIT_CODES_HELP);

  program
    .command('validate')
    .description('check the inventory: schema, references, schedules, paths and capacity')
    .option('-i, --inventory <file>', 'inventory file', DEFAULT_INVENTORY)
    .addHelpText('after', '\nExample:\n  kindling validate -i inventory.yaml')
    .action((opts: { inventory: string }) => {
      const { warnings, plan } = buildPlan(opts.inventory);
      printDiagnostics(warnings);
      process.stdout.write(`${opts.inventory}: valid, ${plan.hosts.length} hosts (${countLine(warnings)})\n`);
    });

  program
    .command('generate')
    .description('render dist/<host>/ for every host; rewrites only files whose content changed')
    .option('-i, --inventory <file>', 'inventory file', DEFAULT_INVENTORY)
    .option('-o, --out <dir>', 'output folder', DEFAULT_OUT)
    .option('--check', 'write nothing; exit 1 and list the files that would change')
    .addHelpText('after', '\nExamples:\n  kindling generate\n  kindling generate --check      # CI: is the committed dist/ fresh?')
    .action((opts: { inventory: string; out: string; check?: boolean }) => {
      const { batches, warnings } = buildDistInBatches(opts.inventory);
      printDiagnostics(warnings);
      // Rendered, compared and staged one host at a time: a large fleet's tree never sits in memory.
      const summary = syncDist(opts.out, batches, opts.check === true);
      if (opts.check) {
        if (summary.changes.length === 0) {
          process.stdout.write(`${opts.out}/ is up to date (${summary.unchanged} files)\n`);
          return;
        }
        for (const c of summary.changes) process.stdout.write(`would ${c.kind === 'removed' ? 'remove' : 'write'}: ${opts.out}/${c.path}\n`);
        process.stdout.write(`${opts.out}/ is stale: ${summary.changes.length} files would change; run kindling generate\n`);
        throw new ExitRequest(EXIT.changes);
      }
      process.stdout.write(`${opts.out}/: ${summary.written} written, ${summary.unchanged} unchanged, ${summary.removed} removed\n`);
    });

  program
    .command('diff')
    .description('review a change: summary, what it means per host, then the diffs of dist/ grouped per host and file')
    .option('-i, --inventory <file>', 'inventory file', DEFAULT_INVENTORY)
    .option('-o, --out <dir>', 'output folder', DEFAULT_OUT)
    .option('--base <file>', 'compare with what this older inventory generates, instead of dist/ and git')
    .option('--stat', 'the summary alone: counts, meaning, and files per host')
    .addHelpText(
      'after',
      '\nWithout --base, the files are dist/ against what generate would write, and the meaning is\n' +
        'the inventory against its last commit (git show HEAD:<inventory>), when git has it.\n' +
        '\nExamples:\n  kindling diff | less -R\n  kindling diff --stat\n  git show HEAD~3:inventory.yaml > /tmp/old.yaml && kindling diff --base /tmp/old.yaml\n' +
        'Exit 1 when there are changes, 0 when there are none.',
    )
    .action((opts: { inventory: string; out: string; base?: string; stat?: boolean }) => {
      const { files, plan } = buildDist(opts.inventory);
      let review: Review;
      if (opts.base !== undefined) {
        // The base renders under the inventory's own name, so that headers do not differ.
        const basePlan = { ...planInventory(loadInventory(opts.base)), inventoryName: plan.inventoryName };
        review = {
          compared: `${opts.inventory} against ${opts.base}`,
          outDir: opts.out,
          changes: compareRenderedFiles(renderFleet(basePlan), files),
          semantic: semanticChanges(basePlan, plan),
        };
      } else {
        const base = semanticBaseFromGit(opts.inventory);
        review = {
          compared: `${opts.inventory} against ${opts.out}/; meaning against ${base.label}`,
          outDir: opts.out,
          changes: planDistChanges(opts.out, files).changes,
          semantic: base.plan ? semanticChanges(base.plan, plan) : undefined,
          semanticNote: base.reason,
        };
      }
      if (!reviewHasChanges(review)) return;
      process.stdout.write(formatReview(review, { stat: opts.stat === true, colour: useColour(process.stdout) }));
      throw new ExitRequest(EXIT.changes);
    });

  program
    .command('plan')
    .argument('[host]', 'only this host')
    .description('print the plan: what each host backs up, when, and where the copies go; with HOST, that host\'s night step by step')
    .option('-i, --inventory <file>', 'inventory file', DEFAULT_INVENTORY)
    .option('--json', 'machine-readable output')
    .addHelpText('after', '\nExamples:\n  kindling plan chile\n  kindling plan --json | jq \'.hosts[].targets\'')
    .action((host: string | undefined, opts: { inventory: string; json?: boolean }) => {
      const { plan, warnings } = buildPlan(opts.inventory);
      const hosts = host === undefined ? plan.hosts : plan.hosts.filter((h) => h.name === host);
      if (host !== undefined && hosts.length === 0) {
        throw new InputError(`unknown host '${host}'; hosts of ${opts.inventory}: ${plan.hosts.map((h) => h.name).join(', ')}`);
      }
      if (opts.json) process.stdout.write(planAsJson(plan, hosts));
      else process.stdout.write(host === undefined ? planAsText(hosts) : hostNightAsText(hosts[0]!, plan, warnings));
    });

  program
    .command('graph')
    .description('print who copies to whom (LAN copies, repository copies, removable drives) as a graph')
    .option('-i, --inventory <file>', 'inventory file', DEFAULT_INVENTORY)
    .option('-f, --format <format>', 'mermaid or dot', 'mermaid')
    .addHelpText('after', '\nExamples:\n  kindling graph --format dot | dot -Tsvg > fleet.svg\n  kindling graph --format mermaid')
    .action((opts: { inventory: string; format: string }) => {
      const { plan } = buildPlan(opts.inventory);
      process.stdout.write(graphAsText(plan, opts.format));
    });

  program
    .command('forecast')
    .argument('[host...]', 'only these hosts')
    .description("forecast each host's /archive night by night: when it crosses its free-space floor, when it is full, and because of whom")
    .option('-i, --inventory <file>', 'inventory file', DEFAULT_INVENTORY)
    .option('--nights <n>', 'nights to forecast (default 60)')
    .option('--growth <percent>', 'growth of every estimated size per night, in per cent (default 0)')
    .option('--from-log <file>', 'use the sizes the fleet wrote, from the aggregated log (blaze sizes= / bytes=, wildfire repository=)')
    .option('--json', 'machine-readable output')
    .addHelpText('after', '\nExamples:\n  kindling forecast hongkong\n  kindling forecast --nights 120 --growth 0.5\n  kindling forecast --from-log /var/log/blaze-wildfire.log')
    .action((hosts: string[], opts: Omit<ForecastCommandOptions, 'hosts'> & { inventory: string }) => {
      const { plan } = buildPlan(opts.inventory);
      const result = runForecast(plan, { ...opts, hosts });
      process.stdout.write(result.text);
      if (result.exitCode !== 0) throw new ExitRequest(result.exitCode);
    });

  program
    .command('schema')
    .description('print the JSON Schema of the inventory')
    .action(() => {
      process.stdout.write(`${JSON.stringify(InventorySchema, null, 2)}\n`);
    });

  program
    .command('init')
    .argument('[file]', 'where to write the starter inventory', DEFAULT_INVENTORY)
    .description('write a commented starter inventory (never overwrites)')
    .action((file: string) => {
      if (existsSync(file)) throw new InputError(`${file} exists already; kindling init never overwrites a file`);
      writeFileSync(file, readFileSync(join(TEMPLATES_DIR, 'init', 'inventory.yaml'), 'utf8'), { flag: 'wx' });
      process.stdout.write(`wrote ${file}; edit it, then run kindling validate -i ${file}\n`);
    });

  program
    .command('sign')
    .description("sign each host's SHA256SUMS (a MANIFEST with a serial) with ssh-keygen -Y sign, on the reviewer's machine")
    .requiredOption('--key <file>', 'private key of a reviewer listed in fleet.signing.allowedSigners (or its .pub with ssh-agent)')
    .option('-o, --out <dir>', 'the generated folder to sign, in place', DEFAULT_OUT)
    .option('--serial <number>', 'serial of this set (default: seconds since 1970, above any serial already there)')
    .addHelpText(
      'after',
      '\nExample:\n  kindling generate -o release && kindling sign --key ~/.ssh/id_ed25519 -o release\n' +
        'Hosts refuse a set whose serial is lower than the one they installed last.',
    )
    .action((opts: { key: string; out: string; serial?: string }) => {
      if (opts.serial !== undefined && !/^[0-9]{1,18}$/.test(opts.serial)) throw new InputError(`--serial must be a whole number, not '${opts.serial}'`);
      const result = signDist({ key: opts.key, dir: opts.out, serial: opts.serial === undefined ? undefined : Number(opts.serial) });
      process.stdout.write(`${opts.out}/: signed ${result.hosts.length} hosts (${result.hosts.join(', ')}) with serial ${result.serial}\n`);
    });

  return program;
}

function main(argv: string[]): number {
  try {
    buildProgram().parse(argv);
    return EXIT.ok;
  } catch (error) {
    if (error instanceof ExitRequest) return error.code;
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.exitCode === 0) return EXIT.ok;
      return EXIT.invalidInput;
    }
    if (error instanceof InputError) {
      if (error.diagnostics.length > 0) {
        printDiagnostics(error.diagnostics);
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

process.exitCode = main(process.argv);
