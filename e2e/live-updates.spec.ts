import { expect, test, type Page } from "@playwright/test";
import { emulator } from "./support/emulator";

// Provider-to-browser freshness: events are created at the emulator one at a time,
// a few seconds apart (sparse changes), and each is timed from just before its
// creation until its row is on the open dashboard. The figures are printed (README,
// Performance); what is asserted is that every change arrives and that the page
// said "Live" (pushed), or polled when EventSource is taken away (the fallback).

const CHANGES = 10;
const GAP_MS = 3_000;

/** Signs a new person in with Google and connects their calendar; returns the calendar id at the emulator. */
async function connectGoogle(page: Page, person: { email: string; name: string }): Promise<string> {
  await emulator().addAccount({ provider: "google", email: person.email, name: person.name });
  const calendarId = await emulator().primaryCalendarId(person.email, "google");
  await page.goto("/signin?callbackUrl=/onboarding/connect-calendar");
  await page.getByRole("button", { name: /Sign in with Google/i }).click();
  await page.getByTestId(`allow-${person.email}`).click();
  await page.waitForURL(/\/onboarding\/connect-calendar/);
  await page.getByTestId("connect-google").click();
  await page.getByTestId(`allow-${person.email}`).click();
  await page.waitForURL(/\/onboarding\/connect-calendar/);
  await expect(page.getByText(`Google Calendar connected: ${person.email}`)).toBeVisible();
  return calendarId;
}

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;

/** Records in the page when each `changed` of kind "events" reaches the browser, to split the figure in two. */
function recordPushes(page: Page) {
  return page.addInitScript(() => {
    const Native = window.EventSource;
    const arrivals: number[] = [];
    Object.assign(window, { eventsChangedAt: arrivals });
    window.EventSource = class extends Native {
      constructor(url: string | URL, init?: EventSourceInit) {
        super(url, init);
        this.addEventListener("changed", (message) => {
          if ((JSON.parse((message as MessageEvent<string>).data) as { kind: string }).kind === "events") arrivals.push(Date.now());
        });
      }
    };
  });
}

async function measure(page: Page, calendarId: string, label: string): Promise<void> {
  const day = new Date(Date.now() + 24 * 60 * 60_000).toISOString().slice(0, 10);
  const times: number[] = [];
  const pushed: number[] = [];
  for (let index = 0; index < CHANGES; index += 1) {
    const summary = `${label} change ${index}`;
    const started = Date.now();
    await emulator().createEvent(calendarId, {
      summary,
      start: `${day}T${String(8 + index).padStart(2, "0")}:00:00Z`,
      end: `${day}T${String(8 + index).padStart(2, "0")}:30:00Z`,
    });
    // Checked every animation frame, so the figure is the page's, not the checker's back-off.
    await page.waitForFunction((text) => [...document.querySelectorAll('[data-testid="event-row"]')].some((row) => row.textContent?.includes(text)), summary, {
      polling: "raf",
      timeout: 30_000,
    });
    const shownAt = Date.now();
    times.push(shownAt - started);
    const arrivals = await page.evaluate(() => (window as unknown as { eventsChangedAt?: number[] }).eventsChangedAt ?? []);
    const pushedAt = arrivals.find((at) => at >= started && at <= shownAt);
    if (pushedAt !== undefined) pushed.push(pushedAt - started);
    await page.waitForTimeout(GAP_MS);
  }
  const sorted = [...times].sort((a, b) => a - b);
  console.log(
    `provider-to-browser (${label}, ${CHANGES} sparse changes ${GAP_MS / 1000} s apart): p50 ${quantile(sorted, 0.5)} ms, p95 ${quantile(sorted, 0.95)} ms, max ${sorted.at(-1)} ms; all: ${times.join(", ")}`,
  );
  if (pushed.length > 0) {
    const pushedSorted = [...pushed].sort((a, b) => a - b);
    console.log(
      `  of which provider to "changed" at the browser: p50 ${quantile(pushedSorted, 0.5)} ms, p95 ${quantile(pushedSorted, 0.95)} ms; all: ${pushed.join(", ")}`,
    );
  }
  expect(times).toHaveLength(CHANGES);
}

test.describe.configure({ timeout: 180_000 });

test("dashboard: changes at the provider are pushed to the open page (Live)", async ({ page }) => {
  await recordPushes(page);
  await emulator().reset();
  const calendarId = await connectGoogle(page, { email: "lena-live@example.com", name: "Lena" });
  await page.goto("/dashboard");
  await expect(page.getByText("Live", { exact: true })).toBeVisible({ timeout: 20_000 });
  await measure(page, calendarId, "stream");
  // Every change came by the stream, not by the fallback poll.
  expect(await page.evaluate(() => (window as unknown as { eventsChangedAt: number[] }).eventsChangedAt.length)).toBeGreaterThanOrEqual(CHANGES);
  await expect(page.getByText("Live", { exact: true })).toBeVisible();
});

test("dashboard: without EventSource the page polls and still shows every change", async ({ page }) => {
  await page.addInitScript(() => {
    // A browser or proxy where the stream cannot open: the fallback must carry the page.
    Reflect.deleteProperty(window, "EventSource");
  });
  await emulator().reset();
  const calendarId = await connectGoogle(page, { email: "pia-poll@example.com", name: "Pia" });
  await page.goto("/dashboard");
  await expect(page.getByText(/Updating every \d+ s/)).toBeVisible({ timeout: 20_000 });
  await measure(page, calendarId, "polling");
});
