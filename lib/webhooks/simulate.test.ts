import http from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { AppError } from "@/lib/http/errors";
import { googleDedupKey, parseGoogleHeaders } from "@/lib/webhooks/google";
import { parseGraphBatch } from "@/lib/webhooks/microsoft";
import {
  buildNotification,
  deliver,
  DeliveryError,
  forgedSecret,
  isExpectedAnswer,
  nextMessageNumber,
  SIMULATION_HEADER,
  webhookUrl,
  type SimulationTarget,
} from "@/lib/webhooks/simulate";

const google: SimulationTarget = {
  subscriptionId: "0b6c2f1e-3d4a-4c5b-9e8f-1a2b3c4d5e6f",
  organizationId: "1b6c2f1e-3d4a-4c5b-9e8f-1a2b3c4d5e6f",
  provider: "google",
  externalId: "5c0e4b7a-8d2e-4f57-9a43-2e1b8f0d9c11",
  resourceId: "ret-resource-1",
  resource: "https://www.googleapis.com/calendar/v3/calendars/alice%40example.com/events?alt=json",
  status: "active",
  expiresAt: new Date("2030-11-19T01:13:52Z"),
  accountEmail: "alice@example.com",
  providerAccountId: "1234567890",
  tenantId: null,
  providerCalendarId: "alice@example.com",
};

const microsoft: SimulationTarget = {
  ...google,
  provider: "microsoft",
  externalId: "7f3e1d2c-0000-4000-8000-123456789abc",
  resourceId: null,
  resource: "me/events",
  accountEmail: "bob@contoso.example",
  providerAccountId: "oid-bob",
  tenantId: "tenant-contoso",
  providerCalendarId: null,
};

const counts = () => ({ count: () => {} });

describe("buildNotification: Google", () => {
  it("is what the route parses: the channel's ids, `exists`, the secret as the channel token, no body", () => {
    const request = buildNotification(google, { secret: "s3cret+/=" });
    const parsed = parseGoogleHeaders(new Headers(request.headers));
    expect(parsed).toMatchObject({
      channelId: google.externalId,
      resourceId: google.resourceId,
      resourceState: "exists",
      resourceUri: google.resource,
      channelToken: "s3cret+/=",
      channelExpiration: "Tue, 19 Nov 2030 01:13:52 GMT",
    });
    expect(request.body).toBeNull();
    expect(request.headers[SIMULATION_HEADER]).toBe("test-webhook");
  });

  it("numbers each message above anything before it, within the route's 18 digits, never repeating a dedup key", () => {
    const numbers = Array.from({ length: 50 }, () => parseGoogleHeaders(new Headers(buildNotification(google, { secret: "x" }).headers)).messageNumber);
    expect(numbers.every((number) => /^\d{1,18}$/.test(number))).toBe(true);
    for (let index = 1; index < numbers.length; index += 1) expect(BigInt(numbers[index]!)).toBeGreaterThan(BigInt(numbers[index - 1]!));
    expect(new Set(numbers.map((number) => googleDedupKey(google.externalId, number))).size).toBe(numbers.length);
    // Far above a real channel's counter, which starts at 1.
    expect(BigInt(numbers[0]!)).toBeGreaterThan(10n ** 15n);
  });

  it("is monotonic even when the clock goes backwards", () => {
    const first = BigInt(nextMessageNumber(Date.now() + 60_000));
    expect(BigInt(nextMessageNumber(Date.now()))).toBeGreaterThan(first);
  });

  it("makes up a resource id and URI for a channel whose watch never answered", () => {
    const request = buildNotification({ ...google, resourceId: null, resource: null, expiresAt: null }, { secret: "x" });
    const parsed = parseGoogleHeaders(new Headers(request.headers));
    expect(parsed.resourceId.length).toBeGreaterThan(10);
    expect(parsed.resourceUri).toBe("https://www.googleapis.com/calendar/v3/calendars/alice%40example.com/events?alt=json");
    expect(parsed.channelExpiration).toBeUndefined();
  });
});

