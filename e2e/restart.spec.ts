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
  await expect.poll(() => Number(read("e2e-server.restarts")), { timeout: 60_000 }).toBe(before + 1);
  await expect
    .poll(async () => (await fetch(`${baseURL}/api/health`).catch(() => null))?.status ?? 0, { timeout: 60_000 })
    .toBe(200);
}

test("stop and restart the app and the emulator: still connected, still pushing", async ({ page, baseURL }) => {
  test.setTimeout(180_000);
  await emulator().reset();
  await page.goto("/signin?callbackUrl=/onboarding/connect-calendar");
  await page.getByRole("button", { name: /Sign in with Google/i }).click();
  await page.getByTestId("allow-alice@example.com").click();
  await page.waitForURL(/\/onboarding\/connect-calendar/);
  const card = page.getByTestId("provider-card-google").first();
  const action = (await card.getAttribute("data-state")) === "not_connected" ? "connect" : "reconnect";
  await card.getByTestId(`${action}-google`).click();
  await page.getByTestId("allow-alice@example.com").click();
  await page.waitForURL(/\/onboarding\/connect-calendar/);
  await expect(card).toHaveAttribute("data-state", "connected");
  await expect(card.getByTestId("push-status-google")).toHaveAttribute("data-push-status", "active", { timeout: 20_000 });
  const accountsBefore = (await emulator().state()).accounts;

  await restartAppAndEmulator(baseURL!);

  // Same accounts (same ids), the same session, the same card.
  expect((await emulator().state()).accounts).toEqual(accountsBefore);
  await page.reload();
  await expect(card).toHaveAttribute("data-state", "connected");
  await expect(card.getByTestId("push-status-google")).toHaveAttribute("data-push-status", "active");

  // Push still arrives: a change at the provider reaches the dashboard without a reload.
  await page.goto("/dashboard");
  const calendarId = await emulator().primaryCalendarId("alice@example.com", "google");
  const start = new Date(Date.now() + 30 * 60 * 60_000);
  start.setUTCMinutes(0, 0, 0);
  await emulator().createEvent(calendarId, { summary: "Made after the restart", start: start.toISOString(), end: new Date(start.getTime() + 3_600_000).toISOString() });
  await expect(page.getByTestId("event-row").filter({ hasText: "Made after the restart" })).toBeVisible({ timeout: 20_000 });
  // The delivery log is not kept across the restart: these came from the restarted emulator.
  const pushed = (await emulator().deliveries({ kind: "google.push" })).filter((delivery) => delivery.outcome === "ok");
  expect(pushed.length).toBeGreaterThan(0);
});
