// Issue 14: generate skips a host folder whose digest (plan, fleet settings, templates,
// kindling's version and built code) and files on disk are those the last generate left, and renders it
// again when any of them changed; --check always renders and compares.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, cpSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildPlan } from '../../../src/pipeline';
import { CODE_DIR, codeDigest, fleetBatchesByDigest, hostDigest, inventoryDigest, kindlingCode, renderHost, templatesDigest, TEMPLATES_DIR, type HostBatch, type RenderedFile } from '../../../src/render/render';
import { HOST_DIGESTS_FILE, syncDist, unchangedDist } from '../../../src/write/write-dist';
import { kindlingVersion } from '../../../src/commands/version';
import { REPO_ROOT, runCli, SEED_INVENTORY, scratchDir } from '../support/cli';

/** A host folder batch that counts its renders in RENDERED. */
function hostBatch(name: string, digest: string, text: string, rendered: string[]): HostBatch {
  return {
    folder: name,
    digest,
    render: (): RenderedFile[] => {
      rendered.push(name);
      return [
        { path: `${name}/blaze`, mode: 0o755, content: `#!/usr/bin/env bash\n# ${text}\n` },
        { path: `${name}/SHA256SUMS`, mode: 0o644, content: `${text}\n` },
      ];
    },
  };
}

function fleetOf(digests: Record<string, string>, rendered: string[]): HostBatch[] {
  return Object.entries(digests).map(([name, digest]) => hostBatch(name, digest, `${name} ${digest}`, rendered));
}

test('an unchanged host is not rendered again; a host whose digest changed is', () => {
  const out = join(scratchDir(), 'dist');
  const rendered: string[] = [];
  const first = syncDist(out, fleetOf({ alpha: 'a1', beta: 'b1' }, rendered), false);
  assert.deepEqual([first.written, first.skippedFolders, rendered], [4, 0, ['alpha', 'beta']]);
  assert.ok(existsSync(join(out, HOST_DIGESTS_FILE)));

  rendered.length = 0;
  const cacheBefore = readFileSync(join(out, HOST_DIGESTS_FILE), 'utf8');
  const again = syncDist(out, fleetOf({ alpha: 'a1', beta: 'b1' }, rendered), false);
  assert.deepEqual([again.written, again.unchanged, again.removed, again.skippedFolders, rendered], [0, 4, 0, 2, []]);
  assert.equal(readFileSync(join(out, HOST_DIGESTS_FILE), 'utf8'), cacheBefore, 'a no-change run rewrote the digests');

  const changed = syncDist(out, fleetOf({ alpha: 'a1', beta: 'b2' }, rendered), false);
  assert.deepEqual([changed.written, changed.skippedFolders, rendered], [2, 1, ['beta']]);
  assert.equal(readFileSync(join(out, 'beta', 'SHA256SUMS'), 'utf8'), 'beta b2\n');
});

test('a hand-edited, chmod-ed or added file makes its host render again: generate repairs it, --check reports it', () => {
  const out = join(scratchDir(), 'dist');
  const rendered: string[] = [];
  syncDist(out, fleetOf({ alpha: 'a1', beta: 'b1' }, rendered), false);

  // Same size, other bytes: only the mtime tells.
  writeFileSync(join(out, 'alpha', 'SHA256SUMS'), 'ALPHA a1\n');
  rendered.length = 0;
  const check = syncDist(out, fleetOf({ alpha: 'a1', beta: 'b1' }, rendered), true);
  assert.deepEqual(check.changes, [{ path: 'alpha/SHA256SUMS', kind: 'modified' }]);
  assert.deepEqual(rendered, ['alpha', 'beta'], '--check must render and compare every host');
  rendered.length = 0;
  const repaired = syncDist(out, fleetOf({ alpha: 'a1', beta: 'b1' }, rendered), false);
  assert.deepEqual([repaired.written, rendered], [1, ['alpha']]);
  assert.equal(readFileSync(join(out, 'alpha', 'SHA256SUMS'), 'utf8'), 'alpha a1\n');

  chmodSync(join(out, 'beta', 'blaze'), 0o700);
  rendered.length = 0;
  assert.equal(syncDist(out, fleetOf({ alpha: 'a1', beta: 'b1' }, rendered), false).written, 1);
  assert.deepEqual(rendered, ['beta']);

  writeFileSync(join(out, 'beta', 'stray'), 'left here\n');
  rendered.length = 0;
  const stray = syncDist(out, fleetOf({ alpha: 'a1', beta: 'b1' }, rendered), false);
  assert.deepEqual([stray.removed, rendered], [1, ['beta']]);
  assert.equal(existsSync(join(out, 'beta', 'stray')), false);
});

