import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { expect, test } from "@playwright/test";
import { emulator } from "./support/emulator";

// Stopping and starting the app and the emulator changes nothing a person sees: the
// card stays connected, and a change at the provider after the restart still
// arrives by push. scripts/e2e-server.mjs restarts both on SIGUSR2 (same ports,
// database and data directory; the emulator reloads its state file).

const dataDir = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", ".data", "e2e");
const read = (name: string) => fs.readFileSync(path.join(dataDir, name), "utf8").trim();

async function restartAppAndEmulator(baseURL: string): Promise<void> {
  const before = Number(read("e2e-server.restarts"));
  process.kill(Number(read("e2e-server.pid")), "SIGUSR2");
  await expect.poll(() => Number(read("e2e-server.restarts")), { timeout: 90_000 }).toBe(before + 1);
  await expect.poll(async () => (await fetch(`${baseURL}/api/health`).catch(() => null))?.status ?? 0, { timeout: 60_000 }).toBe(200);
}

test("stop and restart the app and the emulator: still connected, still pushing", async ({ page, baseURL }) => {
  test.setTimeout(240_000);
  // A person of their own: earlier specs' connections (whose grants an emulator reset
  // ended) must not be what this one finds.
  const email = `rita-${Date.now()}@example.com`;
  await emulator().addAccount({ provider: "google", email, name: "Rita" });
  await page.goto("/signin?callbackUrl=/onboarding/connect-calendar");
  await page.getByRole("button", { name: /Sign in with Google/i }).click();
  await page.getByTestId(`allow-${email}`).click();
  await page.waitForURL(/\/onboarding\/connect-calendar/);
  const card = page.getByTestId("provider-card-google").first();
  await expect(card).toHaveAttribute("data-state", "not_connected");
  await card.getByTestId("connect-google").click();
  await page.getByTestId(`allow-${email}`).click();
  await page.waitForURL(/\/onboarding\/connect-calendar/);
  await expect(card).toHaveAttribute("data-state", "connected");
  await expect(card.getByTestId("push-status-google")).toHaveAttribute("data-push-status", "active", { timeout: 20_000 });
  const accountsBefore = (await emulator().state()).accounts;

  // The browser closes its connections, as a person's tab would while the server is down.
  await page.goto("about:blank");
  await restartAppAndEmulator(baseURL!);
  await page.goto("/onboarding/connect-calendar");

  // Same accounts (same ids), the same session, the same card.
  expect((await emulator().state()).accounts).toEqual(accountsBefore);
  await expect(card).toHaveAttribute("data-state", "connected");
  await expect(card.getByTestId("push-status-google")).toHaveAttribute("data-push-status", "active");

  // Push still arrives: a change at the provider reaches the dashboard without a reload.
  await page.goto("/dashboard");
  await expect(page.getByText(`${email} is not syncing`)).toHaveCount(0);
  const calendarId = await emulator().primaryCalendarId(email, "google");
  const start = new Date(Date.now() + 30 * 60 * 60_000);
  start.setUTCMinutes(0, 0, 0);
  await emulator().createEvent(calendarId, {
    summary: "Made after the restart",
    start: start.toISOString(),
    end: new Date(start.getTime() + 3_600_000).toISOString(),
  });
  await expect(page.getByTestId("event-row").filter({ hasText: "Made after the restart" })).toBeVisible({ timeout: 20_000 });
  // The delivery log is not kept across the restart: these came from the restarted emulator.
  const pushed = (await emulator().deliveries({ kind: "google.push" })).filter((delivery) => delivery.outcome === "ok");
  expect(pushed.length).toBeGreaterThan(0);
});
