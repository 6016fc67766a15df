import type { UpcomingEvent } from "@/lib/api/types";
import { addDaysToKey, dayKeyInZone, dayLabel, formatAbsolute, formatClock, formatDayKey, type ZoneOptions } from "@/components/format/time";

/** What the time formatters read: an agenda row, or the drawer's full record. */
export type EventTimes = Pick<UpcomingEvent, "isAllDay" | "startAt" | "endAt" | "startDate" | "endDate" | "timeZone">;

export interface EventDay {
  /** `YYYY-MM-DD` in the viewer's zone. */
  key: string;
  /** "Today", "Tomorrow", "Friday, March 7". */
  label: string;
  events: UpcomingEvent[];
}

/** The day an event is listed under: its own start day, or today for one already under way. */
function listDay(event: UpcomingEvent, todayKey: string, timeZone?: string): string {
  // All-day events are floating dates: the 5th is the 5th in every zone.
  const start = event.isAllDay && event.startDate ? event.startDate : dayKeyInZone(event.startAt, timeZone);
  return start < todayKey ? todayKey : start;
}

/**
 * Upcoming events as an agenda: one group per day in the viewer's zone, days in
 * order, all-day events first and then by start time. Each event is listed once,
 * on the day it starts (or today when it started earlier), so a multi-day event
 * is one row that says how long it runs, not a copy per day. Cancelled events are
 * left out: the agenda shows what will happen.
 */
export function groupEventsByDay(events: readonly UpcomingEvent[], now: Date | number, zone: ZoneOptions = {}): EventDay[] {
  const todayKey = dayKeyInZone(now, zone.timeZone);
  const days = new Map<string, UpcomingEvent[]>();
  for (const event of events) {
    if (event.status === "cancelled") continue;
    const key = listDay(event, todayKey, zone.timeZone);
    const list = days.get(key);
    if (list) list.push(event);
    else days.set(key, [event]);
  }
  return [...days.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, list]) => ({
      key,
      label: dayLabel(key, todayKey, zone.locale),
      events: list.sort(
        (a, b) =>
          Number(b.isAllDay) - Number(a.isAllDay) ||
          Date.parse(a.startAt) - Date.parse(b.startAt) ||
          a.title.localeCompare(b.title, zone.locale) ||
          a.id.localeCompare(b.id),
      ),
    }));
}

/**
 * The time column of an agenda row: "All day", "All day · until Thu, Mar 6",
 * "9:00 AM – 10:00 AM", or with weekdays when the event crosses midnight.
 */
export function formatEventTime(event: EventTimes, zone: ZoneOptions = {}): string {
  if (event.isAllDay) {
    if (event.startDate && event.endDate) {
      // endDate is exclusive: a one-day event on the 5th ends on the 6th.
      const lastDay = addDaysToKey(event.endDate, -1);
      if (lastDay > event.startDate) return `All day · until ${formatDayKey(lastDay, { locale: zone.locale, short: true })}`;
    }
    return "All day";
  }
  const startDay = dayKeyInZone(event.startAt, zone.timeZone);
  // An event ending at midnight ends "on" the day it started, as people read it.
  const endDay = dayKeyInZone(Date.parse(event.endAt) - 1, zone.timeZone);
  const start = formatClock(event.startAt, zone);
  const end = formatClock(event.endAt, zone);
  if (startDay === endDay) return start === end ? start : `${start} – ${end}`;
  const weekday = (key: string) => formatDayKey(key, { locale: zone.locale, short: true }).split(",")[0] ?? "";
  return `${weekday(startDay)} ${start} – ${weekday(endDay)} ${end}`;
}

/** The browser's IANA zone, for "times in Europe/Berlin". */
export function browserTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}

/** The wall clock of an instant in a zone, to the minute; null for a zone the runtime does not know. */
function wallClock(at: string, timeZone: string): string | null {
  try {
    return new Intl.DateTimeFormat("en-US", {
      timeZone,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
    }).format(Date.parse(at));
  } catch {
    return null;
  }
}

/**
 * The event's own zone when its clock differs from the viewer's at its start or
 * end (a zone with another name but the same clock, Europe/Paris for a viewer in
 * Europe/Berlin, is not worth a mention); null otherwise.
 */
export function differingZone(event: EventTimes, viewerZone: string): string | null {
  if (event.timeZone === viewerZone) return null;
  for (const at of [event.startAt, event.endAt]) {
    const theirs = wallClock(at, event.timeZone);
    if (theirs === null) return null;
    if (theirs !== wallClock(at, viewerZone)) return event.timeZone;
  }
  return null;
}

/** Hover text: the times in the viewer's zone, and in the event's own zone when that differs. */
export function eventTimeTitle(event: EventTimes, viewerZone: string, ownZone: string | null, locale?: string): string {
  const span = (timeZone: string) => `${formatAbsolute(event.startAt, { timeZone, locale })} → ${formatAbsolute(event.endAt, { timeZone, locale })}`;
  const here = span(viewerZone);
  return ownZone ? `${here}\nScheduled in ${ownZone.replaceAll("_", " ")}: ${span(ownZone)}` : here;
}
