import { expect, test, type Page } from "@playwright/test";
import { emulator } from "./support/emulator";

// The operations console as an organization's owner, in Chromium against the
// production build: connect Google, let real notifications arrive from the
// emulator, then read the health charts, filter the webhook log and open an event,
// and stop a subscription (the emulator must see the channel stopped). The account
// is one of this spec's own, so the organization is separate from connect.spec's.

const OPS = "ops@example.com";

test.describe.configure({ mode: "serial" });

async function signInAndConnect(page: Page, email = OPS) {
  await page.goto("/signin?callbackUrl=/onboarding/connect-calendar");
  await page.getByRole("button", { name: /Sign in with Google/i }).click();
  await page.getByTestId(`allow-${email}`).click();
  await page.waitForURL(/\/onboarding\/connect-calendar/);
  await page.getByTestId("connect-google").click();
  await page.getByTestId(`allow-${email}`).click();
  await page.waitForURL(/\/onboarding\/connect-calendar/);
  const card = page.getByTestId("provider-card-google");
  await expect(card).toHaveAttribute("data-state", "connected");
  // Push is registered by the background setup that follows the connect.
  await expect(card).toContainText(/renews|active/i, { timeout: 20_000 });
}

/** Changes at the provider, a few seconds apart: each is a notification, and each sync processes it. */
async function changeAtProvider(count: number) {
  const calendarId = await emulator().primaryCalendarId(OPS, "google");
  for (let index = 0; index < count; index += 1) {
    const start = new Date(Date.now() + (30 + index) * 60 * 60_000);
    start.setUTCMinutes(0, 0, 0);
    await emulator().createEvent(calendarId, {
      summary: `Ops review ${index + 1}`,
      start: start.toISOString(),
      end: new Date(start.getTime() + 1_800_000).toISOString(),
    });
    await emulator().waitForIdle(10_000);
  }
}

