// `kindling generate [FILE]`: renders every host's folder into the output folder, rewriting
// only files whose content changed and naming every file it removes; with --check,
// writes nothing and fails when the folder is stale (CI).
import type { Command } from 'commander';
import { EXIT } from '../errors';
import type { Diagnostic } from '../inventory/diagnostics';
import type { HostBatch, RenderedFile } from '../render/render';
import { plural } from '../format/plural';
import { buildDistInBatches } from '../pipeline';
import { readInventoryText } from '../inventory/load';
import { inventoryDigest, kindlingCode } from '../render/render';
import { collectAsItGrows } from '../write/collector';
import { syncDist, unchangedDist } from '../write/write-dist';
import { diagnosticsText, result, type CommandResult, type Finish } from './command';
import { inventoryArgument, locateInventory, locateOut } from './locate';
import { kindlingVersion } from './version';

export interface GenerateOptions {
  inventory?: string;
  out?: string;
  check?: boolean;
}

/**
 * What generate renders from INVENTORY: its digest, and its batches and warnings, or, when
 * OUT is as the last generate with that digest left it (and not CHECK), that generate's warnings
 * and file count. A function of its own so that the inventory's text (3 MB at 10,000 hosts)
 * is not held by the caller's frame while every host is rendered.
 */
type GenerateInput =
  | { digest: string; same: { stderr: string; unchanged: number } }
  | { digest: string; same?: undefined; batches: Iterable<HostBatch | RenderedFile[]>; warnings: Diagnostic[] };

function generateInput(inventory: string, out: string, check: boolean): GenerateInput {
  // Its version and built code: a change to kindling without a version bump renders again.
  const code = kindlingCode(kindlingVersion());
  const text = readInventoryText(inventory);
  const digest = inventoryDigest(inventory, text, code);
  if (!check) {
    // The same inventory, templates and kindling as the last generate, and its files untouched:
    // the same output and warnings, without parsing or rendering (--check always renders).
    const same = unchangedDist(out, digest);
    if (same) return { digest, same };
  }
  const { batches, warnings } = buildDistInBatches({ name: inventory, text }, code);
  return { digest, batches, warnings };
}

export function runGenerate(options: GenerateOptions): CommandResult {
  const inventory = locateInventory(options.inventory);
  const out = locateOut(options.out, inventory);
  const input = generateInput(inventory, out, options.check === true);
  if (input.same) return result(`${out}/: 0 written, ${input.same.unchanged} unchanged, 0 removed\n`, { stderr: input.same.stderr });
  const { digest, batches, warnings } = input;
  // Made once the hosts are rendered: the warnings of 10,000 hosts are 8 MB of text.
  let warningsText: string | undefined;
  const stderrText = (): string => (warningsText ??= diagnosticsText(warnings));
  // Rendered, compared and staged one host at a time: a large fleet's tree never sits in
  // memory, nor, collected as the process grows, the garbage of rendering it.
  const summary = syncDist(out, collectAsItGrows(batches), options.check === true, () => ({ digest, stderr: stderrText() }));
  const stderr = stderrText();
  if (options.check) {
    if (summary.changes.length === 0) return result(`${out}/ is up to date (${plural(summary.unchanged, 'file')})\n`, { stderr });
    const lines = summary.changes.map((c) => `would ${c.kind === 'removed' ? 'remove' : 'write'}: ${out}/${c.path}\n`);
    lines.push(`${out}/ is stale: ${plural(summary.changes.length, 'file')} would change; run kindling generate\n`);
    return result(lines.join(''), { stderr, exitCode: EXIT.changes });
  }
  // Removals are named: a file kindling deletes from a host folder should never pass unseen.
  const removed = summary.changes.filter((c) => c.kind === 'removed').map((c) => `removed: ${out}/${c.path}\n`);
  return result(`${removed.join('')}${out}/: ${summary.written} written, ${summary.unchanged} unchanged, ${summary.removed} removed\n`, { stderr });
}

export function registerGenerate(program: Command, finish: Finish): void {
  program
    .command('generate')
    .argument('[inventory]', 'inventory file (default: -i, $KINDLING_INVENTORY, or the nearest inventory.yaml here or above)')
    .description('render <out>/<host>/ for every host; rewrites only files whose content changed')
    .option('-i, --inventory <file>', 'inventory file')
    .option('-o, --out <dir>', 'output folder (default: dist/ beside the inventory)')
    .option('--check', 'write nothing; exit 1 and list the files that would change')
    .addHelpText('after', '\nExamples:\n  kindling generate\n  kindling generate --check      # CI: is the committed dist/ fresh?')
    .action((file: string | undefined, opts: { inventory?: string; out?: string; check?: boolean }) => {
      finish(runGenerate({ inventory: inventoryArgument(file, opts.inventory), out: opts.out, check: opts.check === true }));
    });
}
