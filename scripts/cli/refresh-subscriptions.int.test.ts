import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeRawPool } from "@/lib/db/raw";
import { inlineDriver } from "@/inngest";
import type { Emulator } from "@/e2e/emulator/server";
import { connectAccount, serveRoutes, signIn, startAppEmulator, stopAppEmulator, serveWebhookRoutes } from "@/scripts/test/app";
import { setupTestDatabase } from "@/scripts/test/database";
import { EXIT } from "./command";
import { run } from "./refresh-subscriptions";
import { captureIo } from "@/scripts/test/cli";

// refresh-subscriptions against the provider emulator: connections made through
// the real connect flow register real push; the command renews it there.

const database = setupTestDatabase();
let emu: Emulator;
let app: Awaited<ReturnType<typeof serveRoutes>>;
let organizationId: string;
const previousPublicUrl = process.env.CALSYNC_PUBLIC_URL;

beforeAll(async () => {
  emu = await startAppEmulator();
  app = await serveWebhookRoutes();
  const person = await signIn("operator@calsync.test");
  organizationId = person.viewer.organizationId;
  await connectAccount(emu, person, "google", "alice@example.com");
  await connectAccount(emu, person, "microsoft", "bob@contoso.example");
  await settle();
});

afterAll(async () => {
  await inlineDriver().idle();
  inlineDriver().stop();
  process.env.CALSYNC_PUBLIC_URL = previousPublicUrl;
  await app?.close();
  await stopAppEmulator(emu);
  await closeRawPool();
});

async function settle(): Promise<void> {
  await emu.control.waitForIdle(15_000);
  await inlineDriver().idle();
}

async function live() {
  const rows = await (await database.db()).webhookSubscription.findMany({ where: { organizationId, status: "active" }, orderBy: { provider: "asc" } });
  const google = rows.find((row) => row.provider === "google");
  const microsoft = rows.find((row) => row.provider === "microsoft");
  if (!google || !microsoft || rows.length !== 2) throw new Error(`expected one live subscription per provider, found ${rows.length}`);
  return { google, microsoft };
}

describe("refresh-subscriptions", () => {
  it("registered push for both connections to start from", async () => {
    const { google, microsoft } = await live();
    expect((await emu.control.channels()).find((channel) => channel.id === google.externalId)?.state).toBe("live");
    expect((await emu.control.subscriptions()).find((view) => view.id === microsoft.externalId)?.state).toBe("live");
  });

  it("has nothing to do within a short horizon", async () => {
    const io = captureIo();
    expect(await run(["--horizon", "90m", "--organization", organizationId], io)).toBe(EXIT.ok);
    expect(io.stdout.text).toBe("Nothing to renew within 1h30m.\n");
  });

  it("--dry-run prints the plan and changes nothing, here or at the provider", async () => {
    const before = await live();
    const channelsBefore = await emu.control.channels();
    const subscriptionsBefore = await emu.control.subscriptions();
    const io = captureIo();
    expect(await run(["--horizon", "30d", "--dry-run", "--organization", organizationId], io)).toBe(EXIT.ok);
    const lines = io.stdout.text.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^PROVIDER\s+SUBSCRIPTION\s+ACCOUNT\s+EXPIRES\s+REASON\s+RESULT$/);
    expect(lines.slice(1, 3).sort()).toEqual([
      expect.stringMatching(
        new RegExp(
          `^google\\s+${before.google.externalId.slice(0, 8)}…\\s+alice@example\\.com\\s+\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d UTC \\(in \\d+d\\)\\s+expiring\\s+would renew$`,
        ),
      ),
      expect.stringMatching(new RegExp(`^microsoft\\s+${before.microsoft.externalId.slice(0, 8)}…\\s+bob@contoso\\.example\\s+.+\\s+expiring\\s+would renew$`)),
    ]);
    expect(lines[3]).toBe("Dry run: 2 subscriptions would be renewed within 30d; nothing was changed.");
    expect(JSON.stringify(await live())).toBe(JSON.stringify(before));
    expect(await emu.control.channels()).toEqual(channelsBefore);
    expect(await emu.control.subscriptions()).toEqual(subscriptionsBefore);
  });

  it("renews everything expiring within 30d: a new Google channel, an extended Graph subscription", async () => {
    const before = await live();
    const io = captureIo();
    expect(await run(["--horizon", "30d", "--organization", organizationId], io)).toBe(EXIT.ok);
    expect(io.stderr.text).toBe("renewing 2 subscriptions expiring within 30d…\n");
    const after = await live();

    // Google: a new channel, live at the emulator; the old one stopped there.
    expect(after.google.id).toBe(before.google.id);
    expect(after.google.externalId).not.toBe(before.google.externalId);
    expect(after.google.lastRenewedAt).not.toBeNull();
    const channels = await emu.control.channels();
    expect(channels.find((channel) => channel.id === after.google.externalId)?.state).toBe("live");
    expect(channels.find((channel) => channel.id === before.google.externalId)?.state).toBe("stopped");

    // Graph: the same subscription, its expiry moved at the emulator to what we stored.
    expect(after.microsoft.externalId).toBe(before.microsoft.externalId);
    expect(after.microsoft.lastRenewedAt).not.toBeNull();
    expect(after.microsoft.expiresAt!.getTime()).toBeGreaterThan(before.microsoft.expiresAt!.getTime());
    const view = (await emu.control.subscriptions()).find((candidate) => candidate.id === after.microsoft.externalId)!;
    expect(view.state).toBe("live");
    expect(new Date(view.expirationDateTime).getTime()).toBe(after.microsoft.expiresAt!.getTime());

    const text = io.stdout.text;
    expect(text).toMatch(
      new RegExp(
        `google\\s+${before.google.externalId.slice(0, 8)}….*expiring\\s+replaced by ${after.google.externalId.slice(0, 8)}… until \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d UTC`,
      ),
    );
    expect(text).toMatch(
      new RegExp(`microsoft\\s+${before.microsoft.externalId.slice(0, 8)}….*expiring\\s+extended until \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d UTC`),
    );
    expect(text).toMatch(/^Renewed 2 of 2 subscriptions within 30d \(\d+\.\d s\)\.$/m);
  });

  it("reports a renewal the provider refuses, and exits 1", async () => {
    const { microsoft } = await live();
    await emu.control.failNext({ endpoint: "graph.subscriptions.update", status: 403, count: 1 });
    const io = captureIo();
    const code = await run(["--horizon", "30d", "--organization", organizationId], io);
    await emu.control.clearFaults();
    expect(io.stdout.text).toMatch(new RegExp(`microsoft\\s+${microsoft.externalId.slice(0, 8)}….*expiring\\s+FAILED: `));
    expect(io.stdout.text).toMatch(/, 1 failed \(/);
    expect(code).toBe(EXIT.failed);
  });

  it("refuses a malformed horizon or organization with the usage", async () => {
    for (const argv of [["--horizon", "30"], ["--organization", "acme"], ["--horizon"]]) {
      const io = captureIo();
      expect(await run(argv, io)).toBe(EXIT.usage);
      expect(io.stderr.text).toMatch(/^error: .+\n\nUsage: npm run calsync -- refresh-subscriptions/);
    }
  });
});
