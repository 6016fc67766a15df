import { describe, expect, it } from "vitest";
import type { ConnectionSummary, ProviderSummary } from "@/lib/api/types";
import { cardState, describeCalendarCount, describePush, hasAnyConnection, importProgress, isAnySyncing } from "./card-state";

const connection = (overrides: Partial<ConnectionSummary> = {}): ConnectionSummary => ({
  id: "c1",
  provider: "google",
  accountEmail: "alice@example.com",
  status: "active",
  lastError: null,
  lastSyncedAt: null,
  calendarCount: 2,
  syncedCalendarCount: 1,
  syncing: false,
  mirroredWhileSyncing: null,
  push: { status: "active", expiresAt: null, lastNotificationAt: null, suspect: false },
  createdAt: "2025-03-01T00:00:00Z",
  connectedBy: { name: "Alice", email: "alice@example.com" },
  ...overrides,
});

const provider = (overrides: Partial<ProviderSummary> = {}): ProviderSummary => ({
  provider: "google",
  displayName: "Google Calendar",
  configured: true,
  revocation: { kind: "endpoint" },
  connections: [],
  ...overrides,
});

describe("cardState", () => {
  it("maps each connection status to a card state", () => {
    expect(cardState(provider(), null, false)).toBe("not_connected");
    expect(cardState(provider(), connection(), false)).toBe("connected");
    expect(cardState(provider(), connection({ status: "needs_reconnect" }), false)).toBe("needs_reconnect");
    expect(cardState(provider(), connection({ status: "revoked" }), false)).toBe("needs_reconnect");
    expect(cardState(provider(), connection({ status: "error" }), false)).toBe("error");
  });

  it("shows connecting while the redirect is under way, whatever the connection", () => {
    expect(cardState(provider(), null, true)).toBe("connecting");
    expect(cardState(provider(), connection({ status: "needs_reconnect" }), true)).toBe("connecting");
  });

  it("is not configured only when there is nothing to show", () => {
    expect(cardState(provider({ configured: false }), null, false)).toBe("not_configured");
    expect(cardState(provider({ configured: false }), null, true)).toBe("not_configured");
    expect(cardState(provider({ configured: false }), connection(), false)).toBe("connected");
  });
});

describe("describePush", () => {
  const zone = { timeZone: "UTC", locale: "en-US" };
  it("says when an active channel renews", () => {
    expect(describePush({ status: "active", expiresAt: "2025-03-08T10:00:00Z", lastNotificationAt: null, suspect: false }, zone)).toEqual({
      tone: "success",
      label: "Push active",
      detail: "Renews before Mar 8, 10:00 AM",
    });
  });

  it("falls back to polling for every other state", () => {
    for (const status of ["pending", "expired", "failed", "stopped", "none"] as const) {
      expect(describePush({ status, expiresAt: null, lastNotificationAt: null, suspect: false }, zone).detail).toMatch(/Polling every 5 min/);
    }
    expect(describePush({ status: "failed", expiresAt: null, lastNotificationAt: null, suspect: false }).tone).toBe("danger");
  });
});

describe("importProgress", () => {
  it("says how many events are in while an account syncs, and just syncing before the first", () => {
    expect(importProgress(connection({ syncing: true, mirroredWhileSyncing: 0 }))).toBe("Syncing…");
    expect(importProgress(connection({ mirroredWhileSyncing: null }))).toBe("Syncing…");
    expect(importProgress(connection({ syncing: true, mirroredWhileSyncing: 1 }))).toBe("Importing… 1 event so far");
    expect(importProgress(connection({ syncing: true, mirroredWhileSyncing: 12500 }))).toBe("Importing… 12,500 events so far");
  });
});

describe("describeCalendarCount", () => {
  it("counts synced over total", () => {
    expect(describeCalendarCount({ calendarCount: 3, syncedCalendarCount: 2 })).toBe("2 of 3 selected");
    expect(describeCalendarCount({ calendarCount: 1, syncedCalendarCount: 1 })).toBe("1 of 1 selected");
    expect(describeCalendarCount({ calendarCount: 0, syncedCalendarCount: 0 })).toBe("No calendars found yet");
  });
});

describe("page-level flags", () => {
  it("knows when something is connected and when a sync runs", () => {
    const idle = provider({ connections: [connection()] });
    const busy = provider({ provider: "microsoft", connections: [connection({ syncing: true })] });
    expect(hasAnyConnection([provider()])).toBe(false);
    expect(hasAnyConnection([provider(), idle])).toBe(true);
    expect(isAnySyncing([idle])).toBe(false);
    expect(isAnySyncing([idle, busy])).toBe(true);
  });
});
