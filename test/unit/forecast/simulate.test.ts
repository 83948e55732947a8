import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readFileSync, writeFileSync } from 'node:fs';
import { scratchDirFor } from '../support/scratch';
import { buildPlan } from '../../../src/pipeline';
import { forecastCapacity, forecastInputs } from '../../../src/forecast/forecast';
import { forecastFleet, snapshotChainBytes, type HostForecast } from '../../../src/forecast/simulate';
import { CopyFolder, isPruned, SECONDS_PER_DAY } from '../../../src/forecast/prune';
import { forecastWarning } from '../../../src/forecast/summary';
import { freeSpaceFloorBytes, senderBudgetBytes } from '../../../src/forecast/budget';
import { REPO_ROOT } from '../support/cli';

const MiB = 1024 ** 2;
const THREE_HOSTS = join(REPO_ROOT, 'test', 'fixtures', 'forecast', 'three-hosts.yaml');

function estimates(): Map<string, import('../../../src/inventory/capacity').CapacityEstimate> {
  const { plan } = buildPlan(THREE_HOSTS);
  return new Map(plan.hosts.map((h) => [h.name, h.capacity]));
}

/** A host's contributors as label → MiB per night. */
function tableOf(forecast: HostForecast): Record<string, number[]> {
  return Object.fromEntries(forecast.contributors.map((c) => [c.label, c.bytes.map((b) => b / MiB)]));
}

test('prune_kind\'s boundary: a copy that arrived DAYS days and half a day before the newest arrival stays, one second more is pruned, the newest never is', () => {
  const newest = 100 * SECONDS_PER_DAY;
  const slack = SECONDS_PER_DAY / 2;
  assert.equal(isPruned(newest - 30 * SECONDS_PER_DAY - slack, newest, 30), false);
  assert.equal(isPruned(newest - 30 * SECONDS_PER_DAY - slack - 1, newest, 30), true);
  // A run a few minutes later than the night before does not push a copy out a night early.
  assert.equal(isPruned(newest - 30 * SECONDS_PER_DAY - 300, newest, 30), false);
  assert.equal(isPruned(newest, newest, 0), false);
  const folder = new CopyFolder(2, 1);
  for (let night = 1; night <= 5; night++) {
    folder.store({ seconds: night * SECONDS_PER_DAY, bytes: night });
    folder.prune();
  }
  // Nights 3, 4 and 5 stay: the newest and the two days before it.
  assert.equal(folder.count, 3);
  assert.equal(folder.bytes, 3 + 4 + 5);
});

test('keep-newest: the KEEP newest arrivals stay whatever their age, so a month without a new copy still leaves them', () => {
  const folder = new CopyFolder(1, 3);
  for (const night of [1, 2, 3, 4, 40]) {
    folder.store({ seconds: night * SECONDS_PER_DAY, bytes: night });
    folder.prune();
  }
  // Night 40's prune: nights 1 to 4 arrived more than a day before it, but 3 copies stay.
  assert.equal(folder.count, 3);
  assert.equal(folder.bytes, 3 + 4 + 40);
  const one = new CopyFolder(1, 1);
  for (const night of [1, 2, 3, 4, 40]) {
    one.store({ seconds: night * SECONDS_PER_DAY, bytes: night });
    one.prune();
  }
  assert.equal(one.count, 1);
});

test('three hosts, no growth: own copies, received copies and a repository snapshot night by night, as computed by hand', () => {
  const forecast = forecastCapacity(estimates(), { nights: 5, growthPerNight: 0 });
  // alpha keeps its own 10M for 2 days (3 copies) and charlie's 30M for charlie's 2 network days.
  assert.deepEqual(tableOf(forecast.byHost.get('alpha')!), {
    'own etc': [10, 20, 30, 30, 30],
    'copies from charlie': [30, 60, 90, 90, 90],
  });
  // bravo keeps its own 20M for 3 days (4 copies), alpha's 10M for 3 days, and the 100M
  // repository once: the incoming mirror alpha writes, whose files root's snapshots hard-link
  // (nothing changes, so the snapshots hold nothing more).
  assert.deepEqual(tableOf(forecast.byHost.get('bravo')!), {
    'own etc': [20, 40, 60, 80, 80],
    'copies from alpha': [10, 20, 30, 40, 40],
    'repository incoming': [100, 100, 100, 100, 100],
    'repository snapshots': [0, 0, 0, 0, 0],
  });
  // charlie keeps its own 30M for 1 day (2 copies) and bravo's 20M for bravo's 1 network day.
  assert.deepEqual(tableOf(forecast.byHost.get('charlie')!), {
    'own etc': [30, 60, 60, 60, 60],
    'copies from bravo': [20, 40, 40, 40, 40],
  });
  assert.deepEqual(forecast.byHost.get('bravo')!.usedBytes.map((b) => b / MiB), [130, 160, 190, 220, 220]);
});

test('the summary: bravo (200M) is full on night 4, charlie (1100M) below its 1 GiB floor from night 2, alpha neither; they fill first first', () => {
  const forecast = forecastCapacity(estimates(), { nights: 60, growthPerNight: 0 });
  assert.deepEqual(
    forecast.summaries.map((s) => [s.host, s.floorNight, s.fullNight, s.peakBytes / MiB]),
    [
      ['bravo', 1, 4, 220],
      ['charlie', 2, undefined, 100],
      ['alpha', undefined, undefined, 120],
    ],
  );
  const bravo = forecast.summaries[0]!;
  assert.deepEqual(
    bravo.largest.map((c) => [c.label, c.percent]),
    [
      ['repository incoming', 45], // 100 of 220
      ['own etc', 36], // 80 of 220
      ['copies from alpha', 18], // 40 of 220
    ],
  );
  assert.equal(forecastWarning(bravo), 'bravo: /archive full on night 4; largest: repository incoming 45 %, own etc 36 %, copies from alpha 18 %');
  assert.equal(forecastWarning(forecast.summaries[2]!), undefined);
});

