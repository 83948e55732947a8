// The contract of the host templates and of the bash they generate: templates only loop and
// interpolate (plan logic lives in src/render/host-document.ts), and every generated script of
// the seed fleet and of the 20-host fleet defines only functions it calls, keeps its lines to
// 100 columns and is as shfmt formats it. (bash -n and shellcheck: test/unit/cli/generate.test.ts.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { buildDist } from '../../../src/pipeline';
import { HOST_SCRIPTS } from '../../../src/plan/plan';
import { SCRIPT_LINE_WIDTH } from '../../../src/render/host-document';
import { TEMPLATES_DIR, type RenderedFile } from '../../../src/render/render';
import { FLEET20_INVENTORY, SEED_INVENTORY, scratchDir } from '../support/cli';

/** The flags shfmt formats the generated scripts with (README: "How it is built"). */
export const SHFMT_FLAGS = ['-i', '2', '-ci', '-bn'];

/** The code of each scriptlet of an EJS template: <% %>, <%_ _%>, <%= %> and <%- %>, not <%# %>. */
function scriptlets(template: string): string[] {
  return [...template.matchAll(/<%([_=-]?)(?!#)([\s\S]*?)[-_]?%>/g)].map((m) => m[2]!);
}

/** What in a scriptlet is plan logic: a declaration (other than a for-of loop variable), a function, an arrow. */
function planLogicIn(code: string): string[] {
  const withoutLoops = code.replace(/\bfor\s*\(\s*const\s+\w+\s+of\b/g, 'for (');
  return [...withoutLoops.matchAll(/\b(const|let|var|function)\b|=>/g)].map((m) => m[0]);
}

const scripts = new Set(HOST_SCRIPTS);

function renderedScripts(): RenderedFile[] {
  return [SEED_INVENTORY, FLEET20_INVENTORY].flatMap((inventory) =>
    buildDist(inventory).files.filter((f) => scripts.has(f.path.split('/')[1]!)),
  );
}

const rendered = renderedScripts();

test('the checks see every script of both fleets', () => {
  assert.equal(rendered.length, (7 + 20) * HOST_SCRIPTS.length);
});

test('host templates and library partials hold no plan logic: no declaration, function or arrow', () => {
  const files = ['host', 'lib'].flatMap((dir) => readdirSync(join(TEMPLATES_DIR, dir)).map((f) => join(TEMPLATES_DIR, dir, f)));
  assert.ok(files.length > 10);
  const offences = files.flatMap((file) =>
    scriptlets(readFileSync(file, 'utf8')).flatMap((code) => planLogicIn(code).map((what) => `${file}: ${what} in <%${code}%>`)),
  );
  assert.deepEqual(offences, []);
});

test('the plan-logic check finds a declaration, a helper function and an arrow function', () => {
  const caught = (template: string): string[] => scriptlets(template).flatMap(planLogicIn);
  assert.deepEqual(caught('<% const x = host.name; %>'), ['const']);
  assert.deepEqual(caught('<%- host.targets.map((t) => t.host) %>'), ['=>']);
  assert.deepEqual(caught('<% function f() {} %>'), ['function']);
  assert.deepEqual(caught('<% for (const a of host.archives) { -%><%= a.kind %><% } -%>'), []);
  assert.deepEqual(caught('<%# a note: const x => y %>'), []);
});

/** Functions a script defines ("name() {" at the start of a line). */
function definedFunctions(script: string): string[] {
  return [...script.matchAll(/^([A-Za-z_][A-Za-z0-9_]*)\(\) \{/gm)].map((m) => m[1]!);
}

/** A call of the function NAME: the name as a word, not followed by "(" (its definition). */
function callOf(name: string, flags: string): RegExp {
  return new RegExp(`(^|[^A-Za-z0-9_-])${name}(?![A-Za-z0-9_(-])`, flags);
}

/** Functions SCRIPT defines and never calls (a call: the name as a word outside its definition and comments). */
export function uncalledFunctions(script: string): string[] {
  const code = script
    .split('\n')
    .filter((line) => !/^\s*#/.test(line))
    .join('\n');
  return definedFunctions(script).filter((name) => {
    const uses = code.match(callOf(name, 'gm')) ?? [];
    return uses.length === 0;
  });
}

test('every function a generated script defines is called in it', () => {
  const offences = rendered.flatMap((f) => uncalledFunctions(f.content).map((name) => `${f.path}: ${name}`));
  assert.deepEqual(offences, []);
});

test('the unused-function check finds a function nobody calls', () => {
  assert.deepEqual(uncalledFunctions('used() {\n  :\n}\nunused() {\n  :\n}\n# unused is only named here\nused\n'), ['unused']);
});

/**
 * Lines longer than SCRIPT_LINE_WIDTH, outside the bodies of quoted here-documents: those are
 * files setup writes byte for byte (authorized_keys lines carry whole keys, crontab lines whole
 * commands), not bash.
 */
export function longLines(script: string): string[] {
  const long: string[] = [];
  let dataEnd: string | undefined;
  for (const [i, line] of script.split('\n').entries()) {
    if (dataEnd !== undefined) {
      if (line === dataEnd) dataEnd = undefined;
      continue;
    }
    const data = /<<'([A-Z_]+)'/.exec(line);
    if (data) dataEnd = data[1];
    if (line.length > SCRIPT_LINE_WIDTH) long.push(`${i + 1}: ${line.length} columns`);
  }
  return long;
}

test('no generated line is longer than 100 columns', () => {
  const offences = rendered.flatMap((f) => longLines(f.content).map((where) => `${f.path}:${where}`));
  assert.deepEqual(offences, []);
});

test('the line check finds a long line, but not in a quoted here-document', () => {
  const long = 'x'.repeat(SCRIPT_LINE_WIDTH + 1);
  assert.deepEqual(longLines(`a\n${long}\n`), ['2: 101 columns']);
  assert.deepEqual(longLines(`read -r -d '' K <<'KEYS_END' || true\n${long}\nKEYS_END\n`), []);
});

/**
 * Process substitutions (`< <(PRODUCER)`) whose producer may fail unseen. bash keeps the status
 * of a process substitution from the script: a producer that fails (find on a failing disk, a
 * sort, an awk) hands the loop a part of its list at most, and nothing counts it. So either the
 * producer cannot fail (it ends with `|| true`), or the next command after the statement that
 * reads it, comments aside, is a `wait "$!"` that gets its status; and then nothing in the
 * loop's body may move `$!` first (another process substitution or a background job, itself
 * or through a function it calls), or that wait would get another process's status.
 */
export function uncheckedProducers(script: string): string[] {
  const lines = script.split('\n');
  const moving = functionsMovingLastPid(script);
  const offences: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!lines[i]!.includes('< <(') || /^\s*#/.test(lines[i]!)) continue;
    let end = i;
    while (lines[end]!.endsWith('\\') && end + 1 < lines.length) end++;
    const statement = lines.slice(i, end + 1).join('\n');
    if (/\|\| true\)/.test(statement)) continue;
    let next = end + 1;
    while (next < lines.length && /^\s*(#|$)/.test(lines[next]!)) next++;
    if (next >= lines.length || !/\bwait "\$!"/.test(lines[next]!)) {
      offences.push(`${i + 1}: ${lines[i]!.trim()}`);
      continue;
    }
    const body = loopBody(lines, i);
    const mover = body === undefined ? undefined : lastPidMover(body, moving);
    if (mover !== undefined) offences.push(`${i + 1}: ${lines[i]!.trim()} (its loop's body moves $! with ${mover})`);
  }
  return offences;
}

/** Starts a process substitution or a background job (a line ending in a lone `&`). */
const MOVES_LAST_PID = /< <\(|(?<![&>|])&\s*$/m;

/** The text of the loop that the statement at line END (`done < <(…`) closes, or undefined if it closes none. */
function loopBody(lines: string[], end: number): string | undefined {
  const line = lines[end]!;
  // `do BODY; done` or `do BODY & done`: the & that ends a command is part of the body.
  const oneLine = /^\s*(while|until|for)\b.*?; do (.*?)(;|(?<![&>|])&) done < <\(/.exec(line);
  if (oneLine) return oneLine[3] === '&' ? `${oneLine[2]} &` : oneLine[2];
  if (!/^\s*done < <\(/.test(line)) return undefined;
  const indent = /^\s*/.exec(line)![0];
  for (let start = end - 1; start >= 0; start--) {
    if (lines[start]!.startsWith(`${indent}while `) || lines[start]!.startsWith(`${indent}until `) || lines[start]!.startsWith(`${indent}for `)) {
      return lines.slice(start + 1, end).join('\n');
    }
  }
  return undefined;
}

/** What in BODY moves `$!`: a process substitution, a background job, or a call to one of MOVING. */
function lastPidMover(body: string, moving: Set<string>): string | undefined {
  const code = body
    .split('\n')
    .filter((line) => !/^\s*#/.test(line))
    .join('\n');
  if (MOVES_LAST_PID.test(code)) return 'a process substitution or a background job';
  return [...moving].find((name) => callOf(name, 'm').test(code));
}

/** Functions SCRIPT defines whose call moves `$!`: they start a process substitution or a background job, or call one that does. */
function functionsMovingLastPid(script: string): Set<string> {
  const bodies = new Map<string, string>();
  for (const m of script.matchAll(/^([A-Za-z_][A-Za-z0-9_]*)\(\) \{\n([\s\S]*?)^\}$/gm)) bodies.set(m[1]!, m[2]!);
  const moving = new Set<string>();
  for (let grew = true; grew; ) {
    grew = false;
    for (const [name, body] of bodies) {
      if (!moving.has(name) && lastPidMover(body, moving) !== undefined) {
        moving.add(name);
        grew = true;
      }
    }
  }
  return moving;
}

test('every process substitution in a generated script cannot fail, or its status is checked', () => {
  const offences = rendered.flatMap((f) => uncheckedProducers(f.content).map((where) => `${f.path}:${where}`));
  assert.deepEqual(offences, []);
  // The scripts do read from process substitutions: the check is not vacuous.
  assert.ok(rendered.some((f) => f.content.includes('< <(')));
});

test('the producer check finds an unchecked producer, and accepts a checked or infallible one', () => {
  assert.deepEqual(uncheckedProducers('while read -r x; do\n  :\ndone < <(find /a \\\n  -print0)\necho done\n'), [
    '3: done < <(find /a \\',
  ]);
  assert.deepEqual(uncheckedProducers('done < <(find /a \\\n  -print0)\n# why\nwait "$!" || log_error x\n'), []);
  assert.deepEqual(uncheckedProducers('if ! wait "$!"; then :; fi\n'), []);
  assert.deepEqual(uncheckedProducers('done < <(blkid -o export || true)\n'), []);
  assert.deepEqual(uncheckedProducers('mapfile -t a < <(f)\nif ! wait "$!"; then exit 1; fi\n'), []);
  // A body that moves $! before the wait: itself, or through a function (transitively).
  const lister = 'lines() {\n  while read -r l; do :; done < <(head -n 2 -- "$1" || true)\n}\n';
  const logger = 'log_all() {\n  lines "$1"\n}\n';
  assert.deepEqual(uncheckedProducers(`${lister}${logger}while read -r x; do\n  log_all "$x"\ndone < <(find /a)\nwait "$!" || exit 1\n`), [
    '9: done < <(find /a) (its loop\'s body moves $! with log_all)',
  ]);
  assert.deepEqual(uncheckedProducers('while read -r x; do\n  sleep 1 &\ndone < <(find /a)\nwait "$!" || exit 1\n'), [
    '3: done < <(find /a) (its loop\'s body moves $! with a process substitution or a background job)',
  ]);
  assert.deepEqual(uncheckedProducers('while read -r x; do y[$x]=1 & done < <(f)\nwait "$!" || exit 1\n'), [
    '1: while read -r x; do y[$x]=1 & done < <(f) (its loop\'s body moves $! with a process substitution or a background job)',
  ]);
  // A command substitution or a redirection like 2>&1 in the body does not move $!.
  assert.deepEqual(uncheckedProducers('while read -r x; do\n  y=$(date 2>&1)\ndone < <(find /a)\nwait "$!" || exit 1\n'), []);
});

test('shfmt -d finds nothing to change in any generated script', () => {
  const dir = scratchDir();
  const paths = rendered.map((f) => {
    const path = join(dir, f.path);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, f.content);
    return path;
  });
  const result = spawnSync('shfmt', ['-d', ...SHFMT_FLAGS, ...paths], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  assert.ok(!result.error, 'shfmt must be installed (scripts/test-all installs it)');
  assert.equal(result.status, 0, result.stdout.slice(0, 4000) + result.stderr);
});