test("owner: health charts, webhook log with filters and details, stopping a subscription", async ({ page }) => {
  test.setTimeout(180_000);
  await emulator().reset();
  await emulator().addAccount({
    provider: "google",
    email: OPS,
    name: "Ops",
    calendars: [{ name: "Ops", primary: true, events: [] }],
  });
  await signInAndConnect(page);
  await changeAtProvider(3);

  // Overview: the nav leads there; the charts fill once notifications were processed.
  await page
    .getByRole("navigation", { name: "Main" })
    .getByRole("link", { name: /^Admin/ })
    .click();
  await page.waitForURL(/\/admin$/);
  await expect(page.getByRole("heading", { level: 1, name: "Operations" })).toBeVisible();
  await expect(page.getByTestId("chart-notifications")).toHaveAttribute("data-empty", "false", { timeout: 30_000 });
  await expect(page.getByTestId("chart-success-rate")).toHaveAttribute("data-empty", "false", { timeout: 30_000 });
  await expect(page.getByTestId("chart-latency")).toHaveAttribute("data-empty", "false", { timeout: 30_000 });
  const bars = page.getByTestId("chart-notifications").locator("rect title");
  await expect(bars).toHaveCount(24);
  await expect(page.getByTestId("chart-notifications").getByRole("img", { name: "Notifications per hour" })).toBeVisible();
  // Each hour has a keyboard path (focus the plot, arrows move, the reading is announced) and a table view.
  const plot = page.getByTestId("chart-notifications-plot");
  await plot.focus();
  const reading = page.getByTestId("chart-notifications-reading");
  await expect(reading).toHaveText(/^\d{1,2}:\d{2}( [AP]M)?–\d{1,2}:\d{2}( [AP]M)?: \d+$/);
  const newest = await reading.textContent();
  await page.keyboard.press("ArrowLeft");
  await expect(reading).not.toHaveText(newest!);
  await page.keyboard.press("End");
  await expect(reading).toHaveText(newest!);
  await page.keyboard.press("Home");
  const oldest = await reading.textContent();
  await expect(page.getByTestId("chart-notifications-table")).toHaveClass(/sr-only/);
  await page.getByTestId("chart-notifications").getByRole("button", { name: "Show table" }).click();
  const table = page.getByTestId("chart-notifications-table");
  await expect(table).toBeVisible();
  await expect(table.locator("tbody tr")).toHaveCount(24);
  const [oldestHour, oldestValue] = oldest!.split(": ");
  await expect(table.locator("tbody tr").first().locator("th")).toHaveText(oldestHour!);
  await expect(table.locator("tbody tr").first().locator("td")).toHaveText(oldestValue!);
  await page.getByTestId("chart-notifications").getByRole("button", { name: "Hide table" }).click();
  await expect(page.getByTestId("health-connection-row")).toHaveCount(1);
  await expect(page.getByTestId("card-needs-reconnect")).toHaveAttribute("data-count", "0");
  await page.screenshot({ path: "e2e/artifacts/admin-health.png", fullPage: true });

  // Webhook events: processed notifications listed; status chips filter them.
  await page.getByTestId("admin-tab-webhook-events").click();
  await page.waitForURL(/\/admin\/webhook-events/);
  const rows = page.getByTestId("webhook-event-row");
  await expect(rows.first()).toBeVisible();
  await page.getByTestId("status-chip-processed").click();
  await expect(page).toHaveURL(/status=processed/);
  await expect(page.getByTestId("status-chip-processed")).toHaveAttribute("aria-pressed", "true");
  await expect(rows.first()).toBeVisible();
  await expect(page.locator('[data-testid="webhook-event-row"]:not([data-status="processed"])')).toHaveCount(0);
  await page.getByTestId("status-chip-dead").click();
  await expect(page.getByTestId("webhook-events-empty")).toBeVisible();
  await page.getByTestId("status-chip-processed").click();
  await expect(rows.first()).toBeVisible();

  // Loaded afresh (hydrated, not navigated to): with no dead event, "Replay all dead"
  // is disabled once the page is interactive, and React reported no hydration mismatch.
  const hydrationErrors: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error" && /hydrat|#418|#423|#425/i.test(message.text())) hydrationErrors.push(message.text());
  });
  page.on("pageerror", (error) => {
    if (/hydrat|#418|#423|#425/i.test(error.message)) hydrationErrors.push(error.message);
  });
  await page.reload();
  await expect(rows.first()).toBeVisible();
  await expect(page.getByTestId("replay-all-dead")).toBeDisabled();
  await expect(page.getByTestId("replay-all-dead")).toHaveText("Replay all dead");
  expect(hydrationErrors).toEqual([]);

  // A search that matches nothing, then cleared.
  await page.getByTestId("filter-search").fill("no-such-channel");
  await expect(page.getByTestId("webhook-events-empty")).toBeVisible();
  await expect(page).toHaveURL(/q=no-such-channel/);
  await page.getByTestId("filter-search").fill("");
  await expect(rows.first()).toBeVisible();

  // The detail drawer: status, attempts, latency, headers as stored with the channel token redacted.
  await rows.first().getByTestId("open-webhook-event").click();
  const drawer = page.getByTestId("webhook-event-drawer");
  await expect(drawer).toBeVisible();
  await expect(drawer.getByTestId("drawer-status")).toHaveText("Processed");
  await expect(drawer.getByTestId("drawer-latency")).toHaveText(/\d/);
  await expect(drawer.getByTestId("event-headers")).toContainText("x-goog-channel-id");
  await expect(drawer.getByTestId("event-headers")).toContainText("[redacted]");
  // Only failed and dead events can be replayed.
  await expect(drawer.getByTestId("replay-event")).toHaveCount(0);
  await page.screenshot({ path: "e2e/artifacts/admin-webhook-event-drawer.png" });
  await page.keyboard.press("Escape");
  await expect(drawer).toBeHidden();

  // Subscriptions: stop the calendar's channel; the provider must see it stopped.
  await page.getByTestId("admin-tab-subscriptions").click();
  await page.waitForURL(/\/admin\/subscriptions/);
  const subscription = page.locator('[data-testid="subscription-row"][data-status="active"]').first();
  await expect(subscription).toBeVisible();
  await expect(subscription.getByTestId("subscription-recent-event").first()).toBeVisible();
  const subscriptionId = await subscription.getAttribute("data-id");
  await subscription.getByTestId("delete-subscription").click();
  await expect(page.getByRole("dialog")).toBeVisible();
  await expect(page.getByRole("dialog").getByRole("heading")).toHaveText("Stop this subscription?");
  await expect(page.getByTestId("confirm-delete-subscription")).toHaveText("Stop");
  await page.getByTestId("confirm-delete-subscription").click();
  const toast = page.getByText(/Subscription for .* stopped/);
  await expect(toast).toBeVisible();
  // One verb per action: the button, the dialog and the toast say "Stop", the row "Stopped".
  // A stopped subscription leaves the list; "Show stopped" brings it back.
  const stoppedRow = page.locator(`[data-testid="subscription-row"][data-id="${subscriptionId}"]`);
  await expect(stoppedRow).toHaveCount(0);
  await page.getByTestId("show-stopped-subscriptions").check();
  await expect(stoppedRow).toHaveAttribute("data-status", "stopped");
  await expect(stoppedRow.getByTestId("subscription-status")).toHaveText("Stopped");
  await expect(stoppedRow.getByTestId("delete-subscription")).toHaveText("Stop");
  await expect(stoppedRow.getByTestId("refresh-subscription")).toHaveText("Renew");
  await expect(toast).toBeHidden({ timeout: 15_000 });
  await page.screenshot({ path: "e2e/artifacts/admin-subscriptions.png", fullPage: true });
  const channels = (await emulator().channels()).filter((channel) => channel.accountEmail === OPS);
  expect(channels.length).toBeGreaterThan(0);
  expect(channels.every((channel) => channel.state === "stopped")).toBe(true);

  // Sync runs: the connect's first sync and the webhook syncs are listed.
  await page.getByTestId("admin-tab-sync-runs").click();
  await page.waitForURL(/\/admin\/sync-runs/);
  await expect(page.getByTestId("sync-run-row").first()).toBeVisible();
  await page.getByTestId("run-status-chip-succeeded").click();
  await expect(page.locator('[data-testid="sync-run-row"]:not([data-status="succeeded"])')).toHaveCount(0);

  // The account loses access at Google; a sync asked for from the console finds out,
  // and the console says so: banner, nav badge, the needs-reconnect card.
  await emulator().revokeGrant("google", OPS);
  await emulator().expireAccessTokens(OPS, "google");
  await page.getByTestId("resync-calendar").click();
  await expect(page.getByText("Sync of Ops requested")).toBeVisible();
  await page.getByTestId("run-status-chip-failed").click();
  await expect(page.getByTestId("sync-run-row").first()).toHaveAttribute("data-status", "failed", { timeout: 30_000 });
  await page.getByTestId("admin-tab-overview").click();
  await page.waitForURL(/\/admin$/);
  await expect(page.getByTestId("admin-attention-banner")).toHaveAttribute("data-status", "unhealthy", { timeout: 30_000 });
  await expect(page.getByTestId("admin-attention-banner")).toContainText(/must be reconnected/);
  await expect(page.getByTestId("admin-attention-badge")).toBeVisible();
  await expect(page.getByTestId("card-needs-reconnect")).toHaveAttribute("data-count", "1");
  await expect(page.getByTestId("health-status")).toHaveAttribute("data-status", "unhealthy");
  await page.screenshot({ path: "e2e/artifacts/admin-health-attention.png", fullPage: true });
});

