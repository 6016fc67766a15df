// Date and time wording for the UI. Every function takes the zone and locale as
// optional arguments: the browser's own by default (people read their own clock),
// fixed ones in tests so the expectations do not depend on the machine.

export interface ZoneOptions {
  /** IANA zone; the runtime's zone when omitted. */
  timeZone?: string;
  /** BCP 47 locale; the runtime's when omitted. */
  locale?: string;
}

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

const toMs = (value: Date | string | number): number => (value instanceof Date ? value.getTime() : typeof value === "string" ? Date.parse(value) : value);

/**
 * "just now", "5 minutes ago", "in 2 hours", "yesterday". Thresholds round up to the
 * next unit early (45 minutes reads "1 hour"), as people say it. For deadlines that
 * must never read "just now", see formatDue.
 */
export function formatRelative(date: Date | string | number, now: Date | number, locale?: string): string {
  const diff = toMs(date) - toMs(now);
  const abs = Math.abs(diff);
  // Slightly ahead counts as now too: the clock callers pass ticks every few seconds,
  // so data fresher than the last tick would otherwise read "in a few seconds".
  if (abs < 45 * SECOND) return "just now";
  const rtf = new Intl.RelativeTimeFormat(locale, { numeric: "auto" });
  const unit = (size: number) => Math.sign(diff) * Math.max(1, Math.round(abs / size));
  if (abs < 45 * MINUTE) return rtf.format(unit(MINUTE), "minute");
  if (abs < 22 * HOUR) return rtf.format(unit(HOUR), "hour");
  if (abs < 6 * DAY) return rtf.format(unit(DAY), "day");
  if (abs < 26 * DAY) return rtf.format(unit(7 * DAY), "week");
  if (abs < 320 * DAY) return rtf.format(unit(30 * DAY), "month");
  return rtf.format(unit(365 * DAY), "year");
}

/** "Tue, Mar 4, 2025, 2:05 PM CET": the full instant, for tooltips. */
export function formatAbsolute(date: Date | string | number, { timeZone, locale }: ZoneOptions = {}): string {
  return new Intl.DateTimeFormat(locale, {
    weekday: "short",
    year: "numeric",
    month: "short",
    day: "numeric",
    hour: "numeric",
    minute: "2-digit",
    timeZoneName: "short",
    timeZone,
  }).format(toMs(date));
}

/** "Mar 4, 2:05 PM": a date and time short enough for running text. */
export function formatShortDateTime(date: Date | string | number, { timeZone, locale }: ZoneOptions = {}): string {
  return new Intl.DateTimeFormat(locale, { month: "short", day: "numeric", hour: "numeric", minute: "2-digit", timeZone }).format(toMs(date));
}

/** "2:05 PM" (or "14:05", as the locale writes it). */
export function formatClock(date: Date | string | number, { timeZone, locale }: ZoneOptions = {}): string {
  return new Intl.DateTimeFormat(locale, { hour: "numeric", minute: "2-digit", timeZone }).format(toMs(date));
}

/** The calendar day an instant falls on in a zone, as `YYYY-MM-DD`. */
export function dayKeyInZone(date: Date | string | number, timeZone?: string): string {
  const parts = new Intl.DateTimeFormat("en-US", { year: "numeric", month: "2-digit", day: "2-digit", timeZone }).formatToParts(toMs(date));
  const get = (type: Intl.DateTimeFormatPartTypes) => parts.find((part) => part.type === type)?.value ?? "";
  return `${get("year")}-${get("month")}-${get("day")}`;
}

/** `YYYY-MM-DD` plus `days` (negative allowed); plain date arithmetic, no zone involved. */
export function addDaysToKey(key: string, days: number): string {
  const [year, month, day] = key.split("-").map(Number);
  const date = new Date(Date.UTC(year ?? 1970, (month ?? 1) - 1, (day ?? 1) + days));
  return date.toISOString().slice(0, 10);
}

/** A `YYYY-MM-DD` in words: "Wednesday, March 5"; `short` gives "Wed, Mar 5". */
export function formatDayKey(key: string, { locale, short = false }: { locale?: string; short?: boolean } = {}): string {
  // Noon UTC, formatted in UTC: the date itself, whatever the runtime's zone.
  const instant = Date.parse(`${key}T12:00:00Z`);
  return new Intl.DateTimeFormat(locale, {
    weekday: short ? "short" : "long",
    month: short ? "short" : "long",
    day: "numeric",
    timeZone: "UTC",
  }).format(instant);
}

/** "Today", "Tomorrow", else the day in words. */
export function dayLabel(key: string, todayKey: string, locale?: string): string {
  if (key === todayKey) return "Today";
  if (key === addDaysToKey(todayKey, 1)) return "Tomorrow";
  if (key === addDaysToKey(todayKey, -1)) return "Yesterday";
  return formatDayKey(key, { locale });
}

/** "in 12 minutes"-style countdown that never says "ago" for something overdue by seconds. */
export function formatDue(date: Date | string | number, now: Date | number, locale?: string): string {
  const diff = toMs(date) - toMs(now);
  if (diff <= 30 * SECOND) return "any moment now";
  return formatRelative(date, now, locale);
}
