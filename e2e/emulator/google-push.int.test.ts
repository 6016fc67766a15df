// Google push: events.watch / channels.stop through googleapis, and what reaches
// a local webhook receiver (headers, numbering, retries, faults).
import type { calendar_v3 } from "googleapis";
import { gaxios } from "google-auth-library";
import { afterAll, beforeAll, beforeEach, afterEach, describe, expect, it } from "vitest";
import type { Emulator } from "./server";
import { googleCalendarApi, googleSignIn, startTestEmulator, WebhookReceiver } from "./test-support";

// gaxios is google-auth-library's HTTP layer; its error class is what googleapis throws.
const GaxiosError = gaxios.GaxiosError;
type GaxiosError = gaxios.GaxiosError;

let emu: Emulator;
let calendar: calendar_v3.Calendar;
let receiver: WebhookReceiver;
let channelCounter = 0;

beforeAll(async () => {
  emu = await startTestEmulator();
});
afterAll(() => emu.stop());
beforeEach(async () => {
  await emu.reset();
  receiver = await new WebhookReceiver().start();
  receiver.responder = () => ({ status: 200 });
  const { client } = await googleSignIn(emu);
  calendar = googleCalendarApi(emu, client);
});
afterEach(() => receiver.stop());

async function watch(extra: Partial<calendar_v3.Schema$Channel> = {}, calendarId = "primary") {
  channelCounter += 1;
  const { data } = await calendar.events.watch({
    calendarId,
    requestBody: { id: `channel-${channelCounter}`, type: "web_hook", address: `${receiver.url}/webhooks/google`, token: "route=alice", ...extra },
  });
  return data;
}

async function status(promise: Promise<unknown>): Promise<{ status: number; reason?: string }> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(GaxiosError);
  const response = (error as GaxiosError).response!;
  return { status: response.status, reason: (response.data as { error?: { errors?: Array<{ reason: string }> } }).error?.errors?.[0]?.reason };
}

const createEvent = (summary: string) => emu.control.createEvent("alice@example.com", { summary, start: "2030-01-01T10:00:00Z", end: "2030-01-01T11:00:00Z" });

