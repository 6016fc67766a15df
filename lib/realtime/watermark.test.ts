import { describe, expect, it } from "vitest";
import { changedKinds, parseWatermarkId, watermarkId } from "./watermark";
import { sseComment, sseMessage } from "./stream";

describe("watermark ids", () => {
  it("round-trip through Last-Event-ID", () => {
    const mark = { events: 42, sync: 1_733_333_333_333, webhooks: 0 };
    expect(parseWatermarkId(watermarkId(mark))).toEqual(mark);
  });
  it("ignore an id that is not ours", () => {
    for (const id of [null, "", "abc", "1.2", "1.2.3.4", "-1.2.3"]) expect(parseWatermarkId(id)).toBeNull();
  });
  it("name the kinds that moved", () => {
    expect(changedKinds({ events: 1, sync: 2, webhooks: 3 }, { events: 2, sync: 2, webhooks: 4 })).toEqual(["events", "webhooks"]);
  });
});

describe("SSE framing", () => {
  it("writes id, event and one data line, then a blank line", () => {
    expect(sseMessage("changed", { kind: "events", seq: 3 }, "3.0.0")).toBe('id: 3.0.0\nevent: changed\ndata: {"kind":"events","seq":3}\n\n');
    expect(sseComment("heartbeat")).toBe(": heartbeat\n\n");
  });
});