test('a failed render leaves the digests as they were (all or nothing)', () => {
  const out = join(scratchDir(), 'dist');
  syncDist(out, fleetOf({ alpha: 'a1' }, []), false);
  const before = readFileSync(join(out, HOST_DIGESTS_FILE), 'utf8');
  const failing: HostBatch = { folder: 'beta', digest: 'b1', render: () => { throw new Error('template failed'); } };
  assert.throws(() => syncDist(out, [...fleetOf({ alpha: 'a2' }, []), failing], false), /template failed/);
  assert.equal(readFileSync(join(out, HOST_DIGESTS_FILE), 'utf8'), before);
});

test('the digests file, written host by host, is the JSON of every folder and the run, however large', () => {
  const out = join(scratchDir(), 'dist');
  const names = Array.from({ length: 2000 }, (_, i) => `host-${String(i).padStart(4, '0')}`);
  // Long digests make the file about 2 MB: written in several pieces.
  const digestsOf = (round: string): Record<string, string> => Object.fromEntries(names.map((name, i) => [name, `${i % 2 === 0 ? 'even' : round}-${'d'.repeat(1000)}`]));
  const run = { digest: 'run-1', stderr: 'warning: a text that is not ASCII, “quoted” …\n' };
  syncDist(out, fleetOf(digestsOf('a'), []), false, run);
  const first = readFileSync(join(out, HOST_DIGESTS_FILE), 'utf8');
  assert.ok(Buffer.byteLength(first) > 2_000_000, `only ${Buffer.byteLength(first)} bytes: not several pieces`);
  const parsed = JSON.parse(first) as { version: number; hosts: Record<string, { digest: string; files: unknown[] }>; run: unknown };
  assert.equal(first, `${JSON.stringify(parsed)}\n`, 'not the bytes JSON.stringify writes');
  assert.deepEqual(Object.keys(parsed.hosts), names);
  assert.equal(parsed.hosts['host-0001']!.digest, digestsOf('a')['host-0001']);
  assert.equal(parsed.hosts['host-0001']!.files.length, 2);
  assert.deepEqual(parsed.run, run);
  assert.deepEqual(unchangedDist(out, 'run-1'), { stderr: run.stderr, unchanged: 2 * names.length });

  // Half the hosts changed: the others' entries are taken over as they were, in the same file.
  const rendered: string[] = [];
  syncDist(out, fleetOf(digestsOf('b'), rendered), false, { ...run, digest: 'run-2' });
  assert.equal(rendered.length, names.length / 2);
  const second = readFileSync(join(out, HOST_DIGESTS_FILE), 'utf8');
  const again = JSON.parse(second) as typeof parsed;
  assert.equal(second, `${JSON.stringify(again)}\n`);
  assert.deepEqual(Object.keys(again.hosts).sort(), names);
  assert.deepEqual(again.hosts['host-0000'], parsed.hosts['host-0000'], 'a host taken over must keep its entry');
  assert.equal(again.hosts['host-0001']!.digest, digestsOf('b')['host-0001']);
  assert.equal(unchangedDist(out, 'run-2')?.unchanged, 2 * names.length);
  assert.equal(unchangedDist(out, 'run-1'), undefined);
});

test("the run's warnings, however long, are stored as JSON.stringify stores them", () => {
  const out = join(scratchDir(), 'dist');
  // Escaped a slice of 65,536 characters at a time: a surrogate pair across a slice's end, a
  // quote, a backslash, control characters and a lone surrogate must come out as one stringify.
  const stderr = `${'a'.repeat(65_535)}😀"\\\t\u0001${'é\n'.repeat(70_000)}\ud800x${'b'.repeat(65_530)}\ud83d`;
  const run = { digest: 'run-long', stderr };
  syncDist(out, fleetOf({ alpha: 'a1' }, []), false, run);
  const text = readFileSync(join(out, HOST_DIGESTS_FILE), 'utf8');
  assert.ok(text.endsWith(`,"run":${JSON.stringify(run)}}\n`), 'the run is not the bytes JSON.stringify writes');
  assert.deepEqual(unchangedDist(out, 'run-long'), { stderr, unchanged: 2 });
});

