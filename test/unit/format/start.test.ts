// Start times for people (format/start.ts): local time of the reference days, and the start as
// `plan` and `diff` print it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeStart, utcToLocal } from '../../../src/format/start';

test('utcToLocal turns a UTC time of the reference days into local time, across daylight saving', () => {
  assert.equal(utcToLocal('02:05', 'America/Toronto', 'winter'), '21:05');
  assert.equal(utcToLocal('02:05', 'America/Toronto', 'summer'), '22:05');
  assert.equal(utcToLocal('23:30', 'Australia/Sydney', 'winter'), '10:30'); // AEDT, UTC+11 in January
  assert.equal(utcToLocal('23:30', 'Australia/Sydney', 'summer'), '09:30'); // AEST, UTC+10 in July
  assert.equal(utcToLocal('00:00', 'UTC', 'summer'), '00:00');
});

test('describeStart says UTC once for UTC hosts and both seasons only when they differ', () => {
  assert.equal(describeStart({ start: '02:20', timeZone: 'UTC', utc: { winter: '02:20', summer: '02:20' } }), '02:20 UTC');
  assert.equal(
    describeStart({ start: '08:00', timeZone: 'Asia/Hong_Kong', utc: { winter: '00:00', summer: '00:00' } }),
    '08:00 Asia/Hong_Kong (00:00 UTC)',
  );
});
