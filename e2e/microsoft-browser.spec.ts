import { expect, test } from "@playwright/test";

// Microsoft sign-in and consent in a stock browser: the project's config has no
// ignoreHTTPSErrors, so a certificate the browser does not trust would fail the
// navigation. The pages the browser visits are on plain HTTP; the HTTPS half of the
// emulator (token, keys, Graph) is called by the app's server only.

test("Microsoft sign-in and consent work without a certificate warning", async ({ page }) => {
  const visited: string[] = [];
  page.on("framenavigated", (frame) => {
    if (frame === page.mainFrame()) visited.push(frame.url());
  });
  await page.goto("/signin?callbackUrl=/onboarding/connect-calendar");
  await page.getByRole("button", { name: /Sign in with Microsoft/i }).click();
  await page.getByTestId("allow-bob@contoso.example").click();
  await page.waitForURL(/\/onboarding\/connect-calendar/);
  await expect(page.getByText("bob@contoso.example").filter({ visible: true }).first()).toBeVisible();
  // The calendar consent too (connect, or reconnect when an earlier spec left it connected).
  const card = page.getByTestId("provider-card-microsoft").first();
  const action = (await card.getAttribute("data-state")) === "not_connected" ? "connect" : "reconnect";
  await card.getByTestId(`${action}-microsoft`).click();
  await page.getByTestId("allow-bob@contoso.example").click();
  await page.waitForURL(/\/onboarding\/connect-calendar/);
  await expect(page.getByRole("heading", { name: "Connect your calendars" })).toBeVisible();
  const emulatorPages = visited.filter((url) => url.includes("/oauth2/v2.0/authorize"));
  expect(emulatorPages.length).toBeGreaterThanOrEqual(2);
  expect(emulatorPages.every((url) => url.startsWith("http://"))).toBe(true);
  expect(visited.some((url) => url.startsWith("https://"))).toBe(false);
});
