import { expect, test } from "@playwright/test";

test("the home page renders and the embedded database is healthy", async ({ page, request }) => {
  await page.goto("/");
  await expect(page.getByRole("heading", { level: 1 })).toContainText("mirrored into your own database");
  await expect(page.getByRole("link", { name: "Connect a calendar" })).toBeVisible();
  await page.screenshot({ path: test.info().outputPath("home.png"), fullPage: true });
  await page.screenshot({ path: "e2e/artifacts/home.png", fullPage: true });

  const health = await request.get("/api/health");
  expect(health.status()).toBe(200);
  expect(await health.json()).toMatchObject({ status: "ok", database: { kind: "embedded", reachable: true } });
});
