import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { POST as googleWebhook } from "@/app/api/webhooks/google/route";
import { POST as microsoftWebhook } from "@/app/api/webhooks/microsoft/route";
import { closeRawPool } from "@/lib/db/raw";
import { installJobSender } from "@/lib/jobs/dispatch";
import type { FollowUp } from "@/lib/jobs/catalog";
import { secretHash } from "@/lib/subscriptions/identity";
import { serveRoutes } from "@/scripts/test/app";
import { setupTestDatabase } from "@/scripts/test/database";
import { EXIT } from "./command";
import { run } from "./test-webhook";
import { captureIo } from "@/scripts/test/cli";

// test-webhook against the app's real route handlers over a real socket: a genuine
// notification verifies and is stored, a forged one is refused and is not.

const database = setupTestDatabase();
let app: Awaited<ReturnType<typeof serveRoutes>>;
let handedOff: FollowUp[] = [];
let restoreSender: () => void = () => {};

interface Seeded {
  subscriptionId: string;
  externalId: string;
  secret: string;
  calendarId: string;
}
let google: Seeded;
let microsoft: Seeded;
let withoutSecret: string;

async function seed(provider: "google" | "microsoft"): Promise<Seeded> {
  const client = await database.db();
  const tag = randomUUID().slice(0, 8);
  const organization = await client.organization.create({ data: { name: `CLI ${provider}`, slug: `cli-${provider}-${tag}` } });
  const connection = await client.calendarConnection.create({
    data: {
      organizationId: organization.id,
      provider,
      providerAccountId: `acct-${tag}`,
      providerTenantId: provider === "microsoft" ? `tenant-${tag}` : null,
      accountEmail: `${provider}-${tag}@example.com`,
      scopes: [],
    },
  });
  const calendar = await client.calendar.create({
    data: { organizationId: organization.id, connectionId: connection.id, providerCalendarId: `cal-${tag}`, name: "Main", syncEnabled: true, isPrimary: true },
  });
  const secret = `secret-${randomUUID()}`;
  const externalId = randomUUID();
  const subscription = await client.webhookSubscription.create({
    data: {
      organizationId: organization.id,
      connectionId: connection.id,
      calendarId: provider === "google" ? calendar.id : null,
      provider,
      externalId,
      resourceId: provider === "google" ? `res-${tag}` : null,
      resource: provider === "google" ? `https://www.googleapis.com/calendar/v3/calendars/cal-${tag}/events?alt=json` : "me/events",
      secretHash: secretHash(secret),
      secret,
      status: "active",
      expiresAt: new Date(Date.now() + 3 * 24 * 60 * 60_000),
    },
  });
  return { subscriptionId: subscription.id, externalId, secret, calendarId: calendar.id };
}

beforeAll(async () => {
  google = await seed("google");
  microsoft = await seed("microsoft");
  const client = await database.db();
  // A subscription registered before secrets were kept: only its hash exists.
  const legacy = await client.webhookSubscription.findUniqueOrThrow({ where: { id: google.subscriptionId } });
  withoutSecret = (
    await client.webhookSubscription.create({
      data: {
        organizationId: legacy.organizationId,
        connectionId: legacy.connectionId,
        provider: "google",
        externalId: randomUUID(),
        secretHash: secretHash("lost"),
        status: "active",
      },
    })
  ).id;
  // Hand-offs are observed, not run: there is no provider behind these connections.
  restoreSender = installJobSender(async (items) => {
    handedOff.push(...items);
  });
  app = await serveRoutes({ "/api/webhooks/google": googleWebhook, "/api/webhooks/microsoft": microsoftWebhook });
});

afterAll(async () => {
  restoreSender();
  await app?.close();
  await closeRawPool();
});

beforeEach(async () => {
  await (await database.db()).webhookEvent.deleteMany();
  handedOff = [];
});

const events = async () => (await database.db()).webhookEvent.findMany({ orderBy: { receivedAt: "asc" } });

