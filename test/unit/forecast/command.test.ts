import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FLEET20_INVENTORY, runCli, SEED_INVENTORY } from '../support/cli';

test('validate warns from the forecast: hongkong below its floor from night 27, and its largest contributor at the peak', () => {
  const result = runCli(['validate', '-i', SEED_INVENTORY]);
  assert.equal(result.status, 0, result.stderr);
  // hongkong keeps 31 nights of 126M of its own and of australia's 26M: 4.94 GB of 5.37 GB at the
  // peak, less than the 1 GiB floor free from night 27; bcfg2 (100M × 31) is two thirds of it.
  assert.match(
    result.stderr,
    /seed\.yaml:\d+:\d+: warning: hosts\.hongkong\.archive\.size: hongkong: \/archive below its free-space floor \(1\.1 GB\) from night 27, not full within 60 nights; largest: own bcfg2 66 %, copies from australia 17 %, own etc 13 %/,
  );
});

test('kindling forecast for the seed fleet: every host, hongkong first, with its floor night, full night, peak and three largest contributors', () => {
  const result = runCli(['forecast', '-i', SEED_INVENTORY]);
  assert.equal(result.status, 0, result.stderr);
  const heads = result.stdout.split('\n').filter((l) => /^[a-z]+: \/archive/.test(l)).map((l) => l.split(':')[0]);
  // romania and scotland hold the 2 TB repository once (the snapshots hard-link incoming's files).
  assert.deepEqual(heads, ['hongkong', 'romania', 'scotland', 'chile', 'iraq', 'australia', 'ireland']);
  assert.match(
    result.stdout,
    /hongkong: \/archive 5\.4 GB, free-space floor 1\.1 GB; sizes estimated \(inventory\), growth \+0\.0 %\/night\n  below its free-space floor \(1\.1 GB\) from night 27; not full within 60 nights\n  peak 4\.9 GB on night 31; largest: own bcfg2 66 %, copies from australia 17 %, own etc 13 %\n/,
  );
});

test('kindling forecast HOST --nights --growth: one host; growth brings hongkong\'s full night in, and copies over a budget are named', () => {
  const result = runCli(['forecast', '-i', SEED_INVENTORY, 'hongkong', '--nights', '90', '--growth', '2']);
  assert.equal(result.status, 0, result.stderr);
  assert.match(result.stdout, /^Forecast of \/archive for 90 nights/);
  assert.match(result.stdout, /hongkong: .*growth \+2\.0 %\/night\n  below its free-space floor \(1\.1 GB\) from night \d+; full on night \d+\n/);
  assert.match(result.stdout, /copies from australia refused from night \d+: over their budget of /);
  assert.doesNotMatch(result.stdout, /^iraq:/m);
});

test('kindling forecast for the 20-host fleet prints all 20 hosts, and --json gives one used-bytes value per night', () => {
  const text = runCli(['forecast', '-i', FLEET20_INVENTORY]);
  assert.equal(text.status, 0, text.stderr);
  assert.equal(text.stdout.split('\n').filter((l) => /^[a-z]+: \/archive/.test(l)).length, 20);
  const json = runCli(['forecast', '-i', FLEET20_INVENTORY, '--json', '--nights', '10']);
  const parsed = JSON.parse(json.stdout) as { nights: number; hosts: { host: string; usedBytes: number[]; fullNight: number | null }[] };
  assert.equal(parsed.nights, 10);
  assert.equal(parsed.hosts.length, 20);
  for (const host of parsed.hosts) {
    assert.equal(host.usedBytes.length, 10);
    assert.ok(host.usedBytes.every((b, i) => i === 0 || b >= host.usedBytes[i - 1]!), `${host.host} grows with no growth rate`);
    assert.ok('fullNight' in host);
  }
});

test('bad forecast options and unknown hosts exit 2 with a message', () => {
  for (const [args, message] of [
    [['--nights', '0'], /--nights must be a whole number from 1 to 3660, not '0'/],
    [['--growth', 'fast'], /--growth must be a per cent per night/],
    [['nowhere'], /unknown host 'nowhere'; hosts of seed\.yaml: /],
    [['--from-log', '/nonexistent/log'], /cannot read \/nonexistent\/log/],
  ] as const) {
    const result = runCli(['forecast', '-i', SEED_INVENTORY, ...args]);
    assert.equal(result.status, 2, `${args.join(' ')}: ${result.stderr}`);
    assert.match(result.stderr, message);
  }
});
