import { describe, expect, it } from "vitest";
import { AppError } from "@/lib/http/errors";
import { REDACTED } from "@/lib/webhooks/redact";
import { parseGraphBatch, validationTokenOf, type GraphKind } from "@/lib/webhooks/microsoft";

describe("validationTokenOf", () => {
  const tokens = [
    "plain",
    "Validation: Testing client application reachability for subscription Request-Id: 9c1c-4e2b",
    "a+b/c=d==",
    "100%25 sure?&x=y",
    "  spaced  out  ",
    "ünïcødé ✓",
  ];

  it("returns exactly the token Graph put in the query, whatever it contains", () => {
    for (const token of tokens) {
      const url = new URL("https://app.example/api/webhooks/microsoft");
      url.searchParams.set("validationToken", token);
      expect(validationTokenOf(url.toString())).toBe(token);
    }
  });

  it("decodes the way URLSearchParams does: %2B is a plus, a literal + is a space, %20 a space", () => {
    expect(validationTokenOf("https://app.example/n?validationToken=a%2Bb%2Fc%3D")).toBe("a+b/c=");
    expect(validationTokenOf("https://app.example/n?validationToken=a+b")).toBe("a b");
    expect(validationTokenOf("https://app.example/n?validationToken=a%20b%252B")).toBe("a b%2B");
    expect(validationTokenOf("https://app.example/n?validationToken=x/y=z")).toBe("x/y=z");
  });

  it("keeps other query parameters of the notification URL out of it, and answers null without one", () => {
    expect(validationTokenOf("https://app.example/n?tenant=t1&validationToken=abc&x=1")).toBe("abc");
    expect(validationTokenOf("https://app.example/n?validationToken=")).toBe("");
    expect(validationTokenOf("https://app.example/n?tenant=t1")).toBeNull();
    expect(validationTokenOf("https://app.example/n")).toBeNull();
  });
});

const change = (overrides: Record<string, unknown> = {}) => ({
  subscriptionId: "sub-1",
  subscriptionExpirationDateTime: "2030-10-30T11:00:00Z",
  clientState: "s3cret",
  changeType: "updated",
  resource: "Users/u1/Events/e1",
  tenantId: "tenant-1",
  resourceData: { "@odata.type": "#Microsoft.Graph.Event", "@odata.id": "Users/u1/Events/e1", "@odata.etag": 'W/"1"', id: "e1" },
  ...overrides,
});

const lifecycle = (overrides: Record<string, unknown> = {}) => ({
  subscriptionId: "sub-1",
  subscriptionExpirationDateTime: "2030-10-30T11:00:00Z",
  tenantId: "tenant-1",
  clientState: "s3cret",
  lifecycleEvent: "reauthorizationRequired",
  ...overrides,
});

function counter() {
  const counts: Record<string, number> = {};
  return { counts, count: (outcome: string, by = 1) => void (counts[outcome] = (counts[outcome] ?? 0) + by) };
}

function parse(kind: GraphKind, body: unknown, raw = false) {
  const tally = counter();
  const bytes = new TextEncoder().encode(raw ? String(body) : JSON.stringify(body));
  return { items: parseGraphBatch(kind, bytes, tally), counts: tally.counts };
}

function failure(kind: GraphKind, body: unknown, raw = false): AppError {
  try {
    parse(kind, body, raw);
  } catch (err) {
    return err as AppError;
  }
  throw new Error("expected the batch to be rejected");
}

describe("parseGraphBatch", () => {
  it("parses each item of a batch in order, with the clientState redacted from what is stored", () => {
    const { items } = parse("change", { value: [change(), change({ subscriptionId: "sub-2", changeType: "created" })] });
    expect(items.map((item) => [item.ord, item.externalId, item.changeType, item.resource])).toEqual([
      [0, "sub-1", "updated", "Users/u1/Events/e1"],
      [1, "sub-2", "created", "Users/u1/Events/e1"],
    ]);
    expect(items[0]!.clientState).toBe("s3cret");
    expect((items[0]!.body as Record<string, unknown>).clientState).toBe(REDACTED);
    expect(JSON.stringify(items.map((item) => item.body))).not.toContain("s3cret");
  });

  it("keeps fields it does not know (rich notifications) in the stored body", () => {
    const { items } = parse("change", { value: [change({ encryptedContent: { data: "abc" } })] });
    expect(items[0]!.body).toMatchObject({ encryptedContent: { data: "abc" } });
  });

  it("gives a redelivery the same dedup key, and a new change (new etag) or another resource a different one", () => {
    const { items } = parse("change", {
      value: [
        change(),
        change(),
        change({ resourceData: { id: "e1", "@odata.etag": 'W/"2"' } }),
        change({ resource: "Users/u1/Events/e2" }),
        change({ changeType: "deleted", resourceData: { id: "e1" } }),
      ],
    });
    const keys = items.map((item) => item.dedupKey);
    expect(keys[0]).toBe(keys[1]);
    expect(new Set(keys).size).toBe(4);
    for (const key of keys) expect(key.length).toBeLessThan(100);
  });

  it("treats a null clientState (subscription created without one) as present but unverifiable", () => {
    const { items } = parse("change", { value: [change({ clientState: null })] });
    expect(items[0]!.clientState).toBeNull();
  });

  it("drops malformed items, counting them, when others in the batch are fine", () => {
    const { items, counts } = parse("change", { value: [change(), { subscriptionId: "sub-1" }, "nonsense", change({ resource: "" })] });
    expect(items).toHaveLength(1);
    expect(counts.malformed).toBe(3);
  });

  it("rejects a body that is not a batch as invalid", () => {
    expect(failure("change", "{not json", true).kind).toBe("invalid");
    expect(failure("change", "\u00ff", true).kind).toBe("invalid");
    expect(failure("change", "", true).kind).toBe("invalid");
    expect(failure("change", { value: [] }).kind).toBe("invalid");
    expect(failure("change", { value: "x" }).kind).toBe("invalid");
    expect(failure("change", [change()]).kind).toBe("invalid");
    expect(failure("change", { value: [{ nothing: true }] }).kind).toBe("invalid");
    expect(failure("change", { value: Array.from({ length: 1001 }, () => change()) }).kind).toBe("invalid");
  });

  it("parses lifecycle events, and only the three Graph defines", () => {
    const { items } = parse("lifecycle", {
      value: [lifecycle(), lifecycle({ lifecycleEvent: "subscriptionRemoved" }), lifecycle({ lifecycleEvent: "missed" })],
    });
    expect(items.map((item) => item.changeType)).toEqual(["reauthorizationRequired", "subscriptionRemoved", "missed"]);
    expect(items.every((item) => item.resource === null)).toBe(true);
    expect(failure("lifecycle", { value: [lifecycle({ lifecycleEvent: "somethingElse" })] }).kind).toBe("invalid");
    // A change notification is not a lifecycle event.
    expect(failure("lifecycle", { value: [change()] }).kind).toBe("invalid");
  });
});
