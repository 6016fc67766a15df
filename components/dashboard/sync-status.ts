import type { CalendarSummary, SyncRunSummary } from "@/lib/api/types";
import type { BadgeTone } from "@/components/ui/badge";

const TRIGGERS: Record<SyncRunSummary["trigger"], string> = {
  initial: "First sync",
  webhook: "Push notification",
  poll: "Scheduled poll",
  manual: "Manual",
  lifecycle: "Subscription event",
};

const MODES: Record<SyncRunSummary["mode"], string> = {
  incremental: "Incremental",
  full: "Full resync",
};

export const triggerLabel = (trigger: SyncRunSummary["trigger"]) => TRIGGERS[trigger];
export const modeLabel = (mode: SyncRunSummary["mode"]) => MODES[mode];

/** "3 created, 1 updated, 2 deleted", leaving out the zeros; "No changes" when all are zero. */
export function describeCounts(run: Pick<SyncRunSummary, "created" | "updated" | "deleted">): string {
  const parts = [
    run.created > 0 ? `${run.created} created` : null,
    run.updated > 0 ? `${run.updated} updated` : null,
    run.deleted > 0 ? `${run.deleted} deleted` : null,
  ].filter((part): part is string => part !== null);
  return parts.length === 0 ? "No changes" : parts.join(", ");
}

/** "850 ms", "4.2 s", "2 min 5 s". */
export function formatDuration(ms: number): string {
  if (ms < 1_000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1_000).toFixed(ms < 10_000 ? 1 : 0)} s`;
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.round((ms % 60_000) / 1_000);
  return seconds === 0 ? `${minutes} min` : `${minutes} min ${seconds} s`;
}

export type CalendarSyncState = "off" | "waiting" | "running" | "succeeded" | "failed";

/**
 * Where a calendar's sync stands. "waiting" is a synced calendar with no run on
 * record yet, or whose account is still in its first sync.
 */
export function calendarSyncState(calendar: Pick<CalendarSummary, "syncEnabled" | "lastRun">, accountSyncing = false): CalendarSyncState {
  if (!calendar.syncEnabled) return "off";
  if (calendar.lastRun?.status === "running") return "running";
  if (!calendar.lastRun) return accountSyncing ? "running" : "waiting";
  return calendar.lastRun.status;
}

/**
 * The run a "Sync now" asked for, once it has finished: the calendar's latest run if it
 * started at or after the request (the server's clock on both sides) and has an end.
 * Null while it is queued or running. A run that started earlier is an older one,
 * whatever its status.
 */
export function requestedRunOutcome(calendar: Pick<CalendarSummary, "lastRun">, requestedAt: string): SyncRunSummary | null {
  const run = calendar.lastRun;
  if (!run || Date.parse(run.startedAt) < Date.parse(requestedAt)) return null;
  return run.status === "running" ? null : run;
}

export const SYNC_STATE_BADGE: Record<CalendarSyncState, { tone: BadgeTone; label: string }> = {
  off: { tone: "neutral", label: "Sync off" },
  waiting: { tone: "info", label: "Waiting for first sync" },
  running: { tone: "info", label: "Syncing…" },
  succeeded: { tone: "success", label: "Succeeded" },
  failed: { tone: "danger", label: "Failed" },
};

export interface AccountGroup {
  connectionId: string;
  provider: CalendarSummary["provider"];
  accountEmail: string;
  calendars: CalendarSummary[];
}

/** Calendars under their accounts: accounts by provider then email, primary calendar first, then by name. */
export function groupCalendarsByAccount(calendars: readonly CalendarSummary[]): AccountGroup[] {
  const groups = new Map<string, AccountGroup>();
  for (const calendar of calendars) {
    const group = groups.get(calendar.connectionId);
    if (group) group.calendars.push(calendar);
    else
      groups.set(calendar.connectionId, {
        connectionId: calendar.connectionId,
        provider: calendar.provider,
        accountEmail: calendar.accountEmail,
        calendars: [calendar],
      });
  }
  return [...groups.values()]
    .sort((a, b) => a.provider.localeCompare(b.provider) || a.accountEmail.localeCompare(b.accountEmail))
    .map((group) => ({
      ...group,
      calendars: group.calendars.sort((a, b) => Number(b.isPrimary) - Number(a.isPrimary) || a.name.localeCompare(b.name) || a.id.localeCompare(b.id)),
    }));
}

/** Replaces one calendar in the list (an optimistic toggle, or the server's answer to it). */
export function replaceCalendar(calendars: readonly CalendarSummary[], id: string, update: (calendar: CalendarSummary) => CalendarSummary): CalendarSummary[] {
  return calendars.map((calendar) => (calendar.id === id ? update(calendar) : calendar));
}

/**
 * One line over all calendars, for the section's live region: it changes only when
 * a sync starts, ends or fails, so screen readers are told about those and nothing else.
 */
export function summarizeSync(states: readonly CalendarSyncState[]): string {
  const count = (state: CalendarSyncState) => states.filter((s) => s === state).length;
  const synced = states.length - count("off");
  if (synced === 0) return states.length === 0 ? "No calendars yet." : "No calendar is synced.";
  const calendars = (n: number) => `${n} ${n === 1 ? "calendar" : "calendars"}`;
  const parts: string[] = [];
  if (count("running") > 0) parts.push(`${calendars(count("running"))} syncing`);
  if (count("waiting") > 0) parts.push(`${calendars(count("waiting"))} waiting for a first sync`);
  if (count("failed") > 0) parts.push(`${calendars(count("failed"))} failed`);
  if (parts.length === 0) return synced === 1 ? "The synced calendar is up to date." : `All ${synced} synced calendars are up to date.`;
  return `${parts.join(", ")}.`.replace(/^./, (c) => c.toUpperCase());
}
