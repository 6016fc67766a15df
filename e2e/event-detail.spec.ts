import { expect, test } from "@playwright/test";
import { emulator } from "./support/emulator";

// An agenda row opens the event's whole record in a drawer: who is invited and how
// each answered, the join link, the place and the description as plain text. The
// page behind is inert while it is open; Escape closes it and gives focus back to
// the row that opened it. "Sync now" on a calendar's row syncs it while push is silent.

test.use({ timezoneId: "Europe/Berlin", locale: "en-US" });

// An account of its own, so what other specs left connected does not matter here.
const PERSON = { email: "erin@example.com", name: "Erin" };

test("google: an agenda row opens the event drawer with attendees, join link and description; Escape closes it; Sync now brings an unannounced change", async ({
  page,
}) => {
  await emulator().reset();
  await emulator().addAccount({ provider: "google", email: PERSON.email, name: PERSON.name });
  const calendarId = await emulator().primaryCalendarId(PERSON.email, "google");
  const day = new Date(Date.now() + 24 * 60 * 60_000).toISOString().slice(0, 10);
  await emulator().createEvent(calendarId, {
    summary: "Roadmap review",
    start: `${day}T09:00:00Z`,
    end: `${day}T10:00:00Z`,
    description: "Agenda:\n1. Q1 goals\n<script>alert(1)</script>",
    location: "Room Atlas",
    attendees: [
      { email: PERSON.email, name: PERSON.name, responseStatus: "accepted" },
      { email: "carol@example.com", name: "Carol Danvers", responseStatus: "declined" },
      { email: "dave@example.com", responseStatus: "tentative", optional: true },
      { email: "atlas@resource.example.com", name: "Room Atlas", resource: true, responseStatus: "accepted" },
    ],
    conference: { type: "meet", joinUrl: "https://meet.google.com/abc-defg-hij" },
  });

  await page.goto("/signin?callbackUrl=/onboarding/connect-calendar");
  await page.getByRole("button", { name: /Sign in with Google/i }).click();
  await page.getByTestId(`allow-${PERSON.email}`).click();
  await page.waitForURL(/\/onboarding\/connect-calendar/);
  await page.getByTestId("connect-google").click();
  await page.getByTestId(`allow-${PERSON.email}`).click();
  await page.waitForURL(/\/onboarding\/connect-calendar/);
  await expect(page.getByText(`Google Calendar connected: ${PERSON.email}`)).toBeVisible();

  await page.goto("/dashboard");
  const row = page.getByTestId("event-row").filter({ hasText: "Roadmap review" });
  await expect(row).toBeVisible({ timeout: 20_000 });
  const opener = row.getByTestId("event-open");
  await opener.click();

  const drawer = page.getByRole("dialog", { name: "Roadmap review" });
  await expect(drawer).toBeVisible();
  const attendees = drawer.getByTestId("event-attendee");
  await expect(attendees).toHaveCount(4);
  await expect(attendees.filter({ hasText: "Carol Danvers" })).toContainText(/declined/i);
  await expect(attendees.filter({ hasText: "dave@example.com" })).toContainText("Maybe");
  await expect(attendees.filter({ hasText: "dave@example.com" })).toContainText(/optional/i);
  await expect(attendees.filter({ hasText: "Room Atlas" })).toContainText(/room/i);
  const join = drawer.getByTestId("event-detail-join").getByRole("link");
  await expect(join).toHaveAttribute("href", "https://meet.google.com/abc-defg-hij");
  await expect(join).toHaveAttribute("rel", /noopener/);
  await expect(drawer.getByTestId("event-detail-location")).toContainText("Room Atlas");
  // Google's description is HTML: the drawer shows its text, with the script dropped, never run or put into the page.
  const description = drawer.getByTestId("event-detail-description");
  await expect(description).toContainText("Agenda:");
  await expect(description).toContainText("Q1 goals");
  await expect(description).not.toContainText("alert(1)");
  await expect(drawer.locator("script")).toHaveCount(0);
  // Berlin is an hour ahead of UTC in every month but summer's: either way the clock shown is local.
  const berlin = new Intl.DateTimeFormat("en-US", { timeZone: "Europe/Berlin", hour: "numeric", minute: "2-digit" }).format(Date.parse(`${day}T09:00:00Z`));
  await expect(drawer.getByTestId("event-detail-time")).toContainText(berlin);
  await page.screenshot({ path: "e2e/artifacts/event-drawer.png" });

  await page.keyboard.press("Escape");
  await expect(drawer).toBeHidden();
  await expect(opener).toBeFocused();

  // "Sync now" on the calendar's row brings a change push never announced.
  await emulator().setNotificationFaults({ dropRate: 1 });
  await emulator().createEvent(calendarId, { summary: "Announced by nobody", start: `${day}T13:00:00Z`, end: `${day}T14:00:00Z` });
  const syncNow = page.locator('[data-testid^="calendar-sync-now-"]');
  await expect(syncNow).toHaveCount(1);
  await syncNow.click();
  await expect(syncNow).toHaveText(/Syncing/);
  // The toast says what the sync did; the card's last-sync line may say it too once the live stream refreshes it.
  const toast = page.locator("[data-sonner-toast]").filter({ hasText: "is up to date" });
  await expect(toast).toBeVisible({ timeout: 20_000 });
  await expect(toast).toContainText("1 created");
  await expect(syncNow).toHaveText("Sync now");
  await expect(page.getByTestId("event-row").filter({ hasText: "Announced by nobody" })).toBeVisible({ timeout: 10_000 });
});
