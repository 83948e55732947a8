// The account each peer logs in as (src/plan/accounts.ts): kb-<peer>, shortened with a hash
// when the name would pass useradd's 32 characters.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { ACCOUNT_NAME_MAX, accountName } from '../../../src/plan/accounts';

test('a short peer name: the prefix and the name', () => {
  assert.equal(accountName('kb-', 'chile'), 'kb-chile');
  assert.equal(accountName('kindling-', 'hongkong'), 'kindling-hongkong');
  // Exactly 32 characters still fits whole.
  const peer29 = 'a'.repeat(29);
  assert.equal(accountName('kb-', peer29), `kb-${peer29}`);
});

test('a long peer name: its start, a dash and 8 hex digits of sha256(name), 32 characters in all', () => {
  const peer = 'builder-aarch64-datacentre-toronto-07';
  const name = accountName('kb-', peer);
  const hash = createHash('sha256').update(peer).digest('hex').slice(0, 8);
  assert.equal(name, `kb-${peer.slice(0, 20)}-${hash}`);
  assert.equal(name.length, ACCOUNT_NAME_MAX);
  assert.equal(accountName('kb-', 'a'.repeat(30)).length, ACCOUNT_NAME_MAX);
});

test('two long names that share their start get different accounts, and the same name always the same', () => {
  const a = accountName('kb-', 'builder-aarch64-datacentre-toronto-07');
  const b = accountName('kb-', 'builder-aarch64-datacentre-toronto-08');
  assert.notEqual(a, b);
  assert.equal(a.slice(0, 23), b.slice(0, 23));
  assert.equal(accountName('kb-', 'builder-aarch64-datacentre-toronto-07'), a);
});

test('every account name is a valid user name of useradd (lower-case, digits, - and _, at most 32)', () => {
  for (const peer of ['a', '0day', 'x'.repeat(63), 'a-b-c-'.repeat(10).slice(0, 63), '9'.repeat(40)]) {
    for (const prefix of ['kb-', '_', 'kindling-bk-']) {
      assert.match(accountName(prefix, peer), /^[a-z_][a-z0-9_-]{0,31}$/, `${prefix} ${peer}`);
    }
  }
});
