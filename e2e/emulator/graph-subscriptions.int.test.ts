// Graph subscriptions through the Graph SDK: validation handshake (both URLs) before the
// 201, lifetime clamps, renew/reauthorize/delete, batched notifications, lifecycle events.
import { GraphError, type Client } from "@microsoft/microsoft-graph-client";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Emulator } from "./server";
import { answerValidation, graphClient, microsoftSignIn, startTestEmulator, WebhookReceiver } from "./test-support";

let emu: Emulator;
let graph: Client;
let receiver: WebhookReceiver;
let calendarId: string;
const MINUTE = 60_000;

beforeAll(async () => {
  emu = await startTestEmulator();
});
afterAll(() => emu.stop());
beforeEach(async () => {
  await emu.reset();
  receiver = await new WebhookReceiver().start();
  const tokens = await microsoftSignIn(emu);
  graph = graphClient(emu, () => tokens.access_token);
  calendarId = await emu.control.primaryCalendarId("bob@contoso.example");
});
afterEach(() => receiver.stop());

interface Subscription {
  id: string;
  expirationDateTime: string;
  clientState: string;
  notificationUrl: string;
  lifecycleNotificationUrl: string;
  resource: string;
  changeType: string;
}

function subscribe(overrides: Record<string, unknown> = {}): Promise<Subscription> {
  return graph.api("/subscriptions").post({
    changeType: "created,updated,deleted",
    notificationUrl: `${receiver.url}/notify?tenant=acme`,
    lifecycleNotificationUrl: `${receiver.url}/lifecycle`,
    resource: "me/events",
    expirationDateTime: new Date(Date.now() + 3 * 86_400_000).toISOString(),
    clientState: "secret-state",
    ...overrides,
  }) as Promise<Subscription>;
}

async function graphFailure(promise: Promise<unknown>): Promise<GraphError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(GraphError);
  return error as GraphError;
}

const createEvent = (summary: string) => emu.control.createEvent(calendarId, { summary, start: "2030-01-01T10:00:00Z", end: "2030-01-01T11:00:00Z" });

describe("POST /subscriptions", () => {
  it("validates notificationUrl and lifecycleNotificationUrl before answering 201; the token has + / = % and round-trips decoded", async () => {
    const subscription = await subscribe();
    const validations = receiver.requests.filter((request) => request.query.has("validationToken"));
    expect(validations.map((request) => request.path)).toEqual(["/notify", "/lifecycle"]);
    for (const request of validations) {
      const token = request.query.get("validationToken")!;
      for (const char of ["+", "/", "=", "%"]) expect(token).toContain(char);
      expect(request.url).toContain(encodeURIComponent("+")); // sent URL-encoded
      expect(request.method).toBe("POST");
      expect(request.headers["content-type"]).toMatch(/^text\/plain/);
    }
    expect(validations[0]!.query.get("tenant")).toBe("acme"); // the notificationUrl's own query survives
    expect(subscription).toMatchObject({ resource: "me/events", clientState: "secret-state", changeType: "created,updated,deleted" });
    expect((await emu.control.deliveries({ kind: "graph.validation" })).every((record) => record.status === 200)).toBe(true);
  });

  it("fails with 400 ValidationError when the app echoes the token wrongly, as HTML, with 500, or too late", async () => {
    const wrongAnswers = [
      (token: string) => ({ status: 200, body: encodeURIComponent(token), contentType: "text/plain" }),
      (token: string) => ({ status: 200, body: token, contentType: "text/html" }),
      () => ({ status: 500, body: "" }),
      (token: string) => ({ status: 200, body: token, contentType: "text/plain", delayMs: 800 }),
    ];
    for (const answer of wrongAnswers) {
      receiver.responder = (request) => (request.query.has("validationToken") ? answer(request.query.get("validationToken")!) : { status: 202 });
      const error = await graphFailure(subscribe());
      expect(error.statusCode).toBe(400);
      expect(error.code).toBe("ValidationError");
    }
    expect(await emu.control.subscriptions()).toEqual([]);
    // A broken lifecycle endpoint fails the create just the same.
    receiver.responder = (request) => (request.path === "/lifecycle" ? { status: 404 } : (answerValidation(request) ?? { status: 202 }));
    expect((await graphFailure(subscribe())).code).toBe("ValidationError");
  });

  it("raises expirations under 45 minutes and refuses more than 10,080 minutes", async () => {
    const before = Date.now();
    const short = await subscribe({ expirationDateTime: new Date(before + 5 * MINUTE).toISOString() });
    expect(Date.parse(short.expirationDateTime)).toBeGreaterThanOrEqual(before + 45 * MINUTE);
    expect(short.expirationDateTime).toMatch(/\.\d{7}Z$/);
    const tooLong = await graphFailure(subscribe({ expirationDateTime: new Date(Date.now() + 10_081 * MINUTE).toISOString() }));
    expect(tooLong.statusCode).toBe(400);
    expect(tooLong.code).toBe("InvalidRequest");
    expect((await graphFailure(subscribe({ resource: "me/contacts" }))).statusCode).toBe(400);
    expect((await graphFailure(subscribe({ changeType: "renamed" }))).statusCode).toBe(400);
  });
});