test('a digests file that cannot be written only costs a render: the files are in place', () => {
  const out = join(scratchDir(), 'dist');
  syncDist(out, fleetOf({ alpha: 'a1' }, []), false);
  // Its temporary name taken by a link into a folder that does not exist: it cannot be opened.
  symlinkSync('/nonexistent-kindling-test/digests', join(out, `.kindling-tmp-${process.pid}${HOST_DIGESTS_FILE}`));
  const rendered: string[] = [];
  const changed = syncDist(out, fleetOf({ alpha: 'a2', beta: 'b1' }, rendered), false);
  assert.deepEqual([changed.written, rendered], [4, ['alpha', 'beta']]);
  assert.equal(readFileSync(join(out, 'beta', 'SHA256SUMS'), 'utf8'), 'beta b1\n');
  assert.equal(existsSync(join(out, `.kindling-tmp-${process.pid}${HOST_DIGESTS_FILE}`)), false, 'the temporary name must be cleared');
  rendered.length = 0;
  syncDist(out, fleetOf({ alpha: 'a2', beta: 'b1' }, rendered), false);
  assert.deepEqual(rendered, ['alpha', 'beta'], 'with the old digests, both hosts render again');
});

test('a corrupt digests file only costs a render', () => {
  const out = join(scratchDir(), 'dist');
  syncDist(out, fleetOf({ alpha: 'a1' }, []), false);
  appendFileSync(join(out, HOST_DIGESTS_FILE), '}{');
  const rendered: string[] = [];
  assert.equal(syncDist(out, fleetOf({ alpha: 'a1' }, rendered), false).written, 0);
  assert.deepEqual(rendered, ['alpha']);
});

test("a host's digest changes with its plan, the fleet's settings, kindling's version and the templates", () => {
  const { plan } = buildPlan(SEED_INVENTORY);
  const host = plan.hosts[0]!;
  const base = hostDigest(host, plan, '1.0.0');
  assert.equal(hostDigest(structuredClone(host), structuredClone(plan), '1.0.0'), base);
  assert.notEqual(hostDigest(host, plan, '1.0.1'), base);
  assert.notEqual(hostDigest({ ...host, retention: { ...host.retention, localDays: host.retention.localDays + 1 } }, plan, '1.0.0'), base);
  assert.notEqual(hostDigest(host, { ...plan, distServeDir: `${plan.distServeDir}x` }, '1.0.0'), base);
  // Only what JSON keeps is digested: a plan must stay plain data (no Map, Set or function).
  const assertPlain = (value: unknown, path: string): void => {
    if (value === null || ['string', 'number', 'boolean', 'undefined'].includes(typeof value)) return;
    if (Array.isArray(value)) return value.forEach((item, i) => assertPlain(item, `${path}[${i}]`));
    assert.equal(Object.getPrototypeOf(value), Object.prototype, `${path} is not plain data`);
    for (const [key, item] of Object.entries(value as object)) assertPlain(item, `${path}.${key}`);
  };
  for (const each of plan.hosts) assertPlain(each, each.name);

  const templates = join(scratchDir(), 'templates');
  cpSync(TEMPLATES_DIR, templates, { recursive: true });
  assert.equal(templatesDigest(templates), templatesDigest());
  appendFileSync(join(templates, 'lib', 'preamble.ejs'), '\n');
  assert.notEqual(templatesDigest(templates), templatesDigest());
});

test("a changed file of kindling's built code makes every host render again; a changed source map does not", () => {
  const code = join(scratchDir(), 'build');
  cpSync(CODE_DIR, code, { recursive: true });
  assert.equal(codeDigest(code), codeDigest());
  assert.match(kindlingCode('1.0.0'), new RegExp(`^1\\.0\\.0 ${codeDigest()}$`));
  const before = codeDigest(code);
  appendFileSync(join(code, 'render', 'render.js.map'), '\n');
  assert.equal(codeDigest(code), before, 'a source map is not code');
  appendFileSync(join(code, 'render', 'render.js'), '\n// changed\n');
  const after = codeDigest(code);
  assert.notEqual(after, before);

  const { plan } = buildPlan(SEED_INVENTORY);
  const out = join(scratchDir(), 'dist');
  const generate = (version: string): string[] => {
    const rendered: string[] = [];
    // A new folder is drawn without its SHA256SUMS (the writer thread sums it), the fleet files
    // with their README in sections: any of them counts.
    const counted = <T>(folder: string, draw: () => T) => (): T => (rendered.push(folder), draw());
    const batches = [...fleetBatchesByDigest(plan, `1.0.0 ${version}`)].map((b) => ({
      ...b,
      render: counted(b.folder, b.render),
      renderWithoutSums: b.renderWithoutSums && counted(b.folder, b.renderWithoutSums),
      renderInSections: b.renderInSections && counted(b.folder, b.renderInSections),
    }));
    syncDist(out, batches, false);
    return rendered;
  };
  const everyFolder = [...plan.hosts.map((h) => h.name), ''];
  assert.deepEqual(generate(before), everyFolder);
  assert.deepEqual(generate(before), [], 'the same code: nothing rendered');
  assert.deepEqual(generate(after), everyFolder, 'one build file changed, the version not: every host rendered again');
});

