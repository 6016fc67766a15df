// Time-zone arithmetic and the date formats both providers put on the wire.
// Only node's Intl is used: no tz database copy, DST handled by the platform.

/** A wall-clock reading (no zone). Months are 1-12. */
export interface WallTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

/**
 * When an event happens. All-day events are floating dates (no zone, the end
 * date is exclusive); timed events are an instant plus the zone they were
 * written in, which decides how recurrences step across DST changes.
 */
export type EventTime = { kind: "date"; date: string } | { kind: "dateTime"; instant: number; timeZone: string };

const DAY_MS = 86_400_000;
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

export function isValidTimeZone(timeZone: string): boolean {
  try {
    formatterFor(timeZone);
    return true;
  } catch {
    return false;
  }
}

const HOUR_MS = 3_600_000;
/** Per zone and UTC hour: the zone's offset in ms through that whole hour, or null if it changes within it. */
const hourOffsets = new Map<string, Map<number, number | null>>();
const HOUR_OFFSETS_MAX = 200_000;

/**
 * The wall-clock reading of `instant` in `timeZone`. Intl's formatToParts costs
 * microseconds a call and a listing formats every event's times several times (at
 * 100,000 events it was a fifth of the emulator's CPU), so the zone's offset is
 * worked out once per UTC hour: when it is the same at the hour's first and last
 * second (no transition inside; no zone changes twice in an hour), every instant
 * of the hour reads as the instant plus that offset. An hour with a transition is
 * formatted instant by instant.
 */
export function wallTimeAt(instant: number, timeZone: string): WallTime {
  const offset = steadyOffsetMs(instant, timeZone);
  if (offset === null) return formattedWallTime(instant, timeZone);
  const shifted = new Date(instant + offset);
  return {
    year: shifted.getUTCFullYear(),
    month: shifted.getUTCMonth() + 1,
    day: shifted.getUTCDate(),
    hour: shifted.getUTCHours(),
    minute: shifted.getUTCMinutes(),
    second: shifted.getUTCSeconds(),
  };
}

function steadyOffsetMs(instant: number, timeZone: string): number | null {
  const hour = Math.floor(instant / HOUR_MS);
  let offsets = hourOffsets.get(timeZone);
  if (!offsets) {
    offsets = new Map();
    hourOffsets.set(timeZone, offsets);
  }
  const known = offsets.get(hour);
  if (known !== undefined) return known;
  const first = hour * HOUR_MS;
  const last = first + HOUR_MS - 1000;
  const atFirst = wallAsUtc(formattedWallTime(first, timeZone)) - first;
  const atLast = wallAsUtc(formattedWallTime(last, timeZone)) - last;
  const offset = atFirst === atLast ? atFirst : null;
  if (offsets.size >= HOUR_OFFSETS_MAX) offsets.clear();
  offsets.set(hour, offset);
  return offset;
}

/** The wall-clock reading by Intl itself, instant by instant: what `wallTimeAt`'s hourly offsets stand in for. */
export function formattedWallTime(instant: number, timeZone: string): WallTime {
  const parts: Record<string, number> = {};
  for (const part of formatterFor(timeZone).formatToParts(new Date(instant))) {
    if (part.type !== "literal") parts[part.type] = Number(part.value);
  }
  return {
    year: parts.year ?? 1970,
    month: parts.month ?? 1,
    day: parts.day ?? 1,
    hour: parts.hour ?? 0,
    minute: parts.minute ?? 0,
    second: parts.second ?? 0,
  };
}

function wallAsUtc(wall: WallTime): number {
  return Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second);
}

/** Offset of `timeZone` from UTC at `instant`, in minutes (east positive). */
export function offsetMinutesAt(instant: number, timeZone: string): number {
  const wall = wallTimeAt(Math.floor(instant / 1000) * 1000, timeZone);
  return Math.round((wallAsUtc(wall) - Math.floor(instant / 1000) * 1000) / 60_000);
}

/**
 * The instant at which the wall clock in `timeZone` reads `wall`. In a DST gap
 * the time is pushed forward by the gap; in an overlap the earlier instant wins
 * (what calendar clients do).
 */
export function instantOfWallTime(wall: WallTime, timeZone: string): number {
  const asUtc = wallAsUtc(wall);
  const firstGuess = asUtc - offsetMinutesAt(asUtc, timeZone) * 60_000;
  const secondGuess = asUtc - offsetMinutesAt(firstGuess, timeZone) * 60_000;
  if (secondGuess === firstGuess) return firstGuess;
  // Overlap or gap: prefer the earlier reading that maps back onto `wall`.
  const candidates = [Math.min(firstGuess, secondGuess), Math.max(firstGuess, secondGuess)];
  for (const candidate of candidates) {
    if (wallAsUtc(wallTimeAt(candidate, timeZone)) === asUtc) return candidate;
  }
  return Math.max(firstGuess, secondGuess);
}

const pad = (value: number, width = 2): string => String(value).padStart(width, "0");

