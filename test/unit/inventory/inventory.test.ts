import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseInventory } from '../../../src/inventory/load';
import { validateInventory } from '../../../src/inventory/validate';
import { InputError } from '../../../src/errors';
import { planFleet } from '../../../src/plan/plan';
import { FLEET20_INVENTORY, REPO_ROOT, SEED_INVENTORY, runCli, scratchDir } from '../support/cli';

function validateText(text: string) {
  return validateInventory(parseInventory('inventory.yaml', text));
}

test('the seed inventory and the fixture fleet pass every rule', () => {
  for (const file of [SEED_INVENTORY, FLEET20_INVENTORY]) {
    const { warnings } = validateText(readFileSync(file, 'utf8'));
    assert.equal(warnings.filter((w) => w.severity === 'error').length, 0);
  }
});

test('the seed fleet is encoded as the seed page says', () => {
  const { inventory, warnings } = validateText(readFileSync(SEED_INVENTORY, 'utf8'));
  const plan = planFleet(inventory, warnings);
  const host = (name: string) => plan.hosts.find((h) => h.name === name)!;
  assert.deepEqual(plan.hosts.map((h) => h.name), ['australia', 'chile', 'hongkong', 'iraq', 'ireland', 'romania', 'scotland']);
  // Backup Layout: LAN targets.
  const targets = Object.fromEntries(plan.hosts.map((h) => [h.name, h.targets.map((t) => t.host)]));
  assert.deepEqual(targets, {
    australia: ['iraq', 'hongkong'],
    chile: ['iraq', 'australia'],
    hongkong: ['iraq', 'scotland'],
    iraq: ['chile'],
    ireland: ['iraq', 'chile'],
    romania: ['australia', 'iraq', 'scotland'],
    scotland: ['iraq', 'ireland'],
  });
  assert.deepEqual(host('chile').repository?.copies.map((c) => c.host), ['romania', 'scotland']);
  assert.deepEqual(host('hongkong').archives.map((a) => a.sourcePath), ['/etc/', '/var/spool/cron/', '/usr/local/bin/', '/var/lib/bcfg2/']);
  assert.deepEqual(host('ireland').database?.dumps.map((d) => d.database), ['koji']);
  assert.equal(host('australia').archives[0]!.filePrefix + 'Feb-27-2012' + host('australia').archives[0]!.extension, 'australia-etc-Feb-27-2012.tar.bz2');
  // Roles: ALLSYS is every host; admin and aggregator are iraq.
  assert.ok(plan.hosts.every((h) => h.roles.includes('ALLSYS') && h.roles.includes('BUDDYHOST')));
  assert.equal(plan.adminHost, 'iraq');
  assert.equal(plan.aggregatorHost, 'iraq');
  assert.deepEqual(plan.hosts.filter((h) => h.roles.includes('SYNCHOST')).map((h) => h.name), ['iraq', 'romania', 'scotland']);
  // Scheduling: the zone is stored, the cron fields are local time.
  assert.deepEqual([host('scotland').schedule.timeZone, host('scotland').schedule.cronHour, host('scotland').schedule.cronMinute], ['America/Toronto', 0, 50]);
  assert.deepEqual([host('australia').schedule.cronHour, host('australia').schedule.cronMinute], [2, 20]);
  // Capacity and retention.
  assert.equal(host('romania').archiveVolume.device, '/dev/mapper/yoda-archive');
  assert.deepEqual(host('iraq').retention, { localDays: 30, networkDays: 30, removableDays: 3, keepNewest: 3 });
  assert.ok(host('chile').removable);
});

test('positions point at the offending node, also inside flow mappings', () => {
  const text = readFileSync(SEED_INVENTORY, 'utf8').replace('targets: [iraq, chile]', 'targets: [iraq, chle]');
  try {
    validateText(text);
    assert.fail('expected an error');
  } catch (error) {
    assert.ok(error instanceof InputError);
    const d = error.diagnostics.find((x) => x.severity === 'error')!;
    const line = text.split('\n').findIndex((l) => l.includes('chle')) + 1;
    assert.deepEqual(d.position, { line, column: text.split('\n')[line - 1]!.indexOf('chle') + 1 });
    assert.equal(d.hint, "did you mean 'chile'?");
  }
});