test("owner: a notification whose sync keeps failing goes dead, and a replay processes it", async ({ page }) => {
  test.setTimeout(420_000);
  await emulator().reset();
  // A person of their own: the first test left its organization needing a reconnect.
  const email = "oncall@example.com";
  await emulator().addAccount({ provider: "google", email, name: "On call", calendars: [{ name: "On call", primary: true, events: [] }] });
  await signInAndConnect(page, email);
  const card = page.getByTestId("provider-card-google");
  await expect(card).not.toContainText(/syncing/i, { timeout: 20_000 });

  // Google answers 503 to every sync: the notification's processing fails and, with
  // the e2e server's WEBHOOK_MAX_ATTEMPTS=1, goes straight to the dead letter.
  await emulator().failNext({ endpoint: "google.events.list", status: 503, count: 1000, retryAfterSeconds: 1 });
  const calendarId = await emulator().primaryCalendarId(email, "google");
  const start = new Date(Date.now() + 50 * 60 * 60_000);
  start.setUTCMinutes(0, 0, 0);
  await emulator().createEvent(calendarId, {
    summary: "Lost in an outage",
    start: start.toISOString(),
    end: new Date(start.getTime() + 1_800_000).toISOString(),
  });

  await page.goto("/admin/webhook-events?status=dead");
  const dead = page.locator('[data-testid="webhook-event-row"][data-status="dead"]');
  await expect(async () => {
    await page.reload();
    await expect(dead.first()).toBeVisible({ timeout: 2_000 });
  }).toPass({ timeout: 60_000 });
  await expect(page.getByTestId("admin-attention-badge")).toBeVisible();

  // Google is back. Wait until this calendar syncs again (the job's backoff and the
  // account's circuit breaker first have to let a sync through), or a replay made
  // during the outage would simply fail again.
  await emulator().clearFaults();
  await emulator().createEvent(calendarId, {
    summary: "After the outage",
    start: new Date(start.getTime() + 3_600_000).toISOString(),
    end: new Date(start.getTime() + 5_400_000).toISOString(),
  });
  await page.goto("/dashboard");
  await expect(page.getByTestId("event-row").filter({ hasText: "After the outage" })).toBeVisible({ timeout: 180_000 });
  // The data itself came with that sync; the notification stays dead (visible, and
  // counted as a failure) until someone replays it.
  await expect(page.getByTestId("event-row").filter({ hasText: "Lost in an outage" })).toHaveCount(1);

  await page.goto("/admin/webhook-events?status=dead");
  await expect(dead.first()).toBeVisible();
  // "Replay all dead" counts it, and its confirmation agrees with the count.
  await expect(page.getByTestId("replay-all-dead")).toHaveText("Replay all dead (1)");
  await page.getByTestId("replay-all-dead").click();
  await expect(page.getByRole("dialog")).toContainText("The 1 event whose retries ran out goes back to pending, and its calendar syncs again.");
  await expect(page.getByRole("dialog")).toContainText("or it will fail again");
  await page.getByRole("dialog").getByRole("button", { name: "Cancel" }).click();
  await expect(page.getByRole("dialog")).toBeHidden();
  await dead.first().getByTestId("open-webhook-event").click();
  const drawer = page.getByTestId("webhook-event-drawer");
  await expect(drawer.getByTestId("drawer-status")).toHaveText("Dead");
  await page.screenshot({ path: "e2e/artifacts/admin-dead-event.png" });
  const replayedAt = Date.now();
  await drawer.getByTestId("replay-event").click();
  await expect(page.getByText("Event replayed")).toBeVisible();
  // The drawer watches a pending event every second, so the replay is seen to finish
  // with its sync, not at the page's 10 s refresh. The time is printed, not asserted.
  await expect(drawer.getByTestId("drawer-status")).toHaveText("Processed", { timeout: 60_000 });
  console.log(`single replay seen processed after ${((Date.now() - replayedAt) / 1000).toFixed(1)} s`);
});
