import { InngestTestEngine } from "@inngest/test";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { Emulator } from "@/e2e/emulator/server";
import { createFunctions } from "@/inngest/functions";
import { handlers } from "@/inngest/handlers";
import { closeRawPool } from "@/lib/db/raw";
import { CRON_JOBS } from "@/lib/jobs/catalog";
import { installJobSender } from "@/lib/jobs/dispatch";
import { registerPush, renewJob } from "@/lib/subscriptions/lifecycle";
import { connectAccount, serveWebhookRoutes, signIn, startAppEmulator, stopAppEmulator } from "@/scripts/test/app";
import { setupTestDatabase } from "@/scripts/test/database";

// The renewal cron on Inngest: the real function from the factory with the root's
// work (@inngest/test's engine), against the database and the emulator. Each batch
// is one step, and a step's output is its counts, however many subscriptions it
// renewed; nothing is sent.

const database = setupTestDatabase();
let emu: Emulator;
let app: Awaited<ReturnType<typeof serveWebhookRoutes>>;
let restoreJobs: () => void;
let organizationId: string;

beforeAll(async () => {
  emu = await startAppEmulator();
  app = await serveWebhookRoutes();
  restoreJobs = installJobSender(async () => {});
  for (let index = 0; index < 4; index += 1) await emu.control.addCalendar("alice@example.com", { name: `Renewal ${index}`, timeZone: "UTC" });
  const person = await signIn("inngest-renewal@calsync.test");
  organizationId = person.viewer.organizationId;
  const connectionId = await connectAccount(emu, person, "google", "alice@example.com");
  const db = await database.db();
  await db.calendar.updateMany({ where: { connectionId }, data: { syncEnabled: true } });
  await registerPush(connectionId, organizationId);
  await emu.control.waitForIdle(10_000);
});

afterAll(async () => {
  restoreJobs?.();
  await app?.close();
  await stopAppEmulator(emu);
  await closeRawPool();
});

/** Every live subscription due now. */
async function makeDue(): Promise<number> {
  const db = await database.db();
  const { count } = await db.webhookSubscription.updateMany({ where: { organizationId, status: "active" }, data: { renewAt: new Date(Date.now() - 60_000) } });
  return count;
}

async function run(work: typeof handlers) {
  const fn = createFunctions(work).find((candidate) => candidate.opts.id === CRON_JOBS.renew.id)!;
  expect(fn.opts.triggers).toEqual([{ cron: "0 * * * *" }]);
  const { result, error, ctx } = await new InngestTestEngine({ function: fn }).execute();
  expect(error).toBeUndefined();
  const steps = vi.mocked(ctx.step.run).mock.calls.map(([id]) => id);
  const outputs = await Promise.all(vi.mocked(ctx.step.run).mock.results.map(async (entry) => JSON.stringify(await entry.value)));
  return { result: result as Record<string, number>, steps, outputs, sends: vi.mocked(ctx.step.sendEvent).mock.calls.length };
}

describe("the renewal cron on Inngest", () => {
  it("renews a backlog one step per batch, says nothing to send, and adds the batches' counts up", async () => {
    expect(await makeDue()).toBe(6);
    // The root's work with a batch of 2, so six subscriptions are several batches.
    const { result, steps, outputs, sends } = await run({ ...handlers, crons: { ...handlers.crons, renew: () => renewJob({ limit: 2 }) } });
    const id = CRON_JOBS.renew.id;
    // Three full batches, then one that finds nothing and ends the run.
    expect(steps).toEqual([id, `${id}-2`, `${id}-3`, `${id}-4`]);
    expect(sends).toBe(0);
    expect(result).toMatchObject({ subscriptions: 6, connections: 0, replaced: 6, failed: 0, batches: 4 });
    for (const output of outputs) expect(output.length).toBeLessThan(200);
  });

  it("with the production batch (100), the same backlog is one step", async () => {
    expect(await makeDue()).toBe(6);
    const { result, steps, sends } = await run(handlers);
    expect(steps).toEqual([CRON_JOBS.renew.id]);
    expect(sends).toBe(0);
    expect(result).toMatchObject({ subscriptions: 6, replaced: 6, failed: 0, batches: 1 });
  });
});