describe("buildNotification: Microsoft Graph", () => {
  it("is a one-item batch the route parses, with clientState = the secret and the account's resource path", () => {
    const request = buildNotification(microsoft, { secret: "state+/=", changeType: "created" });
    expect(request.headers["Content-Type"]).toMatch(/^application\/json/);
    const [item, ...more] = parseGraphBatch("change", new TextEncoder().encode(request.body!), counts());
    expect(more).toEqual([]);
    expect(item).toMatchObject({ externalId: microsoft.externalId, clientState: "state+/=", changeType: "created" });
    expect(item!.resource).toMatch(/^Users\/oid-bob\/Events\/AAMkA[\w-]+$/);
    const raw = JSON.parse(request.body!) as { value: Array<Record<string, unknown>> };
    expect(raw.value[0]).toMatchObject({
      tenantId: "tenant-contoso",
      subscriptionExpirationDateTime: "2030-11-19T01:13:52.000Z",
      resourceData: { "@odata.type": "#Microsoft.Graph.Event", "@odata.id": item!.resource, "@odata.etag": expect.stringMatching(/^W\/"/) },
    });
  });

  it("defaults to `updated`, and every notification is a new change (not a redelivery to dedup)", () => {
    const items = Array.from(
      { length: 20 },
      () => parseGraphBatch("change", new TextEncoder().encode(buildNotification(microsoft, { secret: "s" }).body!), counts())[0]!,
    );
    expect(new Set(items.map((item) => item.changeType))).toEqual(new Set(["updated"]));
    expect(new Set(items.map((item) => item.dedupKey)).size).toBe(20);
  });
});

describe("webhookUrl", () => {
  it("adds the provider's route to a bare origin and keeps any path given", () => {
    expect(webhookUrl("http://localhost:3000", "google")).toBe("http://localhost:3000/api/webhooks/google");
    expect(webhookUrl("https://calsync.example.com/", "microsoft")).toBe("https://calsync.example.com/api/webhooks/microsoft");
    expect(webhookUrl("https://calsync.example.com/hooks/in?x=1", "google")).toBe("https://calsync.example.com/hooks/in?x=1");
  });

  it("refuses what is not an http(s) URL", () => {
    expect(() => webhookUrl("localhost:3000", "google")).toThrow(AppError);
    expect(() => webhookUrl("ftp://example.com", "google")).toThrow(/http\(s\)/);
    expect(() => webhookUrl("not a url", "google")).toThrow(/not a URL/);
  });
});

describe("forgedSecret / isExpectedAnswer", () => {
  it("forges secrets shaped like real ones, different each time", () => {
    const [a, b] = [forgedSecret(), forgedSecret()];
    expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(a).not.toBe(b);
  });

  it("expects 2xx for genuine notifications, exactly 401 for forged Google ones and 202 for forged Graph ones", () => {
    for (const provider of ["google", "microsoft"] as const) {
      expect([200, 202, 204].every((status) => isExpectedAnswer(status, false, provider))).toBe(true);
      expect([401, 404, 500, 301].some((status) => isExpectedAnswer(status, false, provider))).toBe(false);
    }
    expect(isExpectedAnswer(401, true, "google")).toBe(true);
    expect([200, 202, 403, 404].some((status) => isExpectedAnswer(status, true, "google"))).toBe(false);
    expect(isExpectedAnswer(202, true, "microsoft")).toBe(true);
    expect([200, 401, 403, 404].some((status) => isExpectedAnswer(status, true, "microsoft"))).toBe(false);
  });
});

describe("deliver", () => {
  it("sends the request as built and reports status, body, request id and latency", async () => {
    let seen: { method?: string; headers?: http.IncomingHttpHeaders; body?: string } = {};
    const server = http.createServer((incoming, outgoing) => {
      const chunks: Buffer[] = [];
      incoming.on("data", (chunk: Buffer) => chunks.push(chunk));
      incoming.on("end", () => {
        seen = { method: incoming.method, headers: incoming.headers, body: Buffer.concat(chunks).toString() };
        outgoing.writeHead(202, { "X-Request-Id": "req-1" }).end("accepted");
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/webhooks/microsoft`;
      const request = buildNotification(microsoft, { secret: "s" });
      const result = await deliver(url, request);
      expect(result).toMatchObject({ status: 202, body: "accepted", requestId: "req-1" });
      expect(result.latencyMs).toBeGreaterThan(0);
      expect(seen.method).toBe("POST");
      expect(seen.body).toBe(request.body);
      expect(seen.headers?.["x-calsync-simulated"]).toBe("test-webhook");
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it("turns an unreachable endpoint and a silent one into one-line DeliveryErrors", async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    await expect(deliver(`http://127.0.0.1:${port}/x`, buildNotification(google, { secret: "s" }))).rejects.toThrow(
      new DeliveryError(`cannot reach http://127.0.0.1:${port}: ECONNREFUSED`),
    );

    const silent = http.createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    try {
      const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}/x`;
      await expect(deliver(url, buildNotification(google, { secret: "s" }), { timeoutMs: 200 })).rejects.toThrow(
        /no answer from http:\/\/127\.0\.0\.1:\d+ within 0\.2 s/,
      );
    } finally {
      silent.closeAllConnections();
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});
