import { describe, expect, it } from "vitest";
import type { EventRecord } from "@/lib/providers/port";
import { eventRecord } from "@/scripts/test/event-records";
import { collapseChanges, inWindow } from "./store";

function event(id: string, start: string, end: string, title = id): EventRecord {
  return eventRecord({ providerEventId: id, title, startAt: new Date(start), endAt: new Date(end) });
}

describe("collapseChanges", () => {
  it("keeps the last change per event, in order", () => {
    const { upserts, deletes } = collapseChanges([
      { type: "upsert", event: event("a", "2030-01-01T10:00Z", "2030-01-01T11:00Z", "first") },
      { type: "delete", providerEventId: "b" },
      { type: "upsert", event: event("a", "2030-01-01T10:00Z", "2030-01-01T11:00Z", "second") },
      { type: "upsert", event: event("b", "2030-01-02T10:00Z", "2030-01-02T11:00Z") },
      { type: "upsert", event: event("c", "2030-01-03T10:00Z", "2030-01-03T11:00Z") },
      { type: "delete", providerEventId: "c" },
    ]);
    expect(upserts.map((record) => [record.providerEventId, record.title])).toEqual([
      ["a", "second"],
      ["b", "b"],
    ]);
    expect(deletes).toEqual(["c"]);
  });
});

describe("inWindow", () => {
  const window = { start: new Date("2030-01-01T00:00Z"), end: new Date("2030-02-01T00:00Z") };

  it("keeps events overlapping the window and drops the rest", () => {
    expect(inWindow(event("x", "2029-12-31T23:00Z", "2030-01-01T01:00Z"), window)).toBe(true);
    expect(inWindow(event("x", "2029-12-31T22:00Z", "2030-01-01T00:00Z"), window)).toBe(false);
    expect(inWindow(event("x", "2030-01-31T23:00Z", "2030-02-01T01:00Z"), window)).toBe(true);
    expect(inWindow(event("x", "2030-02-01T00:00Z", "2030-02-01T01:00Z"), window)).toBe(false);
  });

  it("is unbounded in the future when the window has no end", () => {
    expect(inWindow(event("x", "2099-01-01T00:00Z", "2099-01-01T01:00Z"), { start: window.start, end: null })).toBe(true);
  });
});
