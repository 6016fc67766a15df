import { expect, test, type Page } from "@playwright/test";
import { emulator } from "./support/emulator";

// The first thing a person sees, per provider, in Chromium against a production
// build in sandbox mode: sign in at the emulator, connect a calendar, see the card
// and the toast, see the seeded events on the dashboard, deny consent and see why,
// disconnect and see the provider stop pushing. Screenshots of each card state are
// kept as artifacts (e2e/artifacts/).

const ACCOUNTS = {
  google: { email: "alice@example.com", seeded: "Planning", name: "Google" },
  microsoft: { email: "bob@contoso.example", seeded: "Customer call", name: "Microsoft" },
} as const;

test.describe.configure({ mode: "serial" });

async function signIn(page: Page, provider: keyof typeof ACCOUNTS) {
  await page.goto("/signin?callbackUrl=/onboarding/connect-calendar");
  await page.getByRole("button", { name: new RegExp(`Sign in with ${ACCOUNTS[provider].name}`, "i") }).click();
  await page.getByTestId(`allow-${ACCOUNTS[provider].email}`).click();
  await page.waitForURL(/\/onboarding\/connect-calendar/);
}

async function shoot(page: Page, name: string) {
  await page.screenshot({ path: `e2e/artifacts/${name}.png`, fullPage: true });
}

for (const provider of ["google", "microsoft"] as const) {
  const account = ACCOUNTS[provider];

  test(`${provider}: sign in, connect, see events, deny, disconnect`, async ({ page }) => {
    await emulator().reset();
    await signIn(page, provider);
    const card = page.getByTestId(`provider-card-${provider}`);
    await expect(card).toHaveAttribute("data-state", "not_connected");
    await expect(page.getByText("Sandbox").first()).toBeVisible();
    await shoot(page, `${provider}-card-not-connected`);

    // Connecting: the button spins and is disabled while the browser leaves. The
    // start URL is answered with 204 so the navigation is cancelled and the state stays.
    await page.route(`**/api/oauth/${provider}/start**`, (route) => route.fulfill({ status: 204 }));
    await page.getByTestId(`connect-${provider}`).click();
    await expect(card).toHaveAttribute("data-state", "connecting");
    await expect(page.getByTestId(`connect-${provider}`)).toBeDisabled();
    await shoot(page, `${provider}-card-connecting`);
    await page.unroute(`**/api/oauth/${provider}/start**`);
    await page.reload();
    await page.getByTestId(`connect-${provider}`).click();
    await page.getByTestId(`allow-${account.email}`).click();
    await page.waitForURL(/\/onboarding\/connect-calendar/);

    await expect(page.getByText("Calendar connected")).toBeVisible();
    await expect(card).toHaveAttribute("data-state", "connected");
    await expect(page.getByTestId(`account-email-${provider}`)).toHaveText(account.email);
    // The result code is consumed: a reload shows no second toast.
    await expect(page).not.toHaveURL(/result=/);
    // Push registered once the background setup ran.
    await expect(card).toContainText(/renews|active/i, { timeout: 20_000 });
    await shoot(page, `${provider}-card-connected`);

    await page.goto("/dashboard");
    await expect(page.getByTestId("upcoming-events").getByTestId("event-row").filter({ hasText: account.seeded }).first()).toBeVisible({ timeout: 20_000 });
    await shoot(page, `${provider}-dashboard`);

    // A change at the provider shows up without a reload.
    const calendarId = await emulator().primaryCalendarId(account.email, provider);
    const start = new Date(Date.now() + 26 * 60 * 60_000);
    start.setUTCMinutes(0, 0, 0);
    await emulator().createEvent(calendarId, {
      summary: "Added at the provider",
      start: start.toISOString(),
      end: new Date(start.getTime() + 3_600_000).toISOString(),
    });
    await expect(page.getByTestId("event-row").filter({ hasText: "Added at the provider" })).toBeVisible({ timeout: 20_000 });

    // Denied consent: told, nothing changed.
    await page.goto("/onboarding/connect-calendar");
    await page.getByTestId(`reconnect-${provider}`).click();
    await page.getByTestId("deny").click();
    await page.waitForURL(/\/onboarding\/connect-calendar/);
    await expect(page.getByText("Access was not granted")).toBeVisible();
    await expect(card).toHaveAttribute("data-state", "connected");

    // Disconnect: confirm, toast, card reset, and the provider stops pushing.
    await page.getByTestId(`disconnect-${provider}`).click();
    await expect(page.getByRole("dialog")).toBeVisible();
    // Google's grant is revoked for the person; Microsoft has no endpoint for it: the dialog says where to do it.
    if (provider === "microsoft") await expect(page.getByTestId("revoke-yourself")).toContainText("myapps.microsoft.com");
    else await expect(page.getByRole("dialog")).toContainText("also revokes its access at Google");
    await shoot(page, `${provider}-disconnect-dialog`);
    await page.getByTestId("confirm-disconnect").click();
    await expect(page.getByText(/disconnected/i).first()).toBeVisible();
    await expect(card).toHaveAttribute("data-state", "not_connected");
    if (provider === "google") {
      const channels = (await emulator().channels()).filter((channel) => channel.accountEmail === account.email);
      expect(channels.length).toBeGreaterThan(0);
      expect(channels.every((channel) => channel.state === "stopped")).toBe(true);
    } else {
      const subscriptions = await emulator().subscriptions();
      expect(subscriptions.length).toBeGreaterThan(0);
      expect(subscriptions.every((subscription) => subscription.state === "deleted")).toBe(true);
    }
  });
}