test('a budget hit: charlie growing 10 % a night outgrows its budget on alpha (30M × (2 + 2) × 1.25 = 150M) on night 5, and alpha keeps what it had', () => {
  assert.equal(senderBudgetBytes(30 * MiB, 2), 150 * MiB);
  const [alpha] = forecastFleet(forecastInputs(estimates()), { nights: 7, growthPerNight: 0.1 }).filter((f) => f.host === 'alpha');
  const charlie = (night: number): number => Math.round(30 * MiB * 1.1 ** (night - 1));
  const received = alpha!.contributors.find((c) => c.label === 'copies from charlie')!.bytes;
  // Nights 1-3 accumulate; night 4 stores (99.3M + 39.9M = 139.2M ≤ 150M) and prunes night 1;
  // night 5 would make 109.2M + 43.9M = 153.2M > 150M: refused, and with no newer copy nothing is pruned.
  const kept = charlie(2) + charlie(3) + charlie(4);
  assert.deepEqual(received, [charlie(1), charlie(1) + charlie(2), charlie(1) + charlie(2) + charlie(3), kept, kept, kept, kept]);
  assert.deepEqual(alpha!.budgetHits, [{ sender: 'charlie', budgetBytes: 150 * MiB, night: 5 }]);
});

test('repository snapshots beyond incoming: the newest is incoming\'s files, each older one holds what was deleted after it', () => {
  // 100, 110, 105, 120 with three kept (110, 105, 120): 110 → 105 deleted 5, 105 → 120 none.
  assert.equal(snapshotChainBytes([100, 110, 105, 120], 3), 5);
  // Only the newest: it is incoming itself.
  assert.equal(snapshotChainBytes([100, 110, 105, 120], 1), 0);
  // Every night kept: 0 (grew) + 5 + 0 (grew).
  assert.equal(snapshotChainBytes([100, 110, 105, 120], 10), 5);
  // Shrinking each night, two of three kept: 90 → 70 deleted 20.
  assert.equal(snapshotChainBytes([100, 90, 70], 2), 20);
  assert.equal(snapshotChainBytes([100, 90, 70], 3), 30);
  assert.equal(snapshotChainBytes([], 3), 0);
});

test('a shrinking repository: bravo\'s snapshots keep the deleted files until alpha\'s 3 network days have pruned the snapshot that held them', () => {
  const [bravo] = forecastFleet(forecastInputs(estimates()), { nights: 7, growthPerNight: -0.1 }).filter((f) => f.host === 'bravo');
  const size = (night: number): number => Math.round(100 * MiB * 0.9 ** (night - 1));
  const series = (label: string): number[] => bravo!.contributors.find((c) => c.label === label)!.bytes;
  assert.deepEqual(series('repository incoming'), [1, 2, 3, 4, 5, 6, 7].map(size));
  // Snapshots of nights n-3 … n stay (the newest and the 3 days before it): beyond incoming
  // (night n's size) they hold what was deleted since the oldest kept one (its size).
  const oldestKept = [1, 1, 1, 1, 2, 3, 4];
  assert.deepEqual(series('repository snapshots'), oldestKept.map((oldest, index) => size(oldest) - size(index + 1)));
});

test('targetBudget replaces the computed budget: charlie\'s 100M on alpha is full after three 30M nights, and the plan gives alpha\'s store the same number', (t) => {
  const dir = scratchDirFor(t);
  const inventory = join(dir, 'three-hosts.yaml');
  const text = readFileSync(THREE_HOSTS, 'utf8').replace('    targets: [alpha]\n', '    targets: [alpha]\n    targetBudget: 100M\n');
  assert.notEqual(text, readFileSync(THREE_HOSTS, 'utf8'));
  writeFileSync(inventory, text);
  const { plan } = buildPlan(inventory);
  const budgets = new Map(plan.hosts.map((h) => [h.name, h.capacity]));
  const [alpha] = forecastFleet(forecastInputs(budgets), { nights: 5, growthPerNight: 0 }).filter((f) => f.host === 'alpha');
  // 30 + 30 + 30 = 90M fit; night 4 would make 120M > 100M (the computed budget is 150M).
  assert.deepEqual(alpha!.budgetHits, [{ sender: 'charlie', budgetBytes: 100 * MiB, night: 4 }]);
  assert.deepEqual(alpha!.contributors.find((c) => c.label === 'copies from charlie')!.bytes.map((b) => b / MiB), [30, 60, 90, 90, 90]);
  const received = plan.hosts.find((h) => h.name === 'alpha')!.receivedCopies.find((r) => r.host === 'charlie')!;
  assert.equal(received.budgetBytes, 100 * MiB);
  // Without it, the plan's budget is the computed one.
  const computed = buildPlan(THREE_HOSTS).plan.hosts.find((h) => h.name === 'alpha')!.receivedCopies.find((r) => r.host === 'charlie')!;
  assert.equal(computed.budgetBytes, senderBudgetBytes(30 * MiB, 2));
});

test('the free-space floor is the larger of 1 GiB and two nights of the host\'s own copies', () => {
  assert.equal(freeSpaceFloorBytes(10 * MiB), 1024 * MiB);
  assert.equal(freeSpaceFloorBytes(600 * MiB), 1200 * MiB);
});
