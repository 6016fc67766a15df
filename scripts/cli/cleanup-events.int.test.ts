import { randomUUID } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { webhookMaxAttempts } from "@/lib/webhooks/processing";
import { setupTestDatabase } from "@/scripts/test/database";
import { run } from "./cleanup-events";
import { EXIT } from "./command";
import { renderProgress } from "./progress";
import { captureIo } from "@/scripts/test/cli";

const database = setupTestDatabase();
const DAY = 24 * 60 * 60_000;
let acme: string;
let globex: string;

async function events(
  organizationId: string,
  count: number,
  ageDays: number,
  extra: { status?: "processed" | "failed"; attempts?: number; tag?: string } = {},
) {
  const client = await database.db();
  const receivedAt = new Date(Date.now() - ageDays * DAY);
  await client.webhookEvent.createMany({
    data: Array.from({ length: count }, (_, index) => ({
      organizationId,
      provider: "google" as const,
      externalId: `chan-${extra.tag ?? "x"}-${index}`,
      changeType: "exists",
      headers: {},
      status: extra.status ?? "processed",
      attempts: extra.attempts ?? 1,
      receivedAt,
    })),
  });
}

const remaining = async (organizationId?: string) => (await database.db()).webhookEvent.count({ where: organizationId ? { organizationId } : {} });

beforeAll(async () => {
  const client = await database.db();
  acme = (await client.organization.create({ data: { name: "Acme", slug: `acme-${randomUUID().slice(0, 8)}` } })).id;
  globex = (await client.organization.create({ data: { name: "Globex", slug: `globex-${randomUUID().slice(0, 8)}` } })).id;
  await events(acme, 25, 40, { tag: "old" });
  await events(acme, 10, 1, { tag: "recent" });
  // Failed and still due a retry: kept whatever its age. Out of retries: goes.
  await events(acme, 2, 45, { status: "failed", attempts: 0, tag: "retrying" });
  await events(acme, 1, 45, { status: "failed", attempts: webhookMaxAttempts(), tag: "exhausted" });
  await events(globex, 5, 31, { tag: "old" });
});

describe("cleanup-events", () => {
  it("--dry-run counts what would go and deletes nothing", async () => {
    const io = captureIo();
    expect(await run(["--older-than", "30d", "--dry-run"], io)).toBe(EXIT.ok);
    expect(io.stdout.text).toMatch(
      /^Dry run: 31 webhook events received before \d{4}-\d\d-\d\d \d\d:\d\d UTC \(older than 30d\) would be deleted in batches of 1000; nothing was deleted\. 2 failed events still due a retry are kept\.\n$/,
    );
    expect(await remaining()).toBe(43);
  });

  it("deletes only one organization's old events, in batches, with progress on stderr", async () => {
    const io = captureIo();
    expect(await run(["--older-than", "30d", "--organization", acme, "--batch-size", "10"], io)).toBe(EXIT.ok);
    expect(io.stdout.text).toMatch(
      new RegExp(
        `^Deleted 26 webhook events received before .* in organization ${acme} in 3 batches \\(\\d+\\.\\d s\\)\\. 2 failed events still due a retry are kept\\.\\n$`,
      ),
    );
    expect(io.stderr.text.trimEnd().split("\n").at(-1)).toBe(`deleting ${renderProgress(26, 26)}`);
    const client = await database.db();
    expect(await client.webhookEvent.count({ where: { organizationId: acme, externalId: { startsWith: "chan-recent-" } } })).toBe(10);
    expect(await client.webhookEvent.count({ where: { organizationId: acme, externalId: { startsWith: "chan-retrying-" } } })).toBe(2);
    expect(await remaining(acme)).toBe(12);
    expect(await remaining(globex)).toBe(5);
  });

  it("then the rest of the installation; a second run finds nothing", async () => {
    const io = captureIo();
    expect(await run(["--older-than", "30d"], io)).toBe(EXIT.ok);
    expect(io.stdout.text).toMatch(/^Deleted 5 webhook events .* in 1 batch \(/);
    expect(await remaining(globex)).toBe(0);
    expect(await remaining()).toBe(12);

    const again = captureIo();
    expect(await run(["--older-than", "720h"], again)).toBe(EXIT.ok);
    expect(again.stdout.text).toMatch(/^No webhook events to delete received before .* \(older than 30d\)\. 2 failed events still due a retry are kept\.\n$/);
    expect(again.stderr.text).toBe("");
  });

  it("a shorter age reaches recent events too", async () => {
    const io = captureIo();
    expect(await run(["--older-than", "12h", "--organization", acme], io)).toBe(EXIT.ok);
    expect(io.stdout.text).toMatch(/^Deleted 10 webhook events /);
    expect(await remaining()).toBe(2);
  });

  it("refuses a missing or bare age, and bad batch sizes, with the usage", async () => {
    for (const argv of [
      [],
      ["--older-than", "30"],
      ["--older-than", "30d", "--batch-size", "0"],
      ["--older-than", "30d", "--batch-size", "many"],
      ["--older-than", "30d", "--force"],
    ]) {
      const io = captureIo();
      expect(await run(argv, io)).toBe(EXIT.usage);
      expect(io.stderr.text).toMatch(/^error: .+\n\nUsage: npm run calsync -- cleanup-events/);
    }
    expect(await remaining()).toBe(2);
  });
});
