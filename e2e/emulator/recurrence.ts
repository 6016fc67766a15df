// The subset of RFC 5545 recurrence the emulator expands: RRULE with FREQ
// DAILY or WEEKLY, INTERVAL, COUNT, UNTIL, BYDAY (weekly) and WKST, plus EXDATE
// lines. Stepping happens on the wall clock of the event's own zone, so a
// 09:00 Europe/Berlin weekly meeting stays at 09:00 across DST, as both
// providers do.

import { addDays, dateToDayNumber, type EventTime, instantOfWallTime, isoWeekday, parseLocalDateTime, wallDate, wallTimeAt, withDate } from "./time";

export class RecurrenceError extends Error {}

const WEEKDAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"] as const;
export type Weekday = (typeof WEEKDAYS)[number];

export interface RecurrenceRule {
  freq: "DAILY" | "WEEKLY";
  interval: number;
  count?: number;
  /** Inclusive bound: a date (all-day series) or an instant. */
  until?: { kind: "date"; date: string } | { kind: "instant"; instant: number };
  byDay?: Weekday[];
  /** Week start, 1 = Monday (RFC 5545 default) ... 7 = Sunday. */
  weekStart: number;
  /** Original starts removed from the series (EXDATE), as instants or dates. */
  excluded: Array<{ kind: "date"; date: string } | { kind: "instant"; instant: number }>;
}

function parseUntil(value: string): RecurrenceRule["until"] {
  const dateOnly = /^(\d{4})(\d{2})(\d{2})$/.exec(value);
  if (dateOnly) return { kind: "date", date: `${dateOnly[1]}-${dateOnly[2]}-${dateOnly[3]}` };
  const utc = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (utc) {
    return { kind: "instant", instant: Date.UTC(Number(utc[1]), Number(utc[2]) - 1, Number(utc[3]), Number(utc[4]), Number(utc[5]), Number(utc[6])) };
  }
  throw new RecurrenceError(`Invalid UNTIL value: ${value}`);
}

function parseExdate(line: string): RecurrenceRule["excluded"] {
  // EXDATE;VALUE=DATE:20260105,20260112 | EXDATE:20260105T080000Z (zone-local values go through parseZonedExdate)
  const colon = line.indexOf(":");
  if (colon < 0) throw new RecurrenceError(`Invalid EXDATE: ${line}`);
  return line
    .slice(colon + 1)
    .split(",")
    .map((value) => {
      const parsed = parseUntil(value);
      if (!parsed) throw new RecurrenceError(`Invalid EXDATE value: ${value}`);
      return parsed;
    });
}

function parseZonedExdate(line: string): RecurrenceRule["excluded"] | undefined {
  const match = /^EXDATE;TZID=([^:;]+):(.+)$/.exec(line);
  if (!match) return undefined;
  const zone = match[1] ?? "UTC";
  return (match[2] ?? "").split(",").map((value) => {
    const local = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})$/.exec(value);
    if (!local) throw new RecurrenceError(`Invalid EXDATE value: ${value}`);
    const wall = parseLocalDateTime(`${local[1]}-${local[2]}-${local[3]}T${local[4]}:${local[5]}:${local[6]}`);
    if (!wall) throw new RecurrenceError(`Invalid EXDATE value: ${value}`);
    return { kind: "instant" as const, instant: instantOfWallTime(wall, zone) };
  });
}

/**
 * Parses the `recurrence` lines of an event (Google's format: `RRULE:...`,
 * `EXDATE...`). Throws RecurrenceError for anything outside the supported subset.
 */
export function parseRecurrence(lines: readonly string[]): RecurrenceRule {
  let rule: RecurrenceRule | undefined;
  const excluded: RecurrenceRule["excluded"] = [];
  for (const rawLine of lines) {
    const line = rawLine.trim();
    if (line.startsWith("RRULE:")) {
      if (rule) throw new RecurrenceError("Only one RRULE is supported");
      rule = parseRrule(line.slice("RRULE:".length));
    } else if (line.startsWith("EXDATE")) {
      excluded.push(...(parseZonedExdate(line) ?? parseExdate(line)));
    } else {
      throw new RecurrenceError(`Unsupported recurrence line: ${line}`);
    }
  }
  if (!rule) throw new RecurrenceError("A recurrence needs an RRULE line");
  rule.excluded = excluded;
  return rule;
}

