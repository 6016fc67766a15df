import { expect, test } from "@playwright/test";
import { emulator } from "./support/emulator";

// Times read in the viewer's zone: a browser set to Europe/Berlin sees a Microsoft
// meeting scheduled in Los Angeles at Berlin's clock, with Los Angeles's on hover,
// and an all-day event of the mailbox (in America/New_York, from its mailbox
// settings) on its own date, not shifted by either zone.

test.use({ timezoneId: "Europe/Berlin", locale: "en-US" });

test("microsoft: the dashboard shows local times, the event's own zone on hover, all-day events on their dates", async ({ page }) => {
  await emulator().reset();
  const calendarId = await emulator().primaryCalendarId("bob@contoso.example", "microsoft");
  const tomorrow = new Date(Date.now() + 24 * 60 * 60_000);
  const day = tomorrow.toISOString().slice(0, 10);
  const after = new Date(tomorrow.getTime() + 24 * 60 * 60_000).toISOString().slice(0, 10);
  const start = `${day}T17:00:00Z`;
  await emulator().createEvent(calendarId, { summary: "West coast sync", start, end: `${day}T18:00:00Z`, timeZone: "America/Los_Angeles" });
  await emulator().createEvent(calendarId, { summary: "Company holiday", start: day, end: after });

  await page.goto("/signin?callbackUrl=/onboarding/connect-calendar");
  await page.getByRole("button", { name: /Sign in with Microsoft/i }).click();
  await page.getByTestId("allow-bob@contoso.example").click();
  await page.waitForURL(/\/onboarding\/connect-calendar/);
  await page.getByTestId("connect-microsoft").click();
  await page.getByTestId("allow-bob@contoso.example").click();
  await page.waitForURL(/\/onboarding\/connect-calendar/);
  await expect(page.getByText("Calendar connected")).toBeVisible();

  await page.goto("/dashboard");
  await expect(page.getByText("times in Europe/Berlin")).toBeVisible();
  const meeting = page.getByTestId("event-row").filter({ hasText: "West coast sync" });
  await expect(meeting).toBeVisible({ timeout: 20_000 });
  const berlinClock = new Intl.DateTimeFormat("en-US", { timeZone: "Europe/Berlin", hour: "numeric", minute: "2-digit" }).format(Date.parse(start));
  const laClock = new Intl.DateTimeFormat("en-US", { timeZone: "America/Los_Angeles", hour: "numeric", minute: "2-digit" }).format(Date.parse(start));
  await expect(meeting).toContainText(berlinClock);
  await expect(meeting).not.toContainText(laClock);
  await expect(meeting.getByTestId("event-own-zone")).toBeVisible();
  const title = await meeting.locator("p[title]").first().getAttribute("title");
  expect(title).toContain("Scheduled in America/Los Angeles");
  expect(title).toContain(laClock);

  const holiday = page.getByTestId("event-row").filter({ hasText: "Company holiday" });
  await expect(holiday).toBeVisible();
  const dayHeading = page.locator("li", { has: holiday }).locator("h3").first();
  const label = new Intl.DateTimeFormat("en-US", { weekday: "long", month: "long", day: "numeric", timeZone: "UTC" }).format(Date.parse(`${day}T12:00:00Z`));
  await expect(dayHeading).toContainText(new RegExp(`Tomorrow|${label}`, "i"));
});
