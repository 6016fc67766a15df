import { randomUUID } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { secretHash } from "@/lib/subscriptions/identity";
import { setupTestDatabase } from "@/scripts/test/database";
import { EXIT } from "./command";
import { run } from "./health-check";
import { captureIo } from "@/scripts/test/cli";

// health-check against a real database: three organizations, one per status, and
// the exit code a monitor reads for each.

const database = setupTestDatabase();
const HOUR = 60 * 60_000;
const orgs: Record<"healthy" | "expiring" | "expired", string> = { healthy: "", expiring: "", expired: "" };

async function organizationWithPush(name: string, expiresInMs: number): Promise<string> {
  const client = await database.db();
  const tag = randomUUID().slice(0, 8);
  const organization = await client.organization.create({ data: { name, slug: `${name}-${tag}` } });
  const connection = await client.calendarConnection.create({
    data: {
      organizationId: organization.id,
      provider: "google",
      providerAccountId: `g-${tag}`,
      accountEmail: `${name}@example.com`,
      scopes: [],
      lastSyncedAt: new Date(),
    },
  });
  const calendar = await client.calendar.create({
    data: {
      organizationId: organization.id,
      connectionId: connection.id,
      providerCalendarId: `cal-${tag}`,
      name: `${name} calendar`,
      syncEnabled: true,
      isPrimary: true,
    },
  });
  await client.webhookSubscription.create({
    data: {
      organizationId: organization.id,
      connectionId: connection.id,
      calendarId: calendar.id,
      provider: "google",
      externalId: randomUUID(),
      resourceId: `res-${tag}`,
      secretHash: secretHash(tag),
      status: "active",
      expiresAt: new Date(Date.now() + expiresInMs),
    },
  });
  return organization.id;
}

beforeAll(async () => {
  orgs.healthy = await organizationWithPush("healthy", 5 * 24 * HOUR);
  orgs.expiring = await organizationWithPush("expiring", 3 * HOUR);
  // Still marked active, past its expiry: the renewal job has not run (or failed silently).
  orgs.expired = await organizationWithPush("expired", -2 * HOUR);
});

describe("health-check", () => {
  it("exits 0 for a healthy organization and says so", async () => {
    const io = captureIo();
    expect(await run(["--organization", orgs.healthy], io)).toBe(EXIT.ok);
    expect(io.stdout.text).toMatch(new RegExp(`^Status: OK  \\(organization ${orgs.healthy}, (PostgreSQL at|embedded PGlite)`));
    expect(io.stdout.text).toContain("\nNo problems.\n");
    expect(io.stdout.text).toMatch(/^next push expiry\s+\d{4}-\d\d-\d\d \d\d:\d\d UTC \(in 5d\)$/m);
    expect(io.stdout.text).toMatch(/^google\s+healthy@example\.com\s+active\s/m);
    expect(io.stderr.text).toBe("");
  });

  it("exits 2 (degraded) when push expires within 24 hours", async () => {
    const io = captureIo();
    expect(await run(["--organization", orgs.expiring], io)).toBe(EXIT.degraded);
    expect(io.stdout.text).toMatch(/^Status: DEGRADED/);
    expect(io.stdout.text).toMatch(/^ {2}- Push for expiring calendar \(expiring@example\.com, Google\) expires in 3 hours$/m);
  });

  it("exits 1 (unhealthy) when an active connection's push has expired, installation-wide too", async () => {
    const io = captureIo();
    expect(await run(["--organization", orgs.expired], io)).toBe(EXIT.failed);
    expect(io.stdout.text).toMatch(/^Status: UNHEALTHY/);
    expect(io.stdout.text).toMatch(/- Push for expired calendar \(expired@example\.com, Google\) has expired/);

    const everything = captureIo();
    expect(await run([], everything)).toBe(EXIT.failed);
    expect(everything.stdout.text).toMatch(/^Status: UNHEALTHY  \(whole installation, /);
    // Worst first: the expired push before the expiring one.
    const problems = everything.stdout.text.split("\n").filter((line) => line.startsWith("  - "));
    expect(problems).toHaveLength(2);
    expect(problems[0]).toContain("has expired");
    expect(problems[1]).toContain("expires in 3 hours");
  });

  it("--json prints the report a monitor parses, with the same exit code", async () => {
    const io = captureIo();
    expect(await run(["--json", "--organization", orgs.expired], io)).toBe(EXIT.failed);
    const report = JSON.parse(io.stdout.text) as Record<string, unknown>;
    expect(report).toMatchObject({
      status: "unhealthy",
      organizationId: orgs.expired,
      problems: [expect.stringContaining("has expired")],
      database: { reachable: true, migrations: { applied: true, pending: [] } },
      connections: [expect.objectContaining({ accountEmail: "expired@example.com", status: "active" })],
    });
    const healthy = captureIo();
    expect(await run(["--json", "--organization", orgs.healthy], healthy)).toBe(EXIT.ok);
    expect(JSON.parse(healthy.stdout.text)).toMatchObject({ status: "ok", problems: [] });
  });

  it("refuses a malformed organization id and unknown options with the usage", async () => {
    for (const argv of [["--organization", "acme"], ["--yaml"]]) {
      const io = captureIo();
      expect(await run(argv, io)).toBe(EXIT.usage);
      expect(io.stderr.text).toMatch(/^error: .+\n\nUsage: npm run calsync -- health-check/);
      expect(io.stdout.text).toBe("");
    }
  });
});
