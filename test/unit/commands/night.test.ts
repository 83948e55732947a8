// `kindling plan HOST`: each seed host's night against its golden file, and the facts the
// night must state whatever its wording (order of steps, times in two zones, warnings).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, SEED_INVENTORY, runCli, scratchDir } from '../support/cli';
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
  assert.match(out, /chile +the repository into \/archive\/repo-backup\/incoming\/ \(as kb-chile\)/);
  // Its blaze keeps the history, as root, for chile's network retention.
  assert.match(out, /blaze +snapshot \/archive\/repo-backup\/incoming\/ → \/archive\/repo-backup\/<YYYY-MM-DD>\/ as root \(hard links to incoming's files, which become root's and read-only\), kept 30 days \(chile's retention\)/);
});

test('the repository host\'s night says from what it syncs the repository, and the deletion share', () => {
  const out = runCli(['plan', 'chile', '-i', SEED_INVENTORY]).stdout;
  assert.match(out, /wildfire +repository sync \/mnt\/koji\/ → romania:\/archive\/repo-backup\/incoming\/ \(rsync as kb-chile; only from a mounted repository with \.kindling-repository, refused over 10 % deleted\)/);
});

test('a warning about a host is printed beside the part of the night it concerns', () => {
  const lines = runCli(['plan', 'hongkong', '-i', SEED_INVENTORY]).stdout.split('\n');
  const archive = lines.findIndex((l) => l.startsWith('/archive: /dev/mapper/hk-archive'));
  const warning = lines.findIndex((l) => /! warning: .*\/archive is 5\.0G/.test(l));
  assert.ok(archive >= 0 && warning > archive, lines.join('\n'));
  // hongkong's warning is not iraq's (iraq has only its own, about its missing keys).
  assert.equal(/warning: .*\/archive is/.test(runCli(['plan', 'iraq', '-i', SEED_INVENTORY]).stdout), false);
});

test('an unknown host is bad input (exit 2) that names the hosts there are', () => {
  const result = runCli(['plan', 'chle', '-i', SEED_INVENTORY]);
  assert.equal(result.status, 2);
  assert.match(result.stderr, /unknown host 'chle'.*australia, chile/);
});

test('plan HOST lists every cron job the host\'s generated crontab holds, the dead-man\'s switch of the aggregator too', () => {
  const out = scratchDir();
  assert.equal(runCli(['generate', '-i', SEED_INVENTORY, '-o', out]).status, 0);
  for (const host of ['iraq', 'chile']) {
    const crontab = readFileSync(join(out, host, 'crontab'), 'utf8');
    const jobs = crontab.split('\n').filter((l) => /^[0-9]/.test(l));
    const night = runCli(['plan', host, '-i', SEED_INVENTORY]).stdout;
    const listed = night.slice(night.indexOf('Cron jobs'), night.indexOf('\nReceives:'));
    assert.ok(jobs.length > 0, `no jobs in dist/${host}/crontab`);
    for (const job of jobs) {
      const [minute, hour] = job.split(' ') as [string, string];
      const scripts = [...job.matchAll(/\/usr\/local\/bin\/[a-z-]+/g)].map((m) => m[0]);
      const at = `${hour.padStart(2, '0')}:${minute.padStart(2, '0')}`;
      const line = listed.split('\n').find((l) => l.trimStart().startsWith(at));
      assert.ok(line, `${host}: no cron line at ${at} in:\n${listed}`);
      for (const script of scripts) assert.ok(line.includes(script), `${host}: ${script} missing from "${line}"`);
    }
  }
  assert.match(runCli(['plan', 'iraq', '-i', SEED_INVENTORY]).stdout, /^  12:00  \/usr\/local\/bin\/kindling-deadman \(the dead-man's switch: mails [^ ]+ when a host has no successful run for 26 hours\)$/m);
  assert.doesNotMatch(runCli(['plan', 'chile', '-i', SEED_INVENTORY]).stdout, /kindling-deadman/);
});

test('plan HOST HOST prints both nights; --json HOST HOST lists both hosts in that order', () => {
  const text = runCli(['plan', 'chile', 'iraq', '-i', SEED_INVENTORY]);
  assert.equal(text.status, 0, text.stderr);
  assert.match(text.stdout, /^chile — (.*\n)+\niraq — /m);
  const json = runCli(['plan', '--json', 'iraq', 'chile', '-i', SEED_INVENTORY]);
  assert.equal(json.status, 0, json.stderr);
  assert.deepEqual((JSON.parse(json.stdout) as { hosts: { name: string }[] }).hosts.map((h) => h.name), ['iraq', 'chile']);
  const unknown = runCli(['plan', '--json', 'iraq', 'peru', 'atlantis', '-i', SEED_INVENTORY]);
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /unknown hosts 'peru', 'atlantis'; hosts of .*: australia, chile/);
});