test("the fleet's batches render byte-identical files, and a host's files cannot read the other hosts", () => {
  const { plan } = buildPlan(SEED_INVENTORY);
  const batches = [...fleetBatchesByDigest(plan, '1.0.0')];
  assert.deepEqual(batches.map((b) => b.folder), [...plan.hosts.map((h) => h.name), '']);
  assert.deepEqual(batches[0]!.render(), renderHost(plan.hosts[0]!, plan));
  // A new folder's files without SHA256SUMS (the writer thread writes it from their bytes).
  assert.deepEqual(batches[0]!.renderWithoutSums!(), renderHost(plan.hosts[0]!, plan).filter((f) => !f.path.endsWith('/SHA256SUMS')));
  // The fleet files' digest covers every host's: one host changed, the README is drawn again.
  const changed = { ...plan, hosts: plan.hosts.map((h, i) => (i === 0 ? { ...h, description: `${h.description ?? ''}x` } : h)) };
  assert.notEqual([...fleetBatchesByDigest(changed, '1.0.0')].at(-1)!.digest, batches.at(-1)!.digest);
});

test('a whole generate is stamped: the same run digest over untouched files gives its warnings and file count, anything else gives nothing', () => {
  const out = join(scratchDir(), 'dist');
  const run = { digest: 'r1', stderr: 'a warning\n' };
  syncDist(out, fleetOf({ alpha: 'a1', beta: 'b1' }, []), false, run);
  assert.deepEqual(unchangedDist(out, 'r1'), { stderr: 'a warning\n', unchanged: 4 });
  assert.equal(unchangedDist(out, 'r2'), undefined, 'another inventory, template or version');
  // --check stamps nothing.
  syncDist(out, fleetOf({ alpha: 'a1', beta: 'b1' }, []), true, { digest: 'r9', stderr: '' });
  assert.equal(unchangedDist(out, 'r9'), undefined);

  writeFileSync(join(out, 'alpha', 'blaze'), '#!/usr/bin/env bash\n# ALPHA a1\n');
  assert.equal(unchangedDist(out, 'r1'), undefined, 'a hand-edited file');
  syncDist(out, fleetOf({ alpha: 'a1', beta: 'b1' }, []), false, run);
  assert.deepEqual(unchangedDist(out, 'r1'), { stderr: 'a warning\n', unchanged: 4 });

  // A generated folder that the run does not know is one a generate would remove.
  mkdirSync(join(out, 'gamma'));
  writeFileSync(join(out, 'gamma', 'SHA256SUMS'), 'gamma\n');
  assert.equal(unchangedDist(out, 'r1'), undefined, 'a generated folder left over');
  const removed = syncDist(out, fleetOf({ alpha: 'a1', beta: 'b1' }, []), false, run);
  assert.equal(removed.removed, 1);
  assert.deepEqual(unchangedDist(out, 'r1'), { stderr: 'a warning\n', unchanged: 4 });

  // A run whose warnings changed (the same hosts) is stamped again.
  syncDist(out, fleetOf({ alpha: 'a1', beta: 'b1' }, []), false, { digest: 'r3', stderr: '' });
  assert.deepEqual(unchangedDist(out, 'r3'), { stderr: '', unchanged: 4 });
  assert.equal(unchangedDist(out, 'r1'), undefined);
});

