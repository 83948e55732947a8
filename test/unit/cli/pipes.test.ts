// A reader that stops early (`| head`) closes the pipe under kindling: it exits quietly,
// without a stack, whatever it was printing. Real pipes, through bash.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FLEET20_INVENTORY, SEED_INVENTORY, runCliPiped } from '../support/cli';
import { scratchDirFor } from '../support/scratch';

test('kindling --help | head -1 prints the usage line, and nothing on standard error', () => {
  const result = runCliPiped(['--help'], 'head -1');
  assert.equal(result.stdout, 'Usage: kindling [options] [command]\n');
  assert.equal(result.stderr, '');
  assert.equal(result.status, 0);
});

test('kindling plan | head -1 and plan --json | head -1 stop quietly', () => {
  for (const args of [['plan'], ['plan', '--json']]) {
    const result = runCliPiped([...args, '-i', FLEET20_INVENTORY], 'head -1');
    assert.equal(result.stdout.split('\n').length, 2, result.stdout);
    assert.equal(result.stderr, '', `${args.join(' ')}: ${result.stderr}`);
    assert.equal(result.status, 0);
  }
});

test('kindling diff | head, on a diff far larger than a pipe holds, stops quietly with the diff\'s exit code', (t) => {
  // An empty output folder: every file of the seed fleet is new, some 20,000 lines of diff.
  const out = scratchDirFor(t);
  const result = runCliPiped(['diff', '-i', SEED_INVENTORY, '-o', out], 'head -3');
  assert.match(result.stdout, /^kindling diff: .* against .*\n\d+ hosts, \d+ files changed, \+\d{4,} −0\n\n$/);
  assert.equal(result.stderr, '');
  assert.equal(result.status, 1);
});

test('a reader that reads nothing at all (| true) is no error either', () => {
  const result = runCliPiped(['schema'], 'true');
  assert.equal(result.stderr, '');
  assert.equal(result.status, 0);
});