describe("events.watch", () => {
  it("returns the channel, then sends the sync message (number 1) with Google's headers and no body", async () => {
    const before = Date.now();
    const channel = await watch();
    expect(channel).toMatchObject({ kind: "api#channel", id: `channel-${channelCounter}`, token: "route=alice" });
    expect(typeof channel.expiration).toBe("string");
    expect(Number(channel.expiration)).toBeGreaterThanOrEqual(before + 604_800_000 - 5_000);
    expect(channel.resourceUri).toBe(`${emu.google.origin}/calendar/v3/calendars/primary/events?alt=json`);
    const [sync] = await receiver.waitFor((requests) => requests.length >= 1);
    expect(sync!.method).toBe("POST");
    expect(sync!.path).toBe("/webhooks/google");
    expect(sync!.body).toBe("");
    expect(sync!.headers).toMatchObject({
      "x-goog-channel-id": channel.id,
      "x-goog-message-number": "1",
      "x-goog-resource-id": channel.resourceId,
      "x-goog-resource-state": "sync",
      "x-goog-resource-uri": channel.resourceUri,
      "x-goog-channel-token": "route=alice",
      "x-goog-channel-expiration": new Date(Number(channel.expiration)).toUTCString(),
      "content-length": "0",
    });
    expect(sync!.headers["user-agent"]).toMatch(/^APIs-Google/);
  });

  it("sends `exists` with increasing message numbers after every change; resourceId is stable per calendar", async () => {
    const channel = await watch();
    await receiver.waitFor((requests) => requests.length === 1);
    const created = await createEvent("one");
    await emu.control.updateEvent("alice@example.com", created.id, { summary: "two" });
    await emu.control.deleteEvent("alice@example.com", created.id);
    const requests = await receiver.waitFor((all) => all.length === 4);
    const numbers = requests.map((request) => Number(request.headers["x-goog-message-number"]));
    expect(requests.slice(1).map((request) => request.headers["x-goog-resource-state"])).toEqual(["exists", "exists", "exists"]);
    for (let i = 1; i < numbers.length; i += 1) expect(numbers[i]!).toBeGreaterThan(numbers[i - 1]!);
    const second = await watch();
    expect(second.resourceId).toBe(channel.resourceId);
    const other = await watch({}, (await calendar.calendarList.list()).data.items!.find((entry) => !entry.primary)!.id!);
    expect(other.resourceId).not.toBe(channel.resourceId);
    // Only the primary calendar's channels hear about a primary change.
    receiver.requests.length = 0;
    await createEvent("three");
    await receiver.waitFor((all) => all.filter((r) => r.headers["x-goog-resource-state"] === "exists").length === 2);
    await emu.control.waitForIdle();
    expect(new Set(receiver.requests.filter((r) => r.headers["x-goog-resource-state"] === "exists").map((r) => r.headers["x-goog-channel-id"]))).toEqual(
      new Set([channel.id, second.id]),
    );
  });

  it("validates the request: channelIdNotUnique, id over 64 chars, token over 256, bad type, missing address", async () => {
    const channel = await watch();
    await expect(
      status(calendar.events.watch({ calendarId: "primary", requestBody: { id: channel.id, type: "web_hook", address: receiver.url } })),
    ).resolves.toEqual({ status: 400, reason: "channelIdNotUnique" });
    await expect(
      status(calendar.events.watch({ calendarId: "primary", requestBody: { id: "x".repeat(65), type: "web_hook", address: receiver.url } })),
    ).resolves.toMatchObject({ status: 400 });
    await expect(
      status(calendar.events.watch({ calendarId: "primary", requestBody: { id: "ok-id", type: "web_hook", address: receiver.url, token: "t".repeat(257) } })),
    ).resolves.toMatchObject({ status: 400 });
    await expect(
      status(calendar.events.watch({ calendarId: "primary", requestBody: { id: "ok-id", type: "carrier_pigeon", address: receiver.url } })),
    ).resolves.toMatchObject({ status: 400 });
    await expect(status(calendar.events.watch({ calendarId: "primary", requestBody: { id: "ok-id", type: "web_hook" } }))).resolves.toEqual({
      status: 400,
      reason: "required",
    });
  });

  it("clamps the lifetime: params.ttl in seconds, expiration in ms, capped at the maximum", async () => {
    const now = Date.now();
    const short = await watch({ params: { ttl: "60" } });
    expect(Number(short.expiration)).toBeGreaterThanOrEqual(now + 59_000);
    expect(Number(short.expiration)).toBeLessThanOrEqual(Date.now() + 60_000);
    const explicit = await watch({ expiration: String(now + 120_000) });
    expect(Number(explicit.expiration)).toBe(now + 120_000);
    const tooLong = await watch({ params: { ttl: String(30 * 86_400) } });
    expect(Number(tooLong.expiration)).toBeLessThanOrEqual(Date.now() + 604_800_000);
  });
});

describe("channels.stop and expiry", () => {
  it("stops with 204, then answers 404; no message follows a stop", async () => {
    const channel = await watch();
    await receiver.waitFor((requests) => requests.length === 1);
    const stopped = await calendar.channels.stop({ requestBody: { id: channel.id, resourceId: channel.resourceId } });
    expect(stopped.status).toBe(204);
    await expect(status(calendar.channels.stop({ requestBody: { id: channel.id, resourceId: channel.resourceId } }))).resolves.toMatchObject({ status: 404 });
    await expect(status(calendar.channels.stop({ requestBody: { id: "unknown", resourceId: channel.resourceId } }))).resolves.toMatchObject({ status: 404 });
    await createEvent("after stop");
    await emu.control.waitForIdle();
    expect(receiver.requests).toHaveLength(1);
    const views = await emu.control.channels();
    expect(views.find((view) => view.id === channel.id)).toMatchObject({ state: "stopped" });
  });

  it("sends nothing once a channel expired (control API) and reports it expired", async () => {
    const channel = await watch();
    await receiver.waitFor((requests) => requests.length === 1);
    await emu.control.expireChannel(channel.id!);
    await createEvent("after expiry");
    await emu.control.waitForIdle();
    expect(receiver.requests).toHaveLength(1);
    expect((await emu.control.channels()).find((view) => view.id === channel.id)?.state).toBe("expired");
    // An expired channel id may be reused.
    await expect(watch({ id: channel.id! })).resolves.toMatchObject({ id: channel.id });
  });
});

