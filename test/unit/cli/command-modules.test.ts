// Every command is a module of src/commands/ exporting register<Name> and run<Name>, and
// every such module is wired into the command line (a new module that cli.ts forgets fails).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, runCli } from '../support/cli';

const COMMANDS_DIR = join(REPO_ROOT, 'src', 'commands');

function registeredModules(): { file: string; name: string }[] {
  return readdirSync(COMMANDS_DIR)
    .filter((f) => f.endsWith('.ts'))
    .flatMap((file) => {
      const match = /^export function register([A-Z][A-Za-z]*)\(program: Command, finish: Finish\): void/m.exec(readFileSync(join(COMMANDS_DIR, file), 'utf8'));
      return match ? [{ file, name: match[1]!.toLowerCase() }] : [];
    });
}

test('each command module exports register<Name>(program, finish) and run<Name>, and --help lists it', () => {
  const modules = registeredModules();
  assert.ok(modules.length >= 8, `only ${modules.map((m) => m.file).join(', ')}`);
  const help = runCli(['--help']).stdout;
  const listed = [...help.slice(help.indexOf('Commands:')).matchAll(/^  ([a-z]+)\b/gm)].map((m) => m[1]);
  for (const { file, name } of modules) {
    assert.match(readFileSync(join(COMMANDS_DIR, file), 'utf8'), new RegExp(`^export function run${name[0]!.toUpperCase()}${name.slice(1)}\\(`, 'mi'), `${file} has no run function`);
    assert.ok(listed.includes(name), `${file} registers '${name}', but kindling --help does not list it (add it to COMMANDS in src/cli.ts)`);
  }
});

test('cli.ts runs no stage itself: it imports only commander, errors.ts and commands/', () => {
  const imports = [...readFileSync(join(REPO_ROOT, 'src', 'cli.ts'), 'utf8').matchAll(/from '([^']+)'/g)].map((m) => m[1]!);
  assert.deepEqual(imports.filter((i) => !(i === 'commander' || i === './errors' || i.startsWith('./commands/'))), []);
});
