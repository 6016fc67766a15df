import { describe, expect, it } from "vitest";
import type { CalendarSummary, SyncRunSummary } from "@/lib/api/types";
import {
  calendarSyncState,
  describeCounts,
  formatDuration,
  groupCalendarsByAccount,
  modeLabel,
  replaceCalendar,
  requestedRunOutcome,
  summarizeSync,
  triggerLabel,
} from "./sync-status";

const run = (overrides: Partial<SyncRunSummary> = {}): SyncRunSummary => ({
  id: "r1",
  trigger: "webhook",
  mode: "incremental",
  status: "succeeded",
  created: 0,
  updated: 0,
  deleted: 0,
  startedAt: "2025-03-04T10:00:00Z",
  finishedAt: "2025-03-04T10:00:01Z",
  durationMs: 1000,
  error: null,
  ...overrides,
});

const calendar = (overrides: Partial<CalendarSummary> = {}): CalendarSummary => ({
  id: "cal",
  connectionId: "conn",
  provider: "google",
  accountEmail: "alice@example.com",
  name: "Work",
  isPrimary: false,
  timeZone: "UTC",
  syncEnabled: true,
  lastSyncedAt: null,
  lastRun: null,
  nextPollAt: null,
  pollOnlyMinutes: null,
  discovered: false,
  removedAt: null,
  eventCount: 0,
  ...overrides,
});

describe("run wording", () => {
  it("labels triggers and modes", () => {
    expect(triggerLabel("poll")).toBe("Scheduled poll");
    expect(triggerLabel("webhook")).toBe("Push notification");
    expect(modeLabel("full")).toBe("Full resync");
  });

  it("counts only what changed", () => {
    expect(describeCounts(run({ created: 3, updated: 1, deleted: 2 }))).toBe("3 created, 1 updated, 2 deleted");
    expect(describeCounts(run({ deleted: 1 }))).toBe("1 deleted");
    expect(describeCounts(run())).toBe("No changes");
  });

  it("formats durations at a readable precision", () => {
    expect(formatDuration(850)).toBe("850 ms");
    expect(formatDuration(4_230)).toBe("4.2 s");
    expect(formatDuration(42_000)).toBe("42 s");
    expect(formatDuration(125_000)).toBe("2 min 5 s");
    expect(formatDuration(120_000)).toBe("2 min");
  });
});

describe("calendarSyncState", () => {
  it("follows the last run", () => {
    expect(calendarSyncState(calendar({ lastRun: run() }))).toBe("succeeded");
    expect(calendarSyncState(calendar({ lastRun: run({ status: "failed" }) }))).toBe("failed");
    expect(calendarSyncState(calendar({ lastRun: run({ status: "running" }) }))).toBe("running");
  });

  it("is off when sync is off, whatever ran before", () => {
    expect(calendarSyncState(calendar({ syncEnabled: false, lastRun: run({ status: "running" }) }))).toBe("off");
  });

  it("waits for a first run, or shows it running while the account syncs", () => {
    expect(calendarSyncState(calendar())).toBe("waiting");
    expect(calendarSyncState(calendar(), true)).toBe("running");
  });
});

describe("requestedRunOutcome", () => {
  const asked = "2025-03-04T10:00:00.500Z";
  it("waits while no run started since the request, or it is still running", () => {
    expect(requestedRunOutcome(calendar({ lastRun: null }), asked)).toBeNull();
    expect(requestedRunOutcome(calendar({ lastRun: run({ startedAt: "2025-03-04T10:00:00Z", status: "failed" }) }), asked)).toBeNull();
    expect(requestedRunOutcome(calendar({ lastRun: run({ startedAt: "2025-03-04T10:00:02Z", status: "running", finishedAt: null }) }), asked)).toBeNull();
  });
  it("answers with the run that started at or after the request and finished", () => {
    const done = run({ startedAt: asked, status: "failed", error: "HTTP 500" });
    expect(requestedRunOutcome(calendar({ lastRun: done }), asked)).toBe(done);
  });
});

describe("groupCalendarsByAccount", () => {
  it("groups under accounts, primary first", () => {
    const groups = groupCalendarsByAccount([
      calendar({ id: "b", name: "Team", connectionId: "g" }),
      calendar({ id: "m", name: "Calendar", connectionId: "m", provider: "microsoft", accountEmail: "bob@contoso.example", isPrimary: true }),
      calendar({ id: "a", name: "Zeta", connectionId: "g", isPrimary: true }),
      calendar({ id: "c", name: "Birthdays", connectionId: "g" }),
    ]);
    expect(groups.map((group) => [group.accountEmail, group.calendars.map((c) => c.id)])).toEqual([
      ["alice@example.com", ["a", "c", "b"]],
      ["bob@contoso.example", ["m"]],
    ]);
  });
});

describe("replaceCalendar", () => {
  it("changes only the matching calendar", () => {
    const list = [calendar({ id: "a" }), calendar({ id: "b" })];
    const next = replaceCalendar(list, "b", (c) => ({ ...c, syncEnabled: false }));
    expect(next.map((c) => c.syncEnabled)).toEqual([true, false]);
    expect(list[1]?.syncEnabled).toBe(true);
  });
});

describe("summarizeSync", () => {
  it("says all is well only when every synced calendar succeeded", () => {
    expect(summarizeSync(["succeeded", "succeeded", "off"])).toBe("All 2 synced calendars are up to date.");
    expect(summarizeSync(["succeeded"])).toBe("The synced calendar is up to date.");
  });

  it("names what is running, waiting and failing", () => {
    expect(summarizeSync(["running", "failed", "succeeded", "waiting", "failed"])).toBe(
      "1 calendar syncing, 1 calendar waiting for a first sync, 2 calendars failed.",
    );
  });

  it("handles nothing synced", () => {
    expect(summarizeSync([])).toBe("No calendars yet.");
    expect(summarizeSync(["off"])).toBe("No calendar is synced.");
  });
});