test("a connection that lost access asks the person to reconnect", async ({ page }) => {
  await emulator().reset();
  await signIn(page, "google");
  await page.getByTestId("connect-google").click();
  await page.getByTestId("allow-alice@example.com").click();
  await page.waitForURL(/\/onboarding\/connect-calendar/);
  const card = page.getByTestId("provider-card-google");
  await expect(card).toHaveAttribute("data-state", "connected");
  await expect(card).not.toContainText(/syncing/i, { timeout: 20_000 });

  // The person revokes access at Google; the next sync finds out.
  await emulator().revokeGrant("google", "alice@example.com");
  await emulator().expireAccessTokens("alice@example.com", "google");
  await page.goto("/dashboard");
  const team = page.getByRole("switch", { name: /Team/ });
  await team.click();
  await page.goto("/onboarding/connect-calendar");
  await expect(card).toHaveAttribute("data-state", "needs_reconnect", { timeout: 20_000 });
  await expect(card).toContainText(/reconnect/i);
  await shoot(page, "google-card-needs-reconnect");

  await page.getByTestId("reconnect-google").click();
  await page.getByTestId("allow-alice@example.com").click();
  await page.waitForURL(/\/onboarding\/connect-calendar/);
  await expect(page.getByText("Google Calendar reconnected: alice@example.com")).toBeVisible();
  await expect(card).toHaveAttribute("data-state", "connected");
});

test("declining consent at sign-in says so, not the account-linking text", async ({ page }) => {
  await emulator().reset();
  for (const provider of ["google", "microsoft"] as const) {
    await page.goto("/signin?callbackUrl=/onboarding/connect-calendar");
    await page.getByRole("button", { name: new RegExp(`Sign in with ${ACCOUNTS[provider].name}`, "i") }).click();
    await page.getByTestId("deny").click();
    await page.waitForURL(/\/signin\?error=Declined/);
    const error = page.getByTestId("signin-error");
    await expect(error).toContainText("You declined");
    await expect(error).not.toContainText("another provider");
    // The way on is kept: signing in again from here returns to where the person was going.
    await expect(page).toHaveURL(/callbackUrl=%2Fonboarding%2Fconnect-calendar/);
  }
  await page.getByRole("button", { name: /Sign in with Google/i }).click();
  await page.getByTestId(`allow-${ACCOUNTS.google.email}`).click();
  await page.waitForURL(/\/onboarding\/connect-calendar/);
});

