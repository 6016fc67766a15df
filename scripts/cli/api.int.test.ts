import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Webhook } from "standardwebhooks";
import { authorizeKey } from "@/lib/api-keys/keys";
import { installJobSender } from "@/lib/jobs/dispatch";
import { eventRecord } from "@/scripts/test/event-records";
import { applyPage } from "@/lib/sync/store";
import { seedAdminFixture, type AdminFixture } from "@/scripts/test/admin";
import { request, signIn, type SignedIn } from "@/scripts/test/app";
import { captureIo } from "@/scripts/test/cli";
import { setupTestDatabase } from "@/scripts/test/database";
import { startReceiver, type Receiver } from "@/scripts/test/outbound";
import { run as apiKeys } from "./api-keys";
import { run as changes } from "./changes";
import { EXIT } from "./command";
import { run as endpoints } from "./endpoints";

// The API commands against a real database and a local webhook receiver.

const database = setupTestDatabase();
let owner: SignedIn;
let fixture: AdminFixture;
let receiver: Receiver;
let slug: string;
const dispatched: unknown[] = [];
let restore: () => void;

beforeAll(async () => {
  restore = installJobSender(async (items) => void dispatched.push(...items));
  owner = await signIn("owner@cli-api.test");
  const db = await database.db();
  slug = (await db.organization.findUniqueOrThrow({ where: { id: owner.viewer.organizationId } })).slug;
  fixture = await seedAdminFixture(db, owner.viewer.organizationId, { tag: "cliapi" });
  receiver = await startReceiver();
});

afterAll(async () => {
  restore();
  await receiver.close();
});

describe("calsync api-keys", () => {
  it("create prints a working key once, list shows it without the key, revoke makes it 401", async () => {
    const created = captureIo();
    expect(await apiKeys(["create", "--org", slug, "--name", "ci reader", "--scopes", "changes:read,events:read"], created)).toBe(EXIT.ok);
    const key = created.stdout.text.trim();
    expect(key).toMatch(/^csk_[\w-]{40,}$/);
    const caller = await authorizeKey(request("/api/v1/changes", { headers: { authorization: `Bearer ${key}` } }), "changes:read");
    expect(caller.organizationId).toBe(owner.viewer.organizationId);

    const listed = captureIo();
    expect(await apiKeys(["list", "--org", owner.viewer.organizationId], listed)).toBe(EXIT.ok);
    expect(listed.stdout.text).toContain("ci reader");
    expect(listed.stdout.text).toContain("changes:read,events:read");
    expect(listed.stdout.text).not.toContain(key);

    const id = (await (await database.db()).apiKey.findFirstOrThrow({ where: { name: "ci reader" } })).id;
    expect(await apiKeys(["revoke", "--org", slug, "--id", id], captureIo())).toBe(EXIT.ok);
    await expect(authorizeKey(request("/api/v1/changes", { headers: { authorization: `Bearer ${key}` } }), "changes:read")).rejects.toThrow(
      /unknown or revoked/,
    );
  });

  it("refuses an unknown scope and an unknown organization", async () => {
    expect(await apiKeys(["create", "--org", slug, "--name", "x", "--scopes", "everything"], captureIo())).toBe(EXIT.usage);
    expect(await apiKeys(["list", "--org", "no-such-org"], captureIo())).toBe(EXIT.failed);
  });
});

describe("calsync endpoints and changes", () => {
  it("add prints the secret, test delivers a verifiable event, list shows the endpoint, replay re-enables it", async () => {
    const added = captureIo();
    expect(await endpoints(["add", "--org", slug, "--url", receiver.url, "--description", "cli", "--events", "event.created,event.deleted"], added)).toBe(
      EXIT.ok,
    );
    const secret = added.stdout.text.trim();
    expect(secret).toMatch(/^whsec_/);
    const endpoint = await (
      await database.db()
    ).webhookEndpoint.findFirstOrThrow({ where: { organizationId: owner.viewer.organizationId, description: "cli" } });

    const tested = captureIo();
    expect(await endpoints(["test", "--org", slug, "--id", endpoint.id], tested)).toBe(EXIT.ok);
    expect(tested.stdout.text).toMatch(/^delivered: msg_test_/);
    const { headers, body } = receiver.received.at(-1)!;
    expect(new Webhook(secret).verify(body, headers)).toEqual(expect.objectContaining({ type: "webhook.test" }));

    const listed = captureIo();
    expect(await endpoints(["list", "--org", slug], listed)).toBe(EXIT.ok);
    expect(listed.stdout.text).toContain(receiver.url);
    expect(listed.stdout.text).toContain("event.created,event.deleted");

    await (await database.db()).webhookEndpoint.update({ where: { id: endpoint.id }, data: { enabled: false, disabledReason: "test" } });
    expect(await endpoints(["replay", "--org", slug, "--id", endpoint.id], captureIo())).toBe(EXIT.ok);
    expect((await (await database.db()).webhookEndpoint.findUniqueOrThrow({ where: { id: endpoint.id } })).enabled).toBe(true);
    expect(dispatched).toContainEqual({ name: "outbound/deliver.requested", data: { organizationId: owner.viewer.organizationId, endpointId: endpoint.id } });
  });

  it("changes --after prints the changes after a cursor as JSON lines", async () => {
    const startAt = new Date(Date.UTC(2026, 11, 20, 9));
    const event = eventRecord({ providerEventId: "cli-1", title: "cli change", startAt, endAt: new Date(startAt.getTime() + 3_600_000) });
    const before = captureIo();
    await changes(["--org", slug], before);
    const cursor = /cursor (\d+)/.exec(before.stderr.text)![1]!;
    await applyPage({ organizationId: owner.viewer.organizationId, calendarId: fixture.google.calendarId }, [{ type: "upsert", event }], {
      start: new Date(0),
      end: new Date(Date.UTC(2030, 0)),
    });
    const after = captureIo();
    expect(await changes(["--org", slug, "--after", cursor], after)).toBe(EXIT.ok);
    const lines = after.stdout.text
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { type: string; event: { title: string } });
    expect(lines).toEqual([expect.objectContaining({ type: "event.created", event: expect.objectContaining({ title: "cli change" }) })]);
    expect(await changes(["--org", slug, "--after", "x"], captureIo())).toBe(EXIT.usage);
  });
});
