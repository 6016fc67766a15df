import { describe, expect, it } from "vitest";
import { restoreState, serializeState, STATE_VERSION } from "./persistence";

class Holder {
  private events = new Map<string, Record<string, unknown>>();
  tags = new Set<string>();
  secret = Buffer.from("0123456789abcdef");
  count = 0;
  add(id: string, record: Record<string, unknown>) {
    this.events.set(id, record);
  }
  get(id: string) {
    return this.events.get(id);
  }
}

describe("emulator state serialization", () => {
  it("round-trips Maps, Sets, Buffers and every property of a record, known or not", () => {
    const source = new Holder();
    source.add("e1", {
      summary: "Planning",
      start: { kind: "date", date: "2026-01-05" },
      attendees: [{ email: "a@x", responseStatus: "accepted" }],
      brandNew: { nested: new Map([["k", new Set([1, 2])]]) },
    });
    source.tags.add("x");
    source.count = 7;
    const parts = (holder: Holder) => ({ holder: { target: holder, fields: ["events", "tags", "secret", "count"] } });
    const text = serializeState(parts(source));
    const target = new Holder();
    expect(restoreState(parts(target), text)).toBe(true);
    expect(target.get("e1")).toEqual(source.get("e1"));
    expect(target.tags).toEqual(new Set(["x"]));
    expect(target.secret.equals(source.secret)).toBe(true);
    expect(target.count).toBe(7);
    expect(JSON.parse(text).version).toBe(STATE_VERSION);
  });

  it("fails loudly on a field that does not exist, and loads nothing from an incomplete document", () => {
    const holder = new Holder();
    expect(() => serializeState({ holder: { target: holder, fields: ["evnets"] } })).toThrow(/holder\.evnets/);
    const text = serializeState({ holder: { target: holder, fields: ["count"] } });
    holder.count = 3;
    expect(restoreState({ holder: { target: holder, fields: ["count", "tags"] } }, text)).toBe(false);
    expect(holder.count).toBe(3);
  });
});
