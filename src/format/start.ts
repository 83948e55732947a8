// Start times for people: in the host's zone, and in UTC for a winter and a summer day.

/** A start as the plan holds it (plan/model.ts SchedulePlan fits); format/ stays below plan/. */
export interface StartTime {
  start: string;
  timeZone: string;
  utc: { winter: string; summer: string };
}

/** The reference days of the plan's UTC times (see plan/schedule.ts): 15 January and 15 July. */
const REFERENCE_DAYS = { winter: Date.UTC(2026, 0, 15), summer: Date.UTC(2026, 6, 15) };

/** Local time of day in ZONE at UTC time "HH:MM" of the given reference day. */
export function utcToLocal(utc: string, zone: string, season: 'winter' | 'summer'): string {
  const [hours, minutes] = utc.split(':').map(Number) as [number, number];
  const instant = REFERENCE_DAYS[season] + (hours * 60 + minutes) * 60000;
  return new Intl.DateTimeFormat('en-GB', { timeZone: zone, hourCycle: 'h23', hour: '2-digit', minute: '2-digit' }).format(instant);
}

export function isUtc(zone: string): boolean {
  return zone === 'UTC' || zone === 'Etc/UTC';
}

/** "02:20 UTC", "08:00 Asia/Hong_Kong (00:00 UTC)", "00:50 America/Toronto (05:50 UTC in January, 04:50 UTC in July)". */
export function describeStart(schedule: StartTime): string {
  const { start, timeZone, utc } = schedule;
  if (isUtc(timeZone)) return `${start} UTC`;
  if (utc.winter === utc.summer) return `${start} ${timeZone} (${utc.winter} UTC)`;
  return `${start} ${timeZone} (${utc.winter} UTC in January, ${utc.summer} UTC in July)`;
}
