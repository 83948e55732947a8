// `kindling diff [HOST…]`: a change reviewed before it is committed. The files compared are
// the output folder on disk against what generate would write, and the meaning is the
// inventory against its last commit; or, with --base REF|FILE, what that older inventory (a
// git ref of the same file, or a file) generates against what the inventory generates. Both
// sides run through pipeline.ts. HOST… limits the review to those hosts.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { Command } from 'commander';
import { EXIT, InputError } from '../errors';
import { isColourChoice, useColour, COLOUR_CHOICES, type ColourChoice } from '../format/colour';
import type { FleetPlan } from '../plan/model';
import { buildDist, buildPlan, type InventorySource } from '../pipeline';
import { compareRenderedFiles, type FileChange } from '../write/compare';
import { planDistChanges } from '../write/write-dist';
import { result, type CommandResult, type Finish } from './command';
import { selectHosts } from './plan';
import { locateInventory, locateOut } from './locate';
import { formatReview, reviewHasChanges, type Review } from './review-diff';
import { semanticChanges, type SemanticChange } from './semantic-diff';

export interface DiffOptions {
  inventory?: string;
  out?: string;
  /** A file, or a git ref (HEAD~1, main) at which the inventory file is read. */
  base?: string;
  /** Only these hosts; empty: every host and the fleet files. */
  hosts?: string[];
  stat?: boolean;
  /** Whether to colour the diffs; cli.ts decides from --color and the terminal. */
  colour?: boolean;
}

/** The inventory file as git has it at REF, or why it cannot be had. */
export function readInventoryFromGit(inventoryFile: string, ref: string): { label: string; text: string } | { label: string; reason: string } {
  const label = `${ref}:${basename(inventoryFile)}`;
  try {
    // REF:./NAME is NAME relative to the working folder, wherever the repository's root is.
    const text = execFileSync('git', ['show', `${ref}:./${basename(inventoryFile)}`], {
      cwd: dirname(inventoryFile),
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 15_000,
      maxBuffer: 64 * 1024 * 1024,
    });
    return { label, text };
  } catch {
    return { label, reason: `${label} is not in git` };
  }
}

/** The base of `--base BASE`: a file when one is there, else a git ref of the inventory file. */
function baseSource(base: string, inventory: string): InventorySource {
  if (existsSync(base)) return base;
  const fromGit = readInventoryFromGit(inventory, base);
  if ('reason' in fromGit) {
    throw new InputError(`--base ${base}: no such file, and ${fromGit.reason}\n  hint: give an older inventory file, or a git ref such as HEAD~1 or main`);
  }
  return { name: fromGit.label, text: fromGit.text };
}

/** The plan of the inventory in git HEAD, for the meaning of a default `kindling diff`, or why there is none. */
function semanticBaseFromGit(inventory: string, inventoryName: string): { label: string; plan?: FleetPlan; reason?: string } {
  const base = readInventoryFromGit(inventory, 'HEAD');
  if ('reason' in base) return { label: base.label, reason: `${base.reason} (use --base FILE or --base REF to compare with an older inventory)` };
  try {
    return { label: base.label, plan: buildPlan({ name: base.label, text: base.text }, { inventoryName }).plan };
  } catch (error) {
    if (error instanceof InputError) return { label: base.label, reason: `${base.label} is not a valid inventory for this kindling (${error.message})` };
    throw error;
  }
}

function concernsHosts(hosts: Set<string>): { file: (c: FileChange) => boolean; meaning: (c: SemanticChange) => boolean } {
  return {
    file: (c) => hosts.has(c.path.slice(0, c.path.indexOf('/'))),
    // A fleet-wide change (host undefined) concerns every host, so it stays.
    meaning: (c) => c.host === undefined || hosts.has(c.host),
  };
}

export function runDiff(options: DiffOptions): CommandResult {
  const inventory = locateInventory(options.inventory);
  const out = locateOut(options.out, inventory);
  const { files, plan } = buildDist(inventory);
  const hosts = options.hosts ?? [];
  selectHosts(plan, hosts, inventory); // unknown names fail before anything is compared

  let review: Review;
  if (options.base !== undefined) {
    const base = buildDist(baseSource(options.base, inventory), { inventoryName: plan.inventoryName });
    review = {
      compared: `${inventory} against ${options.base}`,
      outDir: out,
      changes: compareRenderedFiles(base.files, files),
      semantic: semanticChanges(base.plan, plan),
    };
  } else {
    const base = semanticBaseFromGit(inventory, plan.inventoryName);
    review = {
      compared: `${inventory} against ${out}/; meaning against ${base.label}`,
      outDir: out,
      changes: planDistChanges(out, files).changes,
      semantic: base.plan ? semanticChanges(base.plan, plan) : undefined,
      semanticNote: base.reason,
    };
  }
  if (hosts.length > 0) {
    const concerns = concernsHosts(new Set(hosts));
    review = { ...review, compared: `${review.compared}; hosts ${hosts.join(', ')}`, changes: review.changes.filter(concerns.file), semantic: review.semantic?.filter(concerns.meaning) };
  }
  const text = formatReview(review, { stat: options.stat === true, colour: options.colour === true });
  return result(text, { exitCode: reviewHasChanges(review) ? EXIT.changes : EXIT.ok });
}

export function registerDiff(program: Command, finish: Finish): void {
  program
    .command('diff')
    .argument('[hosts...]', 'only these hosts (default: every host and the fleet files)')
    .description('review a change: summary, what it means per host, then the diffs of dist/ grouped per host and file')
    .option('-i, --inventory <file>', 'inventory file (default: $KINDLING_INVENTORY, or the nearest inventory.yaml here or above)')
    .option('-o, --out <dir>', 'output folder (default: dist/ beside the inventory)')
    .option('--base <ref-or-file>', 'compare with what an older inventory generates: a git ref of the inventory file (HEAD~1, main) or a file')
    .option('--stat', 'the summary alone: counts, meaning, and files per host')
    .option('--color <when>', `colour the diffs: ${COLOUR_CHOICES.join(', ')} (auto: on a terminal, unless NO_COLOR is set)`, 'auto')
    .addHelpText(
      'after',
      '\nWithout --base, the files are dist/ against what generate would write, and the meaning is\n' +
        'the inventory against its last commit (git show HEAD:<inventory>), when git has it.\n' +
        '\nExamples:\n  kindling diff --color always | less -R\n  kindling diff --stat\n  kindling diff --base HEAD~1 chile\n  kindling diff --base /tmp/old.yaml\n' +
        'Exit 1 when there are changes, 0 when there are none.',
    )
    .action((hosts: string[], opts: { inventory?: string; out?: string; base?: string; stat?: boolean; color: string }) => {
      finish(runDiff({ inventory: opts.inventory, out: opts.out, base: opts.base, hosts, stat: opts.stat === true, colour: useColour(colourChoice(opts.color), process.stdout, process.env) }));
    });
}

/** --color's value, checked. */
export function colourChoice(text: string): ColourChoice {
  if (!isColourChoice(text)) throw new InputError(`--color must be one of ${COLOUR_CHOICES.join(', ')}, not '${text}'`);
  return text;
}
