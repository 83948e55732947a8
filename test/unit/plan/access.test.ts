// Who may log in where, as which account, and for what (plan.access), and the dead-man's
// switch (plan.deadMan): the data behind every authorized_keys line and kindling-receive's tables.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import { buildPlan } from '../../../src/pipeline';
import type { HostPlan } from '../../../src/plan/model';
import { REPO_ROOT, SEED_INVENTORY, scratchDir } from '../support/cli';

function hostsOf(file: string): Map<string, HostPlan> {
  return new Map(buildPlan(file).plan.hosts.map((h) => [h.name, h]));
}

function verbTable(host: HostPlan): Record<string, string> {
  return Object.fromEntries(host.access.map((a) => [a.caller, a.verbs.join(' ')]));
}

test('a target lets its senders store and read back their copies; nobody else gets in', () => {
  const hosts = hostsOf(SEED_INVENTORY);
  assert.deepEqual(verbTable(hosts.get('australia')!), { chile: 'store copies', romania: 'store copies' });
  assert.deepEqual(verbTable(hosts.get('hongkong')!), { australia: 'store copies' });
  // romania sends to others but receives from nobody and is neither admin nor aggregator:
  // only chile, whose repository it keeps, logs in there.
  assert.deepEqual(verbTable(hosts.get('romania')!), { chile: 'repository' });
});

test('on the admin host and aggregator every other host may report and fetch its own scripts', () => {
  const iraq = hostsOf(SEED_INVENTORY).get('iraq')!;
  const table = verbTable(iraq);
  assert.deepEqual(Object.keys(table), ['australia', 'chile', 'hongkong', 'ireland', 'romania', 'scotland']);
  assert.equal(table.chile, 'store copies report dist');
  assert.equal(table.scotland, 'store copies report dist');
  assert.equal(table.iraq, undefined);
});

test('the repository host may send the repository to its copy hosts only, as its own account', () => {
  const hosts = hostsOf(SEED_INVENTORY);
  for (const name of ['scotland', 'romania']) {
    const chile = hosts.get(name)!.access.find((a) => a.caller === 'chile')!;
    assert.ok(chile.verbs.includes('repository'), name);
    assert.equal(chile.account, 'kb-chile');
    assert.equal(hosts.get(name)!.repositoryCopy!.user, 'kb-chile');
  }
  assert.equal(hosts.get('chile')!.repository!.user, 'kb-chile');
  for (const name of ['australia', 'chile', 'hongkong', 'iraq', 'ireland']) {
    assert.equal(hosts.get(name)!.access.some((a) => a.verbs.includes('repository')), false, name);
  }
});

test('every caller logs in as its own account, kb-<caller>, and every client logs in as kb-<self>', () => {
  for (const host of hostsOf(SEED_INVENTORY).values()) {
    assert.equal(host.account, `kb-${host.name}`);
    for (const a of host.access) assert.equal(a.account, `kb-${a.caller}`);
    for (const t of host.targets) assert.equal(t.user, `kb-${host.name}`);
    assert.equal(new Set(host.access.map((a) => a.account)).size, host.access.length, `${host.name}: an account shared`);
    for (const r of host.receivedCopies) assert.equal(r.account, `kb-${r.host}`);
  }
});

test('fleet.accountPrefix names the accounts', () => {
  const doc = parseDocument(readFileSync(join(REPO_ROOT, 'test', 'fixtures', 'inventories', 'wf-fleet.yaml'), 'utf8'));
  doc.setIn(['fleet', 'accountPrefix'], 'kindling-');
  const file = join(scratchDir(), 'inventory.yaml');
  writeFileSync(file, String(doc));
  const alpha = hostsOf(file).get('alpha')!;
  assert.equal(alpha.account, 'kindling-alpha');
  assert.deepEqual(alpha.access.map((a) => a.account), ['kindling-bravo', 'kindling-charlie']);
});

test('public keys come from hosts.<name>.sshPublicKey without their comment, and are missing until written', () => {
  const seed = hostsOf(SEED_INVENTORY);
  assert.equal(seed.get('iraq')!.access.every((a) => a.publicKey === undefined), true);
  const doc = parseDocument(readFileSync(join(REPO_ROOT, 'test', 'fixtures', 'inventories', 'wf-fleet.yaml'), 'utf8'));
  const key = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGl11fHdhkiekXEC5XVQ7iknurnD4osO6tZfpbsC6DJq';
  doc.setIn(['hosts', 'bravo', 'sshPublicKey'], `${key} root@bravo "quoted" $(comment)`);
  const file = join(scratchDir(), 'inventory.yaml');
  writeFileSync(file, String(doc));
  const hosts = hostsOf(file);
  assert.equal(hosts.get('bravo')!.sshPublicKey, key);
  assert.deepEqual(hosts.get('alpha')!.access.map((a) => [a.caller, a.publicKey]), [['bravo', key], ['charlie', undefined]]);
  assert.deepEqual(
    hosts.get('charlie')!.access.find((a) => a.caller === 'bravo'),
    { caller: 'bravo', account: 'kb-bravo', publicKey: key, verbs: ['store', 'copies', 'repository'] },
  );
});

test('the dead-man\'s switch runs on the aggregator only, at noon in its time zone, with a 26-hour window', () => {
  const hosts = hostsOf(SEED_INVENTORY);
  assert.deepEqual(hosts.get('iraq')!.deadMan, { windowHours: 26, cronMinute: 0, cronHour: 12, timeZone: 'America/Toronto' });
  assert.deepEqual(hosts.get('iraq')!.reportingHosts.map((r) => r.name), ['australia', 'chile', 'hongkong', 'iraq', 'ireland', 'romania', 'scotland']);
  for (const name of ['australia', 'chile', 'scotland']) assert.equal(hosts.get(name)!.deadMan, undefined);
});