test("switching a calendar's sync off asks first; cancelling keeps it and its events", async ({ page }) => {
  // A person of this test's own: alice's organization is connected by the tests above.
  const email = "switch@example.com";
  await emulator().reset();
  const start = new Date(Date.now() + 28 * 60 * 60_000);
  start.setUTCMinutes(0, 0, 0);
  await emulator().addAccount({
    provider: "google",
    email,
    name: "Switch",
    calendars: [
      {
        name: "Switch",
        primary: true,
        events: [{ summary: "Switch planning", start: start.toISOString(), end: new Date(start.getTime() + 1_800_000).toISOString() }],
      },
    ],
  });
  await page.goto("/signin?callbackUrl=/onboarding/connect-calendar");
  await page.getByRole("button", { name: /Sign in with Google/i }).click();
  await page.getByTestId(`allow-${email}`).click();
  await page.waitForURL(/\/onboarding\/connect-calendar/);
  await page.getByTestId("connect-google").click();
  await page.getByTestId(`allow-${email}`).click();
  await page.waitForURL(/\/onboarding\/connect-calendar/);
  await page.goto("/dashboard");
  const seeded = page.getByTestId("upcoming-events").getByTestId("event-row").filter({ hasText: "Switch planning" });
  await expect(seeded.first()).toBeVisible({ timeout: 20_000 });
  const primary = page.getByRole("switch", { name: "Switch" });
  await expect(primary).toHaveAttribute("aria-checked", "true");

  await primary.click();
  const dialog = page.getByRole("dialog");
  await expect(dialog).toContainText("Stop syncing “Switch”?");
  await expect(dialog).toContainText(/removes the (event|\d+ events) it mirrored/);
  await page.getByTestId("cancel-sync-off").click();
  await expect(dialog).toBeHidden();
  await expect(primary).toHaveAttribute("aria-checked", "true");
  await expect(seeded.first()).toBeVisible();

  await primary.click();
  await page.getByTestId("confirm-sync-off").click();
  await expect(dialog).toBeHidden();
  await expect(primary).toHaveAttribute("aria-checked", "false");
  await expect(seeded).toHaveCount(0, { timeout: 20_000 });
});

test("a calendar removed at the provider says so on the dashboard, with no switch, until it is dismissed", async ({ page }) => {
  const email = "removed@example.com";
  await emulator().reset();
  await emulator().addAccount({ provider: "google", email, name: "Removed", calendars: [{ name: "Removed", primary: true }] });
  const old = await emulator().addCalendar(email, { name: "Old project" }, "google");
  await page.goto("/signin?callbackUrl=/onboarding/connect-calendar");
  await page.getByRole("button", { name: /Sign in with Google/i }).click();
  await page.getByTestId(`allow-${email}`).click();
  await page.waitForURL(/\/onboarding\/connect-calendar/);
  await page.getByTestId("connect-google").click();
  await page.getByTestId(`allow-${email}`).click();
  await page.waitForURL(/\/onboarding\/connect-calendar/);
  await page.goto("/dashboard");
  await expect(page.getByRole("switch", { name: "Old project" })).toHaveAttribute("aria-checked", "false");

  await emulator().removeCalendar(old.id);
  // Connecting the account again reads its calendar list, as the periodic discovery does.
  await page.goto("/onboarding/connect-calendar");
  await page.getByTestId("connect-another-google").click();
  await page.getByTestId(`allow-${email}`).click();
  await page.waitForURL(/\/onboarding\/connect-calendar/);
  await page.goto("/dashboard");
  const removed = page.locator('[data-testid^="calendar-removed-"]');
  await expect(removed).toContainText("Old project");
  await expect(removed).toContainText(`Removed from ${email} ·`);
  await expect(page.getByRole("switch", { name: "Old project" })).toHaveCount(0);

  await removed.getByRole("button", { name: "Dismiss" }).click();
  await expect(page.locator("[data-sonner-toast]").filter({ hasText: "Dismissed “Old project”" })).toBeVisible();
  await expect(removed).toHaveCount(0);
});
