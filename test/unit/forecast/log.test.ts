import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAggregatedLog } from '../../../src/forecast/log';
import { REPO_ROOT, runCli, SEED_INVENTORY } from '../support/cli';

const FIXTURES = join(REPO_ROOT, 'test', 'fixtures', 'forecast');
const LOG = join(FIXTURES, 'aggregated.log');

interface JsonHost {
  host: string;
  sizes: string;
  contributors: { label: string; bytes: number[] }[];
}

function forecastJson(args: string[]): JsonHost[] {
  const result = runCli(['forecast', '-i', SEED_INVENTORY, '--json', ...args]);
  assert.equal(result.status, 0, result.stderr);
  return (JSON.parse(result.stdout) as { hosts: JsonHost[] }).hosts;
}

function night1(host: JsonHost, label: string): number {
  return host.contributors.find((c) => c.label === label)!.bytes[0]!;
}

test('the log parser keeps OK blaze lines with sizes= or bytes=, and wildfire repository=; a later night of a host wins', () => {
  const observations = parseAggregatedLog(readFileSync(LOG, 'utf8'), LOG);
  const hongkong = observations.nights.get('hongkong')!;
  // The FAILED run of 2026-11-21 is skipped: a failed night's sizes are not a night's copies.
  assert.deepEqual(hongkong.map((n) => [n.night, n.totalBytes]), [
    ['2026-11-20', 176000000],
    ['2026-11-22', 183000000],
    ['2026-11-24', 190000000],
  ]);
  assert.deepEqual([...hongkong[2]!.kinds!], [['etc', 20000000], ['cron', 1000000], ['userlocalbin', 5000000], ['bcfg2', 164000000]]);
  assert.equal(observations.nights.get('australia')![1]!.kinds, undefined);
  assert.deepEqual(observations.repository, [
    { night: '2026-11-20', bytes: 2000000000000 },
    { night: '2026-11-24', bytes: 2020000000000 },
  ]);
  assert.equal(observations.nights.has('iraq'), false);
});

test('postgresql-* kinds of a database host are summed into the plan\'s postgresql kind', () => {
  const line = '2026-11-20T03:40:00Z ireland blaze OK start=x bytes=9 sizes=etc:1,postgresql-koji:5,postgresql-globals:3\n';
  assert.deepEqual([...parseAggregatedLog(line, 'x.log').nights.get('ireland')![0]!.kinds!], [['etc', 1], ['postgresql', 8]]);
});

test('--from-log uses the newest observed sizes and the observed growth, and says so; hosts without lines keep the estimates', () => {
  const hosts = forecastJson(['--from-log', LOG]);
  const byName = new Map(hosts.map((h) => [h.host, h]));
  const hongkong = byName.get('hongkong')!;
  assert.equal(hongkong.sizes, 'observed (3 nights, 2026-11-20 to 2026-11-24), growth +1.9 %/night observed');
  assert.equal(night1(hongkong, 'own bcfg2'), 164000000);
  // australia's lines have bytes= only: the 30 MB total is shared out as the estimates are (20M:1M:5M).
  const australia = byName.get('australia')!;
  assert.match(australia.sizes, /^observed \(2 nights, 2026-11-20 to 2026-11-22\), growth \+7\.4 %\/night observed$/);
  assert.equal(night1(australia, 'own etc'), Math.round((30000000 * 20) / 26));
  // The repository's newest size lands on both repository-copy hosts.
  assert.equal(night1(byName.get('romania')!, 'repository incoming'), 2020000000000);
  assert.equal(night1(byName.get('romania')!, 'repository snapshots'), 0);
  assert.match(byName.get('romania')!.sizes, /^estimated \(inventory\), growth \+0\.0 %\/night; repository observed, growth \+0\.2 %\/night$/);
  assert.equal(byName.get('ireland')!.sizes, 'estimated (inventory), growth +0.0 %/night');
  const text = runCli(['forecast', '-i', SEED_INVENTORY, '--from-log', LOG, 'hongkong']);
  assert.match(text.stdout, /sizes from .*aggregated\.log where it has them/);
  assert.match(text.stdout, /hongkong: .*sizes observed \(3 nights/);
});

test('a malformed sizes= field is refused with its file:line:column and a hint, exit 2', () => {
  const bad = join(FIXTURES, 'bad-sizes.log');
  const result = runCli(['forecast', '-i', SEED_INVENTORY, '--from-log', bad]);
  assert.equal(result.status, 2);
  assert.match(result.stderr, /bad-sizes\.log:1:1: sizes= expects KIND:BYTES pairs separated by commas, not 'cron=1000000'; hint: /);
  assert.equal(result.stdout, '');
});