describe.each(["google", "microsoft"] as const)("test-webhook, %s", (provider) => {
  const seeded = () => (provider === "google" ? google : microsoft);

  it("a genuine notification is answered 2xx, stored as a webhook event, and hands off a sync", async () => {
    const io = captureIo();
    const code = await run(["--subscription", seeded().subscriptionId, "--url", app.url], io);
    expect(io.stderr.text).toBe("");
    expect(code).toBe(EXIT.ok);
    const expectedStatus = provider === "google" ? 200 : 202;
    expect(io.stdout.text).toContain(`to ${app.url}/api/webhooks/${provider}\n`);
    expect(io.stdout.text).toMatch(new RegExp(`#1  ${expectedStatus} \\w+.*  \\d+ ms  request [0-9a-f-]{36}  \\(empty body\\)`));
    const rows = await events();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      provider,
      subscriptionId: seeded().subscriptionId,
      externalId: seeded().externalId,
      status: "pending",
      changeType: provider === "google" ? "exists" : "updated",
    });
    // The request id printed is the one stored with the row.
    expect(io.stdout.text).toContain(`request ${rows[0]!.requestId}`);
    expect(JSON.stringify(rows[0]!.headers)).toContain('"x-calsync-simulated":"test-webhook"');
    expect(handedOff.map((job) => job.name)).toEqual(["calendar/sync.requested"]);
    // The secret went over the wire only: not printed, not stored.
    expect(io.stdout.text + io.stderr.text).not.toContain(seeded().secret);
    expect(JSON.stringify(rows[0]!.headers) + JSON.stringify(rows[0]!.body)).not.toContain(seeded().secret);
  });

  it("--forge is refused (Google 401, Graph 202 as Microsoft advises), exit 0 (the expected answer), and nothing is stored", async () => {
    const io = captureIo();
    const code = await run(["--subscription", seeded().externalId, "--url", `${app.url}/`, "--forge"], io);
    expect(code).toBe(EXIT.ok);
    expect(io.stdout.text).toContain(`Sending 1 forged ${provider} notification for subscription ${seeded().subscriptionId}`);
    expect(io.stdout.text).toMatch(provider === "google" ? /#1  401 Unauthorized .*"kind":"unauthorized"/ : /#1  202 Accepted  /);
    expect(await events()).toEqual([]);
    expect(handedOff).toEqual([]);
  });

  it("--count sends distinct notifications, each stored, with progress on stderr and a summary", async () => {
    const io = captureIo();
    const code = await run(
      ["--subscription", seeded().subscriptionId, "--url", `${app.url}/api/webhooks/${provider}`, "--count", "3", "--change-type", "created"],
      io,
    );
    expect(code).toBe(EXIT.ok);
    const rows = await events();
    expect(rows).toHaveLength(3);
    // None is taken for a redelivery of another.
    expect(rows.every((row) => row.status === "pending")).toBe(true);
    expect(new Set(rows.map((row) => row.dedupKey)).size).toBe(3);
    if (provider === "microsoft") expect(rows.every((row) => row.changeType === "created")).toBe(true);
    expect(io.stdout.text).toMatch(/3 sent: 3 × 20[02]; latency median \d+ ms, max \d+ ms/);
    expect(io.stderr.text).toMatch(/^sending \[#+-*\]/);
  });
});

describe("test-webhook failures", () => {
  it("exits 1 when the answer is not the expected one (a genuine notification to the wrong route)", async () => {
    const io = captureIo();
    const code = await run(["--subscription", google.subscriptionId, "--url", `${app.url}/api/webhooks/microsoft`], io);
    expect(code).toBe(EXIT.failed);
    expect(io.stdout.text).toMatch(/#1  400 .*\(expected 2xx\)/);
    expect(io.stderr.text).toBe("error: 1 answer of 1 not the expected 2xx\n");
    expect(await events()).toEqual([]);
  });

  it("says in one line when the subscription is unknown, has no secret, or the endpoint is down", async () => {
    const unknown = captureIo();
    expect(await run(["--subscription", "no-such-channel", "--url", app.url], unknown)).toBe(EXIT.failed);
    expect(unknown.stderr.text).toBe("error: no subscription has the id or external id no-such-channel\n");

    const legacy = captureIo();
    expect(await run(["--subscription", withoutSecret, "--url", app.url], legacy)).toBe(EXIT.failed);
    expect(legacy.stderr.text).toMatch(/^error: subscription [0-9a-f-]{36} has no stored secret .*only --forge works for it\n$/);
    // Forging needs no secret.
    expect(await run(["--subscription", withoutSecret, "--url", app.url, "--forge"], captureIo())).toBe(EXIT.ok);

    const closed = await serveRoutes({});
    await closed.close();
    const down = captureIo();
    expect(await run(["--subscription", google.subscriptionId, "--url", closed.url], down)).toBe(EXIT.failed);
    expect(down.stderr.text).toBe(`error: cannot reach ${closed.url}: ECONNREFUSED\n`);
  });

  it("fails wrong arguments with the usage and exit 64, before touching anything", async () => {
    for (const argv of [
      ["--url", app.url],
      ["--subscription", google.subscriptionId],
      ["--subscription", google.subscriptionId, "--url", "localhost:3000"],
      ["--subscription", google.subscriptionId, "--url", app.url, "--count", "0"],
      ["--subscription", google.subscriptionId, "--url", app.url, "--change-type", "moved"],
      ["--subscription", google.subscriptionId, "--url", app.url, "--verbose"],
    ]) {
      const io = captureIo();
      expect(await run(argv, io)).toBe(EXIT.usage);
      expect(io.stderr.text).toMatch(/^error: .+\n\nUsage: npm run calsync -- test-webhook/);
    }
    expect(await events()).toEqual([]);
  });
});