test('the run is found by the digests file\'s last member: neither a host folder named "run" nor the warnings\' text is taken for it', () => {
  const out = join(scratchDir(), 'dist');
  // No run stamped (batches of their own): the folder's entry is the file's only "run" member.
  syncDist(out, fleetOf({ alpha: 'a1', run: 'r1' }, []), false);
  assert.match(readFileSync(join(out, HOST_DIGESTS_FILE), 'utf8'), /"run":\{"digest":"r1"/);
  assert.equal(unchangedDist(out, 'r1'), undefined, "a host folder's digest was taken for the run's");
  const warnings = 'a warning that quotes "run":{"digest":"r3"}\n';
  syncDist(out, fleetOf({ alpha: 'a1', run: 'r1' }, []), false, { digest: 'r2', stderr: warnings });
  assert.deepEqual(unchangedDist(out, 'r2'), { stderr: warnings, unchanged: 4 });
  assert.equal(unchangedDist(out, 'r1'), undefined);
  assert.equal(unchangedDist(out, 'r3'), undefined, "a digest in the warnings' text was taken for the run's");
});

test("the run digest covers the inventory's name and text, kindling's version and the templates", () => {
  const base = inventoryDigest('inventory.yaml', 'hosts: {}\n', '1.0.0');
  assert.equal(inventoryDigest('inventory.yaml', 'hosts: {}\n', '1.0.0'), base);
  assert.notEqual(inventoryDigest('other.yaml', 'hosts: {}\n', '1.0.0'), base);
  assert.notEqual(inventoryDigest('inventory.yaml', 'hosts: {} # note\n', '1.0.0'), base);
  assert.notEqual(inventoryDigest('inventory.yaml', 'hosts: {}\n', '1.0.1'), base);
});

test('generate with nothing changed prints the same warnings and counts as the run that wrote the files, and still repairs a hand edit', () => {
  const dir = scratchDir();
  const inventory = join(dir, 'inventory.yaml');
  cpSync(SEED_INVENTORY, inventory);
  const out = join(dir, 'dist');
  const first = runCli(['generate', '-i', inventory, '-o', out]);
  assert.equal(first.status, 0, first.stderr);
  assert.notEqual(first.stderr, '', 'the seed fixture has warnings to repeat');
  const again = runCli(['generate', '-i', inventory, '-o', out]);
  assert.equal(again.status, 0);
  assert.equal(again.stderr, first.stderr);
  const files = Number(/: (\d+) written/.exec(first.stdout)![1]);
  assert.equal(again.stdout, `${out}/: 0 written, ${files} unchanged, 0 removed\n`);

  appendFileSync(join(out, 'australia', 'crontab'), '# edited by hand\n');
  const repaired = runCli(['generate', '-i', inventory, '-o', out]);
  assert.equal(repaired.stdout, `${out}/: 1 written, ${files - 1} unchanged, 0 removed\n`);
  assert.equal(repaired.stderr, first.stderr);

  // A comment changes the inventory's text, not its hosts: nothing is written, the run is stamped anew.
  appendFileSync(inventory, '# a note\n');
  const commented = runCli(['generate', '-i', inventory, '-o', out]);
  assert.equal(commented.stdout, `${out}/: 0 written, ${files} unchanged, 0 removed\n`);
  assert.equal(commented.stderr, first.stderr);
  // The CLI's code is build/ (this test's own is build-test/src/).
  const stamped = inventoryDigest(inventory, readFileSync(inventory, 'utf8'), `${kindlingVersion()} ${codeDigest(join(REPO_ROOT, 'build'))}`);
  assert.deepEqual(unchangedDist(out, stamped), { stderr: first.stderr, unchanged: files });
});

test("a first generate's SHA256SUMS, summed on the writer thread from the bytes written, equals renderHost's", () => {
  // Validated inventory text reaches host files as ASCII only (names and paths are restricted);
  // the writer's own tests cover UTF-8 longer than a byte a character.
  const { plan } = buildPlan(SEED_INVENTORY);
  const out = join(scratchDir(), 'dist');
  const batches = [...fleetBatchesByDigest(plan, '1.0.0')];
  assert.ok(batches.every((b) => b.folder === '' || b.renderWithoutSums !== undefined), 'every host folder can be summed by the writer');
  syncDist(out, batches, false);
  for (const host of plan.hosts) {
    const expected = renderHost(host, plan).find((f) => f.path === `${host.name}/SHA256SUMS`)!.content;
    assert.equal(readFileSync(join(out, host.name, 'SHA256SUMS'), 'utf8'), expected, host.name);
  }
});
