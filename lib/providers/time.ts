// Calendar-date arithmetic shared by the adapters: all-day events keep their dates
// and also get instants at midnight of those dates in the calendar's zone.

/** Offset of `zone` from UTC at `instant`, in minutes (Europe/Berlin in summer: 120). */
export function zoneOffsetMinutes(instant: Date, zone: string): number {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone: zone,
    hourCycle: "h23",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
  }).formatToParts(instant);
  const get = (type: string) => Number(parts.find((part) => part.type === type)?.value ?? 0);
  const asUtc = Date.UTC(get("year"), get("month") - 1, get("day"), get("hour"), get("minute"), get("second"));
  return Math.round((asUtc - Math.floor(instant.getTime() / 1000) * 1000) / 60_000);
}

/** True when `zone` is an IANA zone this runtime knows. */
export function isKnownZone(zone: string | null | undefined): zone is string {
  if (!zone) return false;
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/**
 * The instant a wall-clock time in `zone` denotes. `local` is `YYYY-MM-DD` or
 * `YYYY-MM-DDTHH:MM[:SS[.fff]]`. Unknown zones are read as UTC. In a DST gap the
 * earlier offset wins, as calendar apps do.
 */
export function zonedTimeToInstant(local: string, zone: string): Date {
  const match = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,7}))?)?)?$/.exec(local);
  if (!match) throw new Error(`Not a local date-time: ${local}`);
  const [, y, mo, d, h = "0", mi = "0", s = "0", frac = "0"] = match;
  const wall = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), Number(frac.slice(0, 3).padEnd(3, "0")));
  if (!isKnownZone(zone) || zone === "UTC") return new Date(wall);
  let guess = wall - zoneOffsetMinutes(new Date(wall), zone) * 60_000;
  const second = wall - zoneOffsetMinutes(new Date(guess), zone) * 60_000;
  guess = second;
  return new Date(guess);
}

/** Midnight of calendar date `date` (`YYYY-MM-DD`) in `zone`. */
export function zonedMidnight(date: string, zone: string): Date {
  return zonedTimeToInstant(date, zone);
}