test('schema/inventory.schema.json is what `kindling schema` prints (the modeline\'s target cannot drift)', () => {
  const printed = runCli(['schema']);
  assert.equal(printed.status, 0);
  assert.equal(readFileSync(join(REPO_ROOT, 'schema', 'inventory.schema.json'), 'utf8'), printed.stdout);
  assert.match(readFileSync(SEED_INVENTORY, 'utf8').split('\n')[0]!, /^# yaml-language-server: \$schema=\.\.\/\.\.\/\.\.\/schema\/inventory\.schema\.json$/);
});

test('every property of the schema has a description and an example', () => {
  const schema = JSON.parse(runCli(['schema']).stdout);
  const missing: string[] = [];
  const visit = (node: any, path: string): void => {
    if (!node || typeof node !== 'object') return;
    if (node.properties) {
      for (const [key, child] of Object.entries<any>(node.properties)) {
        if (!child.description || !child.examples) missing.push(`${path}.${key}`);
        visit(child, `${path}.${key}`);
      }
    }
    if (node.items) visit(node.items, `${path}[]`);
    if (node.patternProperties) for (const child of Object.values(node.patternProperties)) visit(child, `${path}.*`);
  };
  visit(schema, '');
  assert.deepEqual(missing, []);
});

test('kindling init writes a starter inventory that validates, and never overwrites', () => {
  const dir = scratchDir();
  const file = join(dir, 'inventory.yaml');
  assert.equal(runCli(['init', file]).status, 0);
  assert.ok(existsSync(file));
  assert.equal(runCli(['validate', '-i', file]).status, 0);
  const again = runCli(['init', file]);
  assert.equal(again.status, 2);
  assert.match(again.stderr, /exists already/);
});

test('hostile YAML aliases are cut off with a clear message', () => {
  const bomb = ['version: 1', 'a: &a [x, x, x, x, x, x, x, x, x, x]'];
  for (let i = 0; i < 8; i += 1) bomb.push(`${'bcdefghij'[i]}: &${'bcdefghij'[i]} [${Array(10).fill(`*${'abcdefghij'[i]}`).join(', ')}]`);
  assert.throws(() => parseInventory('bomb.yaml', bomb.join('\n')), (e: unknown) => e instanceof InputError && /alias/.test(e.diagnostics[0]!.message));
});

/** The seed fixture with EDIT applied to its text, validated. */
function seedWith(edit: (text: string) => string) {
  return validateText(edit(readFileSync(SEED_INVENTORY, 'utf8')));
}

test('validate warns once per host and missing key, naming the connections that fail', () => {
  const messages = seedWith((t) => t).warnings.map((w) => w.message);
  // hongkong connects to scotland (its target) and iraq (admin host and aggregator); only
  // australia, which copies to hongkong, connects to it.
  const publicKey = messages.filter((m) => m.startsWith('sshPublicKey missing: ') && m.includes(' let hongkong in'));
  assert.deepEqual(publicKey, ['sshPublicKey missing: iraq and scotland do not let hongkong in (its copies, fetch and reports fail)']);
  const hostKey = messages.filter((m) => m.startsWith('sshHostKey missing: ') && m.includes('verify hongkong'));
  assert.deepEqual(hostKey, ['sshHostKey missing: australia cannot verify hongkong (their connections to it fail)']);
  // The admin host is verified by every other host.
  assert.ok(messages.includes('sshHostKey missing: every other host (6) cannot verify iraq (their connections to it fail)'));
  // One warning per host and key: 7 hosts, two keys each.
  assert.equal(messages.filter((m) => /^ssh(PublicKey|HostKey) missing: /.test(m)).length, 14);
});

test('a host with both keys has no key warning; a host key must be a host key line', () => {
  const key = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl';
  const keyed = seedWith((t) => t.replace(/^  hongkong:\n/m, `  hongkong:\n    sshPublicKey: ${key} kindling@hongkong\n    sshHostKey: ${key} root@hongkong\n`));
  assert.deepEqual(keyed.warnings.filter((w) => w.path[1] === 'hongkong' && /missing/.test(w.message)), []);
  assert.throws(
    () => seedWith((t) => t.replace(/^  hongkong:\n/m, '  hongkong:\n    sshHostKey: not-a-key AAAA\n')),
    (e: unknown) => e instanceof InputError && /sshHostKey[^\n]*OpenSSH public host key line/.test(JSON.stringify(e.diagnostics)),
  );
});

test('signing: the seed chooses none with a reason; neither warns; both is an error', () => {
  const signingWarning = (r: ReturnType<typeof validateText>) => r.warnings.filter((w) => w.message.startsWith('fleet.signing is not set'));
  assert.equal(signingWarning(seedWith((t) => t)).length, 0);
  const unset = seedWith((t) => t.replace(/^  signing:\n    none: .*\n/m, ''));
  assert.equal(signingWarning(unset).length, 1);
  assert.match(signingWarning(unset)[0]!.message, /root on the admin host can run anything as root on every host/);
  const both = () => seedWith((t) => t.replace(/^    none: (.*)$/m, '    none: $1\n    allowedSigners: [\'a@b namespaces="kindling" ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl\']'));
  assert.throws(both, (e: unknown) => e instanceof InputError && /both allowedSigners and none/.test(JSON.stringify(e.diagnostics)));
});

test('kindling init starts a fleet with signing on, and says its placeholder signer is not a key yet', () => {
  const dir = scratchDir();
  const file = join(dir, 'inventory.yaml');
  assert.equal(runCli(['init', file]).status, 0);
  const text = readFileSync(file, 'utf8');
  assert.match(text, /^  signing:\n    allowedSigners:\n/m);
  const result = runCli(['validate', '-i', file]);
  assert.doesNotMatch(result.stderr, /fleet\.signing is not set/);
  assert.match(result.stderr, /allowedSigners\[0\]: this allowed signer has no public key yet/);
});
