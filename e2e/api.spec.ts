import http from "node:http";
import type { AddressInfo } from "node:net";
import { expect, test } from "@playwright/test";
import { emulator } from "./support/emulator";

// The console's API page as an owner, in Chromium against the production build: an
// API key is shown once and works on /api/v1 until revoked; a webhook endpoint is
// added (its secret shown once) and a test event reaches a local receiver and the
// delivery log; the public reference lists the change log route.

const OWNER = "api-owner@example.com";

test.describe.configure({ mode: "serial" });

test("owner: API key shown once, used and revoked; endpoint added and tested; reference page", async ({ page }) => {
  test.setTimeout(120_000);
  const received: Array<Record<string, string | string[] | undefined>> = [];
  const receiver = http.createServer((request, response) => {
    request.resume();
    request.on("end", () => {
      received.push(request.headers);
      response.end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  try {
    await emulator().addAccount({ provider: "google", email: OWNER, name: "API owner", calendars: [{ name: "API", primary: true, events: [] }] });
    await page.goto("/signin?callbackUrl=/admin/api");
    await page.getByRole("button", { name: /Sign in with Google/i }).click();
    await page.getByTestId(`allow-${OWNER}`).click();
    await page.waitForURL(/\/admin\/api$/);

    await page.getByLabel("Name").fill("e2e reader");
    await page.getByRole("button", { name: "Create key" }).click();
    const shown = page.getByTestId("shown-once");
    await expect(shown).toContainText("New API key");
    const key = (await shown.locator("code").textContent())!.trim();
    expect(key).toMatch(/^csk_/);
    const authorized = await page.request.get("/api/v1/changes?after=0", { headers: { authorization: `Bearer ${key}` } });
    expect(authorized.status()).toBe(200);
    expect(authorized.headers()["ratelimit"]).toMatch(/r=\d+/);
    await shown.getByRole("button", { name: "Done" }).click();
    await expect(page.getByTestId("shown-once")).toHaveCount(0);
    await expect(page.getByRole("cell", { name: "e2e reader" })).toBeVisible();

    await page.getByLabel("URL").fill(`http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`);
    await page.getByLabel("Description").fill("e2e receiver");
    await page.getByRole("button", { name: "Add endpoint" }).click();
    await expect(page.getByTestId("shown-once")).toContainText("whsec_");
    await page.getByTestId("shown-once").getByRole("button", { name: "Done" }).click();
    const endpoint = page.getByTestId("webhook-endpoint").filter({ hasText: "e2e receiver" });
    await endpoint.getByRole("button", { name: "Send test event" }).click();
    await expect(page.getByText(/Test event delivered/)).toBeVisible();
    expect(received).toHaveLength(1);
    expect(String(received[0]!["webhook-signature"])).toMatch(/^v1,/);
    await endpoint.getByRole("button", { name: "Deliveries" }).click();
    await expect(endpoint.getByText("webhook.test")).toBeVisible();

    await page
      .getByRole("row", { name: /e2e reader/ })
      .getByRole("button", { name: "Revoke" })
      .click();
    await expect(page.getByRole("row", { name: /e2e reader/ })).toContainText("revoked");
    expect((await page.request.get("/api/v1/changes?after=0", { headers: { authorization: `Bearer ${key}` } })).status()).toBe(401);

    await page.goto("/docs/api");
    await expect(page.getByRole("heading", { name: /GET \/api\/v1\/changes$/ })).toBeVisible();
    expect((await page.request.get("/api/v1/openapi.json")).status()).toBe(200);
  } finally {
    receiver.close();
  }
});
