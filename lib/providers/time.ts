// Calendar-date arithmetic shared by the adapters: all-day events keep their dates
// and also get instants at midnight of those dates in the calendar's zone.

// An Intl.DateTimeFormat costs tens of microseconds to build and a sync maps
// thousands of times in a handful of zones: one formatter per zone, kept.
const offsetFormats = new Map<string, Intl.DateTimeFormat | null>();
const MAX_CACHED_ZONES = 1000;

function offsetFormat(zone: string): Intl.DateTimeFormat | null {
  let format = offsetFormats.get(zone);
  if (format !== undefined) return format;
  try {
    format = new Intl.DateTimeFormat("en-US", {
      timeZone: zone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    });
  } catch {
    format = null;
  }
  // Zone names come from providers: bound what a stream of odd names can hold.
  if (offsetFormats.size < MAX_CACHED_ZONES) offsetFormats.set(zone, format);
  return format;
}

/** Offset of `zone` from UTC at `instant`, in minutes (Europe/Berlin in summer: 120). */
export function zoneOffsetMinutes(instant: Date, zone: string): number {
  const format = offsetFormat(zone);
  if (!format) throw new RangeError(`Invalid time zone specified: ${zone}`);
  let year = 0;
  let month = 0;
  let day = 0;
  let hour = 0;
  let minute = 0;
  let second = 0;
  for (const part of format.formatToParts(instant)) {
    if (part.type === "year") year = Number(part.value);
    else if (part.type === "month") month = Number(part.value);
    else if (part.type === "day") day = Number(part.value);
    else if (part.type === "hour") hour = Number(part.value);
    else if (part.type === "minute") minute = Number(part.value);
    else if (part.type === "second") second = Number(part.value);
  }
  const asUtc = Date.UTC(year, month - 1, day, hour, minute, second);
  return Math.round((asUtc - Math.floor(instant.getTime() / 1000) * 1000) / 60_000);
}

/** True when `zone` is an IANA zone this runtime knows. */
export function isKnownZone(zone: string | null | undefined): zone is string {
  return !!zone && offsetFormat(zone) !== null;
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