describe("subscription lifecycle through the SDK", () => {
  it("renews with PATCH, 404s unknown ids, reauthorizes with 204, deletes with 204 and then stays silent", async () => {
    const subscription = await subscribe();
    const renewed = (await graph
      .api(`/subscriptions/${subscription.id}`)
      .patch({ expirationDateTime: new Date(Date.now() + 2 * 86_400_000).toISOString() })) as Subscription;
    expect(Date.parse(renewed.expirationDateTime)).toBeLessThan(Date.parse(subscription.expirationDateTime));
    expect(
      (
        await graphFailure(
          graph.api("/subscriptions/00000000-0000-0000-0000-000000000000").patch({ expirationDateTime: new Date(Date.now() + 86_400_000).toISOString() }),
        )
      ).statusCode,
    ).toBe(404);
    await graph.api(`/subscriptions/${subscription.id}/reauthorize`).post({});
    await graph.api(`/subscriptions/${subscription.id}`).delete();
    expect((await graphFailure(graph.api(`/subscriptions/${subscription.id}`).delete())).statusCode).toBe(404);
    await createEvent("after delete");
    await emu.control.waitForIdle();
    expect(receiver.notifications()).toEqual([]);
    expect((await emu.control.subscriptions())[0]).toMatchObject({ id: subscription.id, state: "deleted" });
  });

  it("sends nothing after the subscription expired (control API)", async () => {
    const subscription = await subscribe();
    await emu.control.expireSubscription(subscription.id);
    await createEvent("after expiry");
    await emu.control.waitForIdle();
    expect(receiver.notifications()).toEqual([]);
    expect((await emu.control.subscriptions())[0]?.state).toBe("expired");
    expect((await graphFailure(graph.api(`/subscriptions/${subscription.id}`).get())).statusCode).toBe(404);
  });
});

