// Start times: parsed from "HH:MM" in a named zone, turned into cron fields that the host's
// cron reads under CRON_TZ (so the local time stays right across daylight-saving changes),
// and into UTC for people reading the plan. UTC is shown for a winter and a summer day of a
// fixed year so that the output never depends on today's date. Parsing lives in parse/time.ts.
import type { TimeOfDay } from '../parse/time';

export function formatTimeOfDay(time: TimeOfDay): string {
  return `${String(time.hour).padStart(2, '0')}:${String(time.minute).padStart(2, '0')}`;
}

// One formatter per zone: building an Intl.DateTimeFormat costs about 0.1 ms, formatting a
// date with it a few microseconds; a fleet of 10,000 hosts asks four times per host.
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(zone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(zone);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
    });
    formatters.set(zone, formatter);
  }
  return formatter;
}

/** Offset of ZONE from UTC in minutes at the instant UTC_MILLIS. */
function offsetMinutes(zone: string, utcMillis: number): number {
  const parts = formatterFor(zone).formatToParts(new Date(utcMillis));
  const get = (type: string): number => Number(parts.find((p) => p.type === type)?.value);
  const asUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'));
  return Math.round((asUtc - utcMillis) / 60000);
}

/** The UTC time of day at which TIME in ZONE falls on the given reference date. */
export function toUtc(time: TimeOfDay, zone: string, year: number, month: number, day: number): TimeOfDay {
  const localAsUtc = Date.UTC(year, month - 1, day, time.hour, time.minute);
  let utc = localAsUtc - offsetMinutes(zone, localAsUtc) * 60000;
  utc = localAsUtc - offsetMinutes(zone, utc) * 60000;
  const date = new Date(utc);
  return { hour: date.getUTCHours(), minute: date.getUTCMinutes() };
}

export interface ScheduleInUtc {
  /** UTC time on 15 January (standard time in the northern hemisphere). */
  winter: string;
  /** UTC time on 15 July. */
  summer: string;
}

const REFERENCE_YEAR = 2026;

// A fleet has few distinct (zone, start) pairs and many hosts: each pair is worked out once.
const utcCache = new Map<string, ScheduleInUtc>();

export function scheduleInUtc(time: TimeOfDay, zone: string): ScheduleInUtc {
  const key = `${zone} ${formatTimeOfDay(time)}`;
  let utc = utcCache.get(key);
  if (utc === undefined) {
    utc = {
      winter: formatTimeOfDay(toUtc(time, zone, REFERENCE_YEAR, 1, 15)),
      summer: formatTimeOfDay(toUtc(time, zone, REFERENCE_YEAR, 7, 15)),
    };
    utcCache.set(key, utc);
  }
  return { ...utc };
}