function formatOffset(minutes: number): string {
  if (minutes === 0) return "Z";
  const sign = minutes > 0 ? "+" : "-";
  const abs = Math.abs(minutes);
  return `${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

function formatWall(wall: WallTime): string {
  return `${pad(wall.year, 4)}-${pad(wall.month)}-${pad(wall.day)}T${pad(wall.hour)}:${pad(wall.minute)}:${pad(wall.second)}`;
}

/** RFC 3339 in the given zone, the way Google writes event times: `2026-01-05T09:00:00+01:00`. */
export function formatRfc3339InZone(instant: number, timeZone: string): string {
  const offset = offsetMinutesAt(instant, timeZone);
  return formatWall(wallTimeAt(instant, timeZone)) + formatOffset(offset);
}

/** Graph's `dateTimeTimeZone.dateTime`: wall time with seven fractional digits and no offset. */
export function formatGraphDateTime(instant: number, timeZone: string): string {
  return `${formatWall(wallTimeAt(instant, timeZone))}.0000000`;
}

/** Graph's UTC timestamps (`expirationDateTime`, `lastModifiedDateTime`): seven fractional digits, Z. */
export function formatGraphUtc(instant: number): string {
  const iso = new Date(instant).toISOString(); // 2026-01-05T09:00:00.123Z
  return `${iso.slice(0, 23)}0000Z`;
}

/** RFC 3339 UTC with milliseconds, as Google writes `created`/`updated`. */
export function formatIsoUtc(instant: number): string {
  return new Date(instant).toISOString();
}

/** RFC 1123 (`Tue, 19 Nov 2013 01:13:52 GMT`), used by X-Goog-Channel-Expiration. */
export function formatRfc1123(instant: number): string {
  return new Date(instant).toUTCString();
}

/** `20260105T090000Z`: the instance-id suffix Google uses for timed instances. */
export function formatCompactUtc(instant: number): string {
  return new Date(instant)
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d{3}/, "");
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;
const LOCAL_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Parses RFC 3339 with a mandatory offset (what Google requires for timeMin etc.). */
export function parseRfc3339(text: string): number | undefined {
  const match = RFC3339.exec(text);
  if (!match) return undefined;
  const instant = Date.parse(text.toUpperCase());
  return Number.isNaN(instant) ? undefined : instant;
}

/** Parses `YYYY-MM-DDTHH:MM[:SS[.fff]]` without an offset. */
export function parseLocalDateTime(text: string): WallTime | undefined {
  const match = LOCAL_DATE_TIME.exec(text);
  if (!match) return undefined;
  const wall: WallTime = {
    year: Number(match[1]),
    month: Number(match[2]),
    day: Number(match[3]),
    hour: Number(match[4]),
    minute: Number(match[5]),
    second: Number(match[6] ?? 0),
  };
  return isRealWallTime(wall) ? wall : undefined;
}

function isRealWallTime(wall: WallTime): boolean {
  const utc = new Date(wallAsUtc(wall));
  return (
    utc.getUTCFullYear() === wall.year &&
    utc.getUTCMonth() + 1 === wall.month &&
    utc.getUTCDate() === wall.day &&
    wall.hour < 24 &&
    wall.minute < 60 &&
    wall.second < 60
  );
}

export function isDate(text: string): boolean {
  const match = DATE.exec(text);
  if (!match) return false;
  return isRealWallTime({ year: Number(match[1]), month: Number(match[2]), day: Number(match[3]), hour: 0, minute: 0, second: 0 });
}

/** Days since the epoch for a `YYYY-MM-DD` date (floating, no zone). */
export function dateToDayNumber(date: string): number {
  return Math.floor(Date.parse(`${date}T00:00:00Z`) / DAY_MS);
}

export function dayNumberToDate(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

export function addDays(date: string, days: number): string {
  return dayNumberToDate(dateToDayNumber(date) + days);
}

/** ISO weekday of a date: 1 = Monday ... 7 = Sunday. */
export function isoWeekday(date: string): number {
  const weekday = new Date(`${date}T00:00:00Z`).getUTCDay();
  return weekday === 0 ? 7 : weekday;
}

export function wallDate(wall: WallTime): string {
  return `${pad(wall.year, 4)}-${pad(wall.month)}-${pad(wall.day)}`;
}

export function withDate(wall: WallTime, date: string): WallTime {
  const [year, month, day] = date.split("-").map(Number);
  return { ...wall, year: year ?? wall.year, month: month ?? wall.month, day: day ?? wall.day };
}

// Listing or range-checking a large calendar reads every all-day event's midnight,
// and each costs several Intl.formatToParts calls: pure, so remembered per zone.
const midnights = new Map<string, number>();
const MAX_MIDNIGHTS = 50_000;

/**
 * The instant an event time starts, for ordering and range checks. All-day
 * dates are read as midnight in `floatingZone` (the calendar's zone), which is
 * how Google applies timeMin/timeMax to them.
 */
export function eventTimeInstant(time: EventTime, floatingZone: string): number {
  if (time.kind === "dateTime") return time.instant;
  const key = `${floatingZone}|${time.date}`;
  const known = midnights.get(key);
  if (known !== undefined) return known;
  const [year, month, day] = time.date.split("-").map(Number);
  const instant = instantOfWallTime({ year: year ?? 1970, month: month ?? 1, day: day ?? 1, hour: 0, minute: 0, second: 0 }, floatingZone);
  // Bounded, not evicted one by one: calendars hold a few hundred distinct dates per zone.
  if (midnights.size >= MAX_MIDNIGHTS) midnights.clear();
  midnights.set(key, instant);
  return instant;
}

/** A stable string key for the original start of a recurring instance. */
export function originalStartKey(time: EventTime): string {
  return time.kind === "date" ? time.date.replace(/-/g, "") : formatCompactUtc(time.instant);
}