describe("change notifications", () => {
  it("batches changes in value[] with the documented fields and records the app's timely 2xx", async () => {
    const subscription = await subscribe();
    const created = await createEvent("one");
    await emu.control.updateEvent(calendarId, created.id, { summary: "two" });
    const [post] = await receiver.waitFor(() => receiver.notifications().length >= 1).then(() => receiver.notifications());
    expect(post!.path).toBe("/notify");
    expect(post!.query.get("tenant")).toBe("acme");
    expect(post!.headers["content-type"]).toMatch(/^application\/json/);
    const { value } = JSON.parse(post!.body) as { value: Array<Record<string, unknown>> };
    expect(value.map((item) => item.changeType)).toEqual(["created", "updated"]);
    const bob = (await emu.control.state()).accounts.find((account) => account.email === "bob@contoso.example")!;
    expect(value[0]).toEqual({
      subscriptionId: subscription.id,
      subscriptionExpirationDateTime: subscription.expirationDateTime,
      changeType: "created",
      resource: `Users/${bob.subject}/Events/${created.id}`,
      resourceData: {
        "@odata.type": "#Microsoft.Graph.Event",
        "@odata.id": `Users/${bob.subject}/Events/${created.id}`,
        "@odata.etag": expect.stringMatching(/^W\//),
        id: created.id,
      },
      clientState: "secret-state",
      tenantId: bob.tenantId,
    });
    await emu.control.deleteEvent(calendarId, created.id);
    await receiver.waitFor(() => receiver.notifications().length === 2);
    expect((JSON.parse(receiver.notifications()[1]!.body) as { value: Array<{ changeType: string }> }).value[0]!.changeType).toBe("deleted");
    const records = await emu.control.deliveries({ kind: "graph.notification" });
    expect(records.every((record) => record.outcome === "ok" && record.okWithin3s)).toBe(true);
  });

  it("records a slow or failing app and retries until it answers 2xx", async () => {
    await subscribe();
    let answers: Array<{ status: number; delayMs?: number }> = [{ status: 500 }, { status: 503 }];
    receiver.responder = (request) => answerValidation(request) ?? answers.shift() ?? { status: 202 };
    await createEvent("retry me");
    await receiver.waitFor(() => receiver.notifications().length === 3);
    await emu.control.waitForIdle();
    const records = await emu.control.deliveries({ kind: "graph.notification" });
    expect(records.map((record) => [record.attempt, record.status, record.okWithin3s])).toEqual([
      [1, 500, false],
      [2, 503, false],
      [3, 202, true],
    ]);
    answers = [];
  });

  it("withholds notifications after reauthorizationRequired with pauseDelivery, until the app reauthorizes", async () => {
    const subscription = await subscribe();
    await emu.control.sendLifecycleEvent(subscription.id, "reauthorizationRequired", { pauseDelivery: true });
    const [lifecycle] = await receiver
      .waitFor(() => receiver.requests.some((r) => r.path === "/lifecycle" && !r.query.has("validationToken")))
      .then((all) => all.filter((r) => r.path === "/lifecycle" && !r.query.has("validationToken")));
    expect(JSON.parse(lifecycle!.body)).toEqual({
      value: [
        {
          subscriptionId: subscription.id,
          subscriptionExpirationDateTime: subscription.expirationDateTime,
          tenantId: expect.any(String),
          clientState: "secret-state",
          lifecycleEvent: "reauthorizationRequired",
        },
      ],
    });
    await createEvent("while paused");
    await emu.control.waitForIdle();
    expect(receiver.notifications().filter((r) => r.path === "/notify")).toEqual([]);
    expect((await emu.control.deliveries({ kind: "graph.notification" }))[0]?.outcome).toBe("paused");
    expect((await emu.control.subscriptions())[0]).toMatchObject({ needsReauthorization: true, deliveryPaused: true });
    await graph.api(`/subscriptions/${subscription.id}/reauthorize`).post({});
    await createEvent("after reauthorize");
    await receiver.waitFor(() => receiver.notifications().some((r) => r.path === "/notify"));
  });

  it("sends missed and subscriptionRemoved lifecycle events; removal ends the subscription", async () => {
    const subscription = await subscribe();
    await emu.control.sendLifecycleEvent(subscription.id, "missed");
    await emu.control.sendLifecycleEvent(subscription.id, "subscriptionRemoved");
    await emu.control.waitForIdle();
    const events = receiver
      .notifications()
      .filter((r) => r.path === "/lifecycle")
      .map((r) => (JSON.parse(r.body) as { value: Array<{ lifecycleEvent: string }> }).value[0]!.lifecycleEvent);
    expect(events).toEqual(["missed", "subscriptionRemoved"]);
    expect((await emu.control.subscriptions())[0]?.state).toBe("removed");
    await createEvent("after removal");
    await emu.control.waitForIdle();
    expect(receiver.notifications().filter((r) => r.path === "/notify")).toEqual([]);
  });

  it("drops and duplicates Graph notifications on demand", async () => {
    await subscribe();
    await emu.control.setNotificationFaults({ dropRate: 1 });
    await createEvent("dropped");
    await emu.control.waitForIdle();
    expect(receiver.notifications()).toEqual([]);
    expect((await emu.control.deliveries({ kind: "graph.notification" }))[0]?.outcome).toBe("dropped");
    await emu.control.setNotificationFaults({ duplicateRate: 1 });
    await createEvent("twice");
    await receiver.waitFor(() => receiver.notifications().length === 2);
    expect(receiver.notifications()[0]!.body).toBe(receiver.notifications()[1]!.body);
  });

  it("fails subscription calls on demand (graph.subscriptions.create 503)", async () => {
    await emu.control.failNext({ endpoint: "graph.subscriptions.create", status: 503, retryAfterSeconds: 0, count: 2 });
    const error = await graphFailure(subscribe());
    expect(error.statusCode).toBe(503);
    expect(error.code).toBe("ServiceNotAvailable");
  });
});
