import { afterAll, describe, expect, it } from "vitest";
import { inlineDriver, startBackgroundWork } from "@/inngest";
import { setupTestDatabase } from "@/scripts/test/database";

setupTestDatabase();

afterAll(() => {
  inlineDriver().stop();
});

describe("startBackgroundWork", () => {
  it("does nothing while Next.js builds, or when crons are disabled", async () => {
    await expect(startBackgroundWork({ NEXT_PHASE: "phase-production-build" })).resolves.toEqual({ started: false, reason: "build" });
    await expect(startBackgroundWork({ CALSYNC_DISABLE_CRONS: "1" })).resolves.toEqual({ started: false, reason: "disabled" });
  });

  it("starts once per process and runs the catch-up", async () => {
    await expect(startBackgroundWork({ CALSYNC_DISABLE_CRONS: "0" })).resolves.toEqual({ started: true, recovered: { webhook: 0, poll: 0 } });
    await expect(startBackgroundWork({})).resolves.toEqual({ started: false, reason: "already-started" });
  });
});
