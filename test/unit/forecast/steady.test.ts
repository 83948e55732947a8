import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { buildPlan } from '../../../src/pipeline';
import { forecastCapacity, forecastInputs, forecastWarnings } from '../../../src/forecast/forecast';
import { forecastFleet, type ForecastHostInput, type ForecastOptions } from '../../../src/forecast/simulate';
import { hasConstantSizes, steadySummarizer } from '../../../src/forecast/steady';
import { forecastWarning, summarizeForecast } from '../../../src/forecast/summary';
import { REPO_ROOT } from '../support/cli';

/** Every host's validate warning from the simulation's summary, and from forecastWarnings (which summarises only a host that warns). */
function warningsBothWays(inputs: ForecastHostInput[], options: ForecastOptions): { simulated: unknown[]; warned: unknown[] } {
  const estimates = new Map(inputs.map((input) => [input.name, { sizeBytes: input.sizeBytes, contributors: input.contributors }]));
  const warnings = forecastWarnings(estimates as unknown as Parameters<typeof forecastWarnings>[0], options);
  return {
    simulated: forecastFleet(inputs, options).map((forecast) => forecastWarning(summarizeForecast(forecast))),
    warned: inputs.map((input) => warnings.get(input.name)),
  };
}

/** Every host's summary from the night-by-night simulation and from the closed form. */
function bothWays(inputs: ForecastHostInput[], options: ForecastOptions): { simulated: unknown[]; steady: unknown[] } {
  return {
    simulated: forecastFleet(inputs, options).map(summarizeForecast),
    steady: inputs.map(steadySummarizer(inputs, options)),
  };
}

const FIXTURES = [
  ['inventories', 'seed.yaml'],
  ['inventories', 'fleet20.yaml'],
  ['inventories', 'wf-fleet.yaml'],
  ['inventories', 'blaze-hosts.yaml'],
  ['forecast', 'three-hosts.yaml'],
  ['forecast', 'prune-hosts.yaml'],
];

test('the closed form summarises every fixture fleet exactly as the night-by-night simulation does, for 1 to 200 nights', () => {
  for (const [folder, file] of FIXTURES) {
    const { plan } = buildPlan(join(REPO_ROOT, 'test', 'fixtures', folder!, file!));
    const inputs = forecastInputs(new Map(plan.hosts.map((h) => [h.name, h.capacity])));
    for (const nights of [1, 2, 5, 31, 60, 200]) {
      const { simulated, steady } = bothWays(inputs, { nights, growthPerNight: 0 });
      assert.deepEqual(steady, simulated, `${file}, ${nights} nights`);
      const warnings = warningsBothWays(inputs, { nights, growthPerNight: 0 });
      assert.deepEqual(warnings.warned, warnings.simulated, `${file}, ${nights} nights: warnings`);
    }
  }
});

/** mulberry32: the same "random" fleets on every run. */
function seededRandom(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

test('the closed form matches the simulation on random fleets: keep-newest above the days, budget hits, odd sizes, shared kind names, unknown senders', () => {
  const random = seededRandom(14);
  const pick = (n: number): number => Math.floor(random() * n);
  let warned = 0;
  let quiet = 0;
  for (let fleet = 0; fleet < 40; fleet++) {
    const names = Array.from({ length: 2 + pick(8) }, (_, i) => `host-${i}`);
    const inputs: ForecastHostInput[] = names.map((name) => {
      const ownKinds = Array.from({ length: pick(4) }, () => ({
        // A repeated kind name and a size that is not a whole number of bytes both occur.
        kind: ['etc', 'cron', 'postgresql', 'home'][pick(4)]!,
        nightlyBytes: pick(5) === 0 ? 0 : random() * 5e9,
      }));
      const senders = names
        .filter((other) => other !== name && pick(3) === 0)
        .concat(pick(6) === 0 ? ['not-in-the-fleet'] : [])
        .map((host) => ({ host, networkDays: 1 + pick(40), keepNewest: 1 + pick(pick(4) === 0 ? 80 : 5), targetBudgetBytes: pick(5) === 0 ? random() * 5e10 : undefined }));
      return {
        name,
        sizeBytes: pick(5) === 0 ? undefined : random() * 2e12,
        contributors: { localDays: 1 + pick(40), keepNewest: 1 + pick(pick(4) === 0 ? 80 : 5), ownKinds, senders, repositoryBytes: pick(4) === 0 ? random() * 1e12 : 0, repositoryRetention: { days: 1 + pick(40), keepNewest: 1 + pick(5) } },
      };
    });
    for (const nights of [1, 3, 60, 120]) {
      const { simulated, steady } = bothWays(inputs, { nights, growthPerNight: 0 });
      assert.deepEqual(steady, simulated, `fleet ${fleet}, ${nights} nights`);
      const warnings = warningsBothWays(inputs, { nights, growthPerNight: 0 });
      assert.deepEqual(warnings.warned, warnings.simulated, `fleet ${fleet}, ${nights} nights: warnings`);
      for (const warning of warnings.warned) {
        if (warning === undefined) quiet += 1;
        else warned += 1;
      }
    }
  }
  // Both kinds of host occur, so both ways through warningOfSeries are compared.
  assert.ok(warned > 0 && quiet > 0, `${warned} warned, ${quiet} quiet`);
});

test('a forecast with growth or observed sizes is not summarised in closed form, and the fleet forecast then simulates', () => {
  assert.equal(hasConstantSizes({ nights: 60, growthPerNight: 0 }), true);
  assert.equal(hasConstantSizes({ nights: 60, growthPerNight: 0.01 }), false);
  assert.equal(hasConstantSizes({ nights: 60, growthPerNight: 0, observed: new Map() }), false);
  assert.throws(() => steadySummarizer([], { nights: 60, growthPerNight: 0.01 }), /constant sizes/);
  const { plan } = buildPlan(join(REPO_ROOT, 'test', 'fixtures', 'forecast', 'three-hosts.yaml'));
  const estimates = new Map(plan.hosts.map((h) => [h.name, h.capacity]));
  const grown = forecastCapacity(estimates, { nights: 30, growthPerNight: 0.05 });
  const simulated = forecastFleet(forecastInputs(estimates), { nights: 30, growthPerNight: 0.05 }).map(summarizeForecast);
  assert.deepEqual(
    grown.summaries.map((s) => s.host).sort(),
    simulated.map((s) => s.host).sort(),
  );
  for (const summary of grown.summaries) assert.deepEqual(summary, simulated.find((s) => s.host === summary.host));
  const warnings = forecastWarnings(estimates, { nights: 30, growthPerNight: 0.05 });
  for (const summary of simulated) assert.equal(warnings.get(summary.host), forecastWarning(summary), summary.host);
});
