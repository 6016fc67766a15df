// Words and numbers for the operations console. Pure, so they are tested alone.

/** "850 ms", "1.2 s", "12 s", "2.5 min". */
export function formatLatency(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return "—";
  if (ms < 1_000) return `${Math.round(ms)} ms`;
  if (ms < 10_000) return `${(ms / 1_000).toFixed(1)} s`;
  if (ms < 60_000) return `${Math.round(ms / 1_000)} s`;
  return `${(ms / 60_000).toFixed(1)} min`;
}

/** "99.5%", "100%", "0%"; never rounds a rate below 1 up to 100%. */
export function formatPercent(rate: number | null): string {
  if (rate === null || !Number.isFinite(rate)) return "—";
  const percent = rate * 100;
  if (percent >= 100) return "100%";
  if (percent > 99.9) return "99.9%";
  return `${Number.isInteger(percent) ? percent : percent.toFixed(1)}%`;
}

export function formatCount(count: number, one: string, many = `${one}s`): string {
  return `${count.toLocaleString("en-US")} ${count === 1 ? one : many}`;
}

/** An id too long for a table cell: its start and end, the way people compare them. */
export function shortId(id: string, keep = 8): string {
  return id.length <= keep * 2 + 1 ? id : `${id.slice(0, keep)}…${id.slice(-4)}`;
}

export type TimeRange = "1h" | "24h" | "7d" | "30d" | "all";

export const TIME_RANGES: Array<{ value: TimeRange; label: string }> = [
  { value: "1h", label: "Last hour" },
  { value: "24h", label: "Last 24 hours" },
  { value: "7d", label: "Last 7 days" },
  { value: "30d", label: "Last 30 days" },
  { value: "all", label: "All time" },
];

const RANGE_MS: Record<Exclude<TimeRange, "all">, number> = { "1h": 3_600_000, "24h": 86_400_000, "7d": 7 * 86_400_000, "30d": 30 * 86_400_000 };

/** The start of a range ending now, or null for all time. */
export function rangeStart(range: TimeRange, now: number): Date | null {
  return range === "all" ? null : new Date(now - RANGE_MS[range]);
}

export function isTimeRange(value: string | null): value is TimeRange {
  return value !== null && TIME_RANGES.some((range) => range.value === value);
}

/**
 * The calendar a webhook event concerns, as its row in the log says it. A Graph
 * notification names the mailbox, not a calendar; the log filtered to one calendar
 * lists those too, and then says so instead of a bare "All calendars" under a filter
 * that names one.
 */
export function eventCalendarLabel(event: { calendarId: string | null; calendarName: string | null }, filteredCalendarName: string | null): string {
  if (event.calendarName) return event.calendarName;
  if (event.calendarId !== null) return "Removed calendar";
  return filteredCalendarName ? `${filteredCalendarName} (all calendars of its mailbox)` : "All calendars of the mailbox";
}

/** What "Replay all dead" does, in a sentence whose verbs agree with the count. */
export function replayAllExplanation(deadCount: number | null): string {
  if (deadCount === 1) return "The 1 event whose retries ran out goes back to pending, and its calendar syncs again.";
  return `${deadCount ? `The ${formatCount(deadCount, "event")}` : "Events"} whose retries ran out go back to pending, and their calendars sync again.`;
}

/**
 * The overview's p95 is over every notification, so one slow connection with few
 * notifications hardly moves it while its own row shows much more: name that
 * connection beside the overall figure ("slowest: bob@x.com 31 s"), so the two do
 * not seem to disagree. Null when no connection is slower than the whole.
 */
export function slowestLatencyHint(
  overallP95Ms: number | null,
  connections: Array<{ accountEmail: string; latency: { p95Ms: number | null } }>,
): string | null {
  if (connections.length < 2) return null;
  const slowest = connections.reduce<(typeof connections)[number] | null>(
    (worst, connection) => (connection.latency.p95Ms !== null && (worst === null || connection.latency.p95Ms > worst.latency.p95Ms!) ? connection : worst),
    null,
  );
  if (!slowest || slowest.latency.p95Ms === null || (overallP95Ms !== null && slowest.latency.p95Ms <= overallP95Ms)) return null;
  return `all notifications; slowest: ${slowest.accountEmail} ${formatLatency(slowest.latency.p95Ms)}`;
}
