import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cronQuote, shellQuote } from '../../../src/render/shell-quote';

/** What bash makes of the quoted word: the one true test of a quoting helper. */
function bashReads(word: string): string {
  return execFileSync('bash', ['-c', `printf '%s' ${word}`], { encoding: 'utf8' });
}

test('plain words stay bare so generated scripts read like hand-written ones', () => {
  assert.equal(shellQuote('australia'), 'australia');
  assert.equal(shellQuote('/archive/blaze-backup/chile/'), '/archive/blaze-backup/chile/');
});

test('hostile values come back from bash exactly as they went in', () => {
  for (const value of ["a;rm -rf /", '$(touch /tmp/pwned)', '`id`', "it's", '', ' lead', 'new\nline', '*', '~root', '=x', 'a b', '!x', '{a,b}']) {
    assert.equal(bashReads(shellQuote(value)), value, `value ${JSON.stringify(value)}`);
  }
});

test('cronQuote escapes % so cron does not turn it into a newline', () => {
  assert.equal(cronQuote('/usr/bin/date +%F'), "'/usr/bin/date +\\%F'");
  assert.equal(cronQuote('100%'), '100\\%');
});
