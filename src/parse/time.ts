// Start times ("HH:MM") and time-zone names as the inventory writes them. Below both
// inventory/ (whose rules check them) and plan/ (which turns them into cron fields and UTC).

export interface TimeOfDay {
  hour: number;
  minute: number;
}

export function parseStartTime(text: string): TimeOfDay | undefined {
  const match = /^([01][0-9]|2[0-3]):([0-5][0-9])$/.exec(text);
  if (!match) return undefined;
  return { hour: Number(match[1]), minute: Number(match[2]) };
}

const zoneCache = new Map<string, boolean>();

export function isKnownTimeZone(zone: string): boolean {
  let known = zoneCache.get(zone);
  if (known === undefined) {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: zone });
      // Intl accepts offsets like "+05:00" and legacy names; cron wants a tz database name.
      known = /^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/.test(zone);
    } catch {
      known = false;
    }
    zoneCache.set(zone, known);
  }
  return known;
}