function parseRrule(text: string): RecurrenceRule {
  const parts = new Map<string, string>();
  for (const piece of text.split(";")) {
    const [key, value] = piece.split("=");
    if (!key || value === undefined) throw new RecurrenceError(`Invalid RRULE part: ${piece}`);
    parts.set(key.toUpperCase(), value.toUpperCase());
  }
  const freq = parts.get("FREQ");
  if (freq !== "DAILY" && freq !== "WEEKLY") {
    throw new RecurrenceError(`Unsupported FREQ: ${freq ?? "(missing)"} (the emulator expands DAILY and WEEKLY)`);
  }
  const interval = Number(parts.get("INTERVAL") ?? "1");
  if (!Number.isInteger(interval) || interval < 1) throw new RecurrenceError("INTERVAL must be a positive integer");
  const rule: RecurrenceRule = { freq, interval, weekStart: 1, excluded: [] };
  const count = parts.get("COUNT");
  if (count !== undefined) {
    rule.count = Number(count);
    if (!Number.isInteger(rule.count) || rule.count < 1) throw new RecurrenceError("COUNT must be a positive integer");
  }
  const until = parts.get("UNTIL");
  if (until !== undefined) rule.until = parseUntil(until);
  if (rule.count !== undefined && rule.until) throw new RecurrenceError("COUNT and UNTIL are mutually exclusive");
  const byDay = parts.get("BYDAY");
  if (byDay !== undefined) {
    rule.byDay = byDay.split(",").map((day) => {
      if (!(WEEKDAYS as readonly string[]).includes(day)) throw new RecurrenceError(`Unsupported BYDAY value: ${day}`);
      return day as Weekday;
    });
  }
  const weekStart = parts.get("WKST");
  if (weekStart !== undefined) {
    const index = (WEEKDAYS as readonly string[]).indexOf(weekStart);
    if (index < 0) throw new RecurrenceError(`Invalid WKST: ${weekStart}`);
    rule.weekStart = index + 1;
  }
  for (const key of parts.keys()) {
    if (!["FREQ", "INTERVAL", "COUNT", "UNTIL", "BYDAY", "WKST"].includes(key)) {
      throw new RecurrenceError(`Unsupported RRULE part: ${key}`);
    }
  }
  return rule;
}

/** Candidate dates in series order, starting at the series' first date. */
function* candidateDates(rule: RecurrenceRule, firstDate: string): Generator<string> {
  if (rule.freq === "DAILY") {
    for (let step = 0; ; step += rule.interval) yield addDays(firstDate, step);
  }
  const weekdays = (rule.byDay ?? [WEEKDAYS[isoWeekday(firstDate) - 1] as Weekday])
    .map((day) => WEEKDAYS.indexOf(day) + 1)
    // Order within a week follows the week start.
    .sort((a, b) => ((a - rule.weekStart + 7) % 7) - ((b - rule.weekStart + 7) % 7));
  const offsetInWeek = (isoWeekday(firstDate) - rule.weekStart + 7) % 7;
  const weekStartDate = addDays(firstDate, -offsetInWeek);
  for (let week = 0; ; week += rule.interval) {
    for (const weekday of weekdays) {
      const date = addDays(weekStartDate, week * 7 + ((weekday - rule.weekStart + 7) % 7));
      if (dateToDayNumber(date) >= dateToDayNumber(firstDate)) yield date;
    }
  }
}

export interface ExpansionLimits {
  /** Stop once an occurrence starts at or after this instant (required: series may be endless). */
  until: number;
  /** Hard cap on the number of occurrences produced. */
  max: number;
}

/**
 * Original start times of a series, in order, until `limits.until`. EXDATEs are
 * removed here (but still count towards COUNT, as RFC 5545 says).
 */
export function expandOccurrences(rule: RecurrenceRule, seriesStart: EventTime, limits: ExpansionLimits): EventTime[] {
  const occurrences: EventTime[] = [];
  const firstWall = seriesStart.kind === "dateTime" ? wallTimeAt(seriesStart.instant, seriesStart.timeZone) : undefined;
  const firstDate = seriesStart.kind === "date" ? seriesStart.date : wallDate(firstWall!);
  let produced = 0;
  for (const date of candidateDates(rule, firstDate)) {
    if (rule.count !== undefined && produced >= rule.count) break;
    const occurrence: EventTime =
      seriesStart.kind === "date"
        ? { kind: "date", date }
        : { kind: "dateTime", instant: instantOfWallTime(withDate(firstWall!, date), seriesStart.timeZone), timeZone: seriesStart.timeZone };
    const startInstant = occurrence.kind === "date" ? Date.parse(`${occurrence.date}T00:00:00Z`) : occurrence.instant;
    if (rule.until && isAfterUntil(occurrence, rule.until)) break;
    if (startInstant >= limits.until) break;
    produced += 1;
    if (!isExcluded(occurrence, rule.excluded)) occurrences.push(occurrence);
    if (occurrences.length >= limits.max) break;
  }
  return occurrences;
}

function isAfterUntil(occurrence: EventTime, until: NonNullable<RecurrenceRule["until"]>): boolean {
  if (occurrence.kind === "date") {
    const untilDate = until.kind === "date" ? until.date : new Date(until.instant).toISOString().slice(0, 10);
    return occurrence.date > untilDate;
  }
  if (until.kind === "instant") return occurrence.instant > until.instant;
  // A date UNTIL on a timed series includes the whole day in the series' zone.
  return wallDate(wallTimeAt(occurrence.instant, occurrence.timeZone)) > until.date;
}

function isExcluded(occurrence: EventTime, excluded: RecurrenceRule["excluded"]): boolean {
  return excluded.some((entry) =>
    occurrence.kind === "date" ? entry.kind === "date" && entry.date === occurrence.date : entry.kind === "instant" && entry.instant === occurrence.instant,
  );
}
