// generate plans one host at a time (fleetPlanner) and keeps of each host only the rows the
// fleet files need (FleetRows): the plans and files must be exactly those of the whole-fleet
// plan that every other command uses.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { InternalError } from '../../../src/errors';
import { checkInventory } from '../../../src/pipeline';
import { fleetPlanner, planFleet } from '../../../src/plan/plan';
import { FleetRows, fleetDocument } from '../../../src/render/fleet-document';
import { fleetBatchesByDigest, renderFleetFiles } from '../../../src/render/render';
import { FLEET20_INVENTORY, REPO_ROOT, SEED_INVENTORY } from '../support/cli';

/** A synthetic fleet of N hosts (bench/generate-inventory.js): many senders per target, a repository, databases. */
function syntheticFleet(hosts: number): { name: string; text: string } {
  const text = execFileSync(process.execPath, [join(REPO_ROOT, 'bench', 'generate-inventory.js'), String(hosts), '--seed', '7'], { encoding: 'utf8' });
  return { name: `synthetic-${hosts}.yaml`, text };
}

const FLEETS: [string, Parameters<typeof checkInventory>[0]][] = [
  ['the seed', SEED_INVENTORY],
  ['fleet20', FLEET20_INVENTORY],
  ['a synthetic 60-host fleet', syntheticFleet(60)],
];

for (const [label, source] of FLEETS) {
  test(`${label}: each host planned alone equals its plan in the whole fleet's, and the fleet files streamed equal the whole plan's`, () => {
    const { inventory, warnings } = checkInventory(source);
    const whole = planFleet(inventory, warnings);
    const planner = fleetPlanner(inventory, warnings);
    const { hosts, ...settings } = whole;
    assert.deepEqual(planner.settings, settings);
    // deepEqual and the JSON both: hostDigest hashes the JSON, so key order counts too.
    const alone = [...planner.plans()];
    assert.deepEqual(alone, hosts);
    assert.equal(JSON.stringify(alone), JSON.stringify(hosts));
    // A receiver's plan is made without its senders' plans: what it says of each sender's
    // copies must still be what that sender's own plan makes and sends.
    const byName = new Map(alone.map((h) => [h.name, h]));
    let received = 0;
    for (const receiver of alone) {
      assert.deepEqual(receiver.receivedCopies.map((c) => c.host), receiver.receivesFrom);
      for (const copies of receiver.receivedCopies) {
        const sender = byName.get(copies.host)!;
        assert.ok(sender.targets.some((t) => t.host === receiver.name), `${copies.host} does not send to ${receiver.name}`);
        const kinds = [
          ...sender.archives.map(({ filePrefix, extension }) => ({ filePrefix, extension })),
          ...(sender.database ? [...sender.database.dumps.map(({ filePrefix, extension }) => ({ filePrefix, extension })), sender.database.globals] : []),
          sender.manifest,
        ];
        assert.deepEqual(copies.kinds, kinds, `${receiver.name}: the kinds of ${sender.name}'s copies`);
        assert.deepEqual(copies.manifest, sender.manifest);
        assert.equal(copies.dir, `${sender.paths.backupRoot}/${sender.name}`);
        assert.equal(copies.account, sender.account);
        assert.equal(copies.days, sender.retention.networkDays);
        assert.equal(copies.keepNewest, sender.retention.keepNewest);
        if (sender.capacity.targetBudgetBytes !== undefined) assert.equal(copies.budgetBytes, sender.capacity.targetBudgetBytes);
        received += 1;
      }
    }
    assert.ok(received > 0, 'no host receives copies: the test proves nothing');
    // The fleet batch of a planner (rows gathered while the hosts went by) draws the same bytes.
    const streamed = [...fleetBatchesByDigest(planner, '1.0.0')];
    const fromPlan = [...fleetBatchesByDigest(whole, '1.0.0')];
    assert.deepEqual(streamed.map((b) => b.digest), fromPlan.map((b) => b.digest));
    assert.deepEqual(streamed.at(-1)!.render(), renderFleetFiles(whole));
    // generate's way: the README a section at a time (templates/fleet/README.md/), the same bytes.
    const inSections = streamed.at(-1)!.renderInSections!();
    const readme = inSections.find((f) => f.path === 'README.md');
    assert.ok(readme !== undefined && 'sections' in readme, 'the README is not rendered in sections');
    const sections = [...readme.sections()];
    assert.ok(sections.length > 1);
    assert.deepEqual([...readme.sections()], sections, 'rendered again, the sections differ');
    const joined = inSections.map((f) => ('sections' in f ? { path: f.path, mode: f.mode, content: f === readme ? sections.join('') : [...f.sections()].join('') } : f));
    assert.deepEqual(joined, renderFleetFiles(whole));
  });
}

test('fleet rows come in name order: a host out of order is an internal error, not a silently unsorted README', () => {
  const { inventory, warnings } = checkInventory(SEED_INVENTORY);
  const plan = planFleet(inventory, warnings);
  const rows = new FleetRows();
  rows.add(plan.hosts[1]!);
  assert.throws(() => rows.add(plan.hosts[0]!), (error: unknown) => error instanceof InternalError && /name order/.test(error.message));
  assert.throws(() => rows.add(plan.hosts[1]!), InternalError, 'the same host twice');
  // fleetDocument sorts a plan's hosts itself: any order of the same hosts gives the same document.
  assert.deepEqual(fleetDocument({ ...plan, hosts: [...plan.hosts].reverse() }), fleetDocument(plan));
});
