// `kindling plan HOST`: each seed host's night against its golden file, and the facts the
// night must state whatever its wording (order of steps, times in two zones, warnings).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describeStart, utcToLocal } from '../../../src/format/start';
import { REPO_ROOT, SEED_INVENTORY, runCli } from '../support/cli';
import { assertGolden } from '../support/golden';

const GOLDEN_DIR = join(REPO_ROOT, 'test', 'golden', 'plan');

function seedHosts(): string[] {
  const result = runCli(['plan', '--json', '-i', SEED_INVENTORY]);
  assert.equal(result.status, 0, result.stderr);
  return (JSON.parse(result.stdout) as { hosts: { name: string }[] }).hosts.map((h) => h.name);
}

test('plan HOST prints each seed host\'s night as in its golden file', () => {
  const hosts = seedHosts();
  assert.deepEqual(hosts, ['australia', 'chile', 'hongkong', 'iraq', 'ireland', 'romania', 'scotland']);
  for (const host of hosts) {
    const result = runCli(['plan', host, '-i', SEED_INVENTORY]);
    assert.equal(result.status, 0, result.stderr);
    assertGolden(join(GOLDEN_DIR, `${host}.txt`), result.stdout);
  }
});

test('the night runs fetch, then blaze (archives, drives, pruning), then wildfire (LAN copies, repository sync)', () => {
  const out = runCli(['plan', 'chile', '-i', SEED_INVENTORY]).stdout;
  const steps = out.split('\n').filter((line) => /^\s+\d+\. /.test(line));
  const numbers = steps.map((line) => Number(/^\s+(\d+)\./.exec(line)![1]));
  assert.deepEqual(numbers, numbers.map((_, i) => i + 1), 'steps are numbered 1, 2, 3, …');
  const index = (pattern: RegExp): number => steps.findIndex((line) => pattern.test(line));
  const order = [/fetch +scripts from iraq:/, /blaze +archive \/etc\//, /blaze +removable drives cdot-backup-NNN/, /blaze +prune/, /wildfire +LAN copy .* → iraq:/, /wildfire +LAN copy .* → australia:/, /wildfire +repository sync \/mnt\/koji\/ → romania:/, /wildfire +repository sync \/mnt\/koji\/ → scotland:/];
  const positions = order.map(index);
  assert.ok(positions.every((p) => p >= 0), `every step is there:\n${out}`);
  assert.deepEqual([...positions].sort((a, b) => a - b), positions, `in this order:\n${out}`);
});

test('a host in a zone with daylight saving shows its start in UTC for winter and summer', () => {
  const out = runCli(['plan', 'iraq', '-i', SEED_INVENTORY]).stdout;
  assert.match(out, /starts every night at 08:30 America\/Toronto \(13:30 UTC in January, 12:30 UTC in July\)/);
});

test('what a host receives is given with the sender\'s start, in the receiver\'s zone too', () => {
  const out = runCli(['plan', 'scotland', '-i', SEED_INVENTORY]).stdout;
  // hongkong starts 02:05 UTC: 21:05 in Toronto under EST (UTC-5), 22:05 under EDT (UTC-4).
  assert.match(out, /hongkong +copies into \/archive\/blaze-backup\/hongkong\/, after its night starts at 02:05 UTC; here 21:05 in January, 22:05 in July/);
  assert.match(out, /chile +the repository into \/archive\/repo-backup\/ \(as apache\)/);
});

test('a warning about a host is printed beside the part of the night it concerns', () => {
  const lines = runCli(['plan', 'hongkong', '-i', SEED_INVENTORY]).stdout.split('\n');
  const archive = lines.findIndex((l) => l.startsWith('/archive: /dev/mapper/hk-archive'));
  const warning = lines.findIndex((l) => /! warning: .*\/archive is 5\.0G/.test(l));
  assert.ok(archive >= 0 && warning > archive, lines.join('\n'));
  assert.equal(runCli(['plan', 'iraq', '-i', SEED_INVENTORY]).stdout.includes('warning'), false);
});

test('an unknown host is bad input (exit 2) that names the hosts there are', () => {
  const result = runCli(['plan', 'chle', '-i', SEED_INVENTORY]);
  assert.equal(result.status, 2);
  assert.match(result.stderr, /unknown host 'chle'.*australia, chile/);
});

test('utcToLocal turns a UTC time of the reference days into local time, across daylight saving', () => {
  assert.equal(utcToLocal('02:05', 'America/Toronto', 'winter'), '21:05');
  assert.equal(utcToLocal('02:05', 'America/Toronto', 'summer'), '22:05');
  assert.equal(utcToLocal('23:30', 'Australia/Sydney', 'winter'), '10:30'); // AEDT, UTC+11 in January
  assert.equal(utcToLocal('23:30', 'Australia/Sydney', 'summer'), '09:30'); // AEST, UTC+10 in July
  assert.equal(utcToLocal('00:00', 'UTC', 'summer'), '00:00');
});

test('describeStart says UTC once for UTC hosts and both seasons only when they differ', () => {
  assert.equal(describeStart({ start: '02:20', timeZone: 'UTC', cronMinute: 20, cronHour: 2, utc: { winter: '02:20', summer: '02:20' } }), '02:20 UTC');
  assert.equal(
    describeStart({ start: '08:00', timeZone: 'Asia/Hong_Kong', cronMinute: 0, cronHour: 8, utc: { winter: '00:00', summer: '00:00' } }),
    '08:00 Asia/Hong_Kong (00:00 UTC)',
  );
});