describe("delivery retries and faults", () => {
  it("retries 500/502/503/504 with growing delays and stops after success; other statuses are not retried", async () => {
    await watch();
    await receiver.waitFor((requests) => requests.length === 1);
    let answers = [503, 500, 200];
    receiver.responder = () => ({ status: answers.shift() ?? 200 });
    await createEvent("flaky");
    const requests = await receiver.waitFor((all) => all.length === 4);
    const gaps = [requests[2]!.receivedAt - requests[1]!.receivedAt, requests[3]!.receivedAt - requests[2]!.receivedAt];
    expect(gaps[0]).toBeGreaterThanOrEqual(15);
    expect(gaps[1]).toBeGreaterThanOrEqual(gaps[0]! * 1.5);
    expect(new Set(requests.slice(1).map((r) => r.headers["x-goog-message-number"])).size).toBe(1);
    const log = await emu.control.deliveries({ kind: "google.push" });
    expect(log.slice(-3).map((record) => [record.attempt, record.status, record.outcome])).toEqual([
      [1, 503, "rejected"],
      [2, 500, "rejected"],
      [3, 200, "ok"],
    ]);
    answers = [404];
    await createEvent("gone");
    await emu.control.waitForIdle();
    expect(receiver.requests).toHaveLength(5);
  });

  it("drops notifications by seeded RNG and logs them as dropped", async () => {
    await watch();
    await receiver.waitFor((requests) => requests.length === 1);
    await emu.control.setNotificationFaults({ dropRate: 1, seed: 42 });
    await createEvent("lost");
    await emu.control.waitForIdle();
    expect(receiver.requests).toHaveLength(1);
    const dropped = (await emu.control.deliveries({ kind: "google.push" })).filter((record) => record.outcome === "dropped");
    expect(dropped).toHaveLength(1);
    expect(dropped[0]!.requestHeaders["X-Goog-Resource-State"]).toBe("exists");
  });

  it("duplicates, delays and reorders notifications on demand", async () => {
    await watch();
    await receiver.waitFor((requests) => requests.length === 1);
    await emu.control.setNotificationFaults({ duplicateRate: 1 });
    await createEvent("twice");
    const twice = await receiver.waitFor((all) => all.length === 3);
    expect(twice[1]!.headers["x-goog-message-number"]).toBe(twice[2]!.headers["x-goog-message-number"]);

    await emu.control.setNotificationFaults({ delayMs: 150 });
    const started = Date.now();
    await createEvent("late");
    const late = await receiver.waitFor((all) => all.length === 4);
    expect(late[3]!.receivedAt - started).toBeGreaterThanOrEqual(140);

    await emu.control.setNotificationFaults({ reorderWindowMs: 80 });
    await createEvent("first");
    await createEvent("second");
    const reordered = await receiver.waitFor((all) => all.length === 6);
    expect(Number(reordered[4]!.headers["x-goog-message-number"])).toBeGreaterThan(Number(reordered[5]!.headers["x-goog-message-number"]));
  });

  it("fails events.watch on demand (429 with Retry-After); googleapis does not retry the POST", async () => {
    await emu.control.resetCalls();
    await emu.control.failNext({ endpoint: "google.events.watch", status: 429, retryAfterSeconds: 3 });
    await expect(status(watch())).resolves.toEqual({ status: 429, reason: "rateLimitExceeded" });
    expect((await emu.control.calls()).byEndpoint["google.events.watch"]).toBe(1);
  });
});
