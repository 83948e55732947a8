import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isKnownTimeZone, parseStartTime } from '../../../src/parse/time';
import { scheduleInUtc } from '../../../src/plan/schedule';

test('start times are HH:MM of a 24-hour day', () => {
  assert.deepEqual(parseStartTime('00:50'), { hour: 0, minute: 50 });
  assert.deepEqual(parseStartTime('23:59'), { hour: 23, minute: 59 });
  for (const bad of ['24:00', '1:35', '01:60', '01:35 AM', '', '0135']) assert.equal(parseStartTime(bad), undefined, bad);
});

test('a start in America/Toronto follows daylight saving: the seed\'s 00:50 EDT is 04:50 UTC in summer, 05:50 in winter', () => {
  assert.deepEqual(scheduleInUtc({ hour: 0, minute: 50 }, 'America/Toronto'), { winter: '05:50', summer: '04:50' });
  assert.deepEqual(scheduleInUtc({ hour: 8, minute: 30 }, 'America/Toronto'), { winter: '13:30', summer: '12:30' });
  assert.deepEqual(scheduleInUtc({ hour: 1, minute: 35 }, 'UTC'), { winter: '01:35', summer: '01:35' });
});

test('zone names are checked against Intl; abbreviations and offsets are refused', () => {
  assert.equal(isKnownTimeZone('UTC'), true);
  assert.equal(isKnownTimeZone('America/Toronto'), true);
  assert.equal(isKnownTimeZone('Mars/Olympus_Mons'), false);
  assert.equal(isKnownTimeZone('+05:00'), false);
});
