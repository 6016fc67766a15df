import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Page } from "@playwright/test";
import { emulator } from "./support/emulator";

// Every page, as a stock browser sees it: unknown paths (JSON under /api, the branded
// 404 elsewhere), the favicon, and each page on a desktop and on a 390x844 phone,
// which must never scroll sideways and must have no serious or critical axe finding.
// The account is one of this spec's own, with a connection, notifications, a
// pending invitation and both drawers (webhook event, dashboard event) open, so the
// pages show their data.

const PERSON = "pages@example.com";
const VIEWPORTS = [
  { name: "desktop", width: 1280, height: 800 },
  { name: "phone", width: 390, height: 844 },
] as const;

test.describe.configure({ mode: "serial" });

test("unknown API paths answer the JSON 404; unknown pages the branded 404 with a way back; a favicon", async ({ page, request, baseURL }) => {
  for (const path of ["/api/nope", "/api/admin/no-such-thing/123"]) {
    const answer = await request.get(path);
    expect(answer.status()).toBe(404);
    expect(answer.headers()["content-type"]).toMatch(/^application\/json/);
    expect(await answer.json()).toEqual({ error: { kind: "not_found", message: `no API route GET ${path}` } });
  }
  const write = await request.post("/api/nope", { data: {}, headers: { origin: new URL(baseURL!).origin } });
  expect(write.status()).toBe(404);
  expect((await write.json()).error.kind).toBe("not_found");

  const response = await page.goto("/no-such-page");
  expect(response?.status()).toBe(404);
  await expect(page.getByRole("main")).toHaveCount(1);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("This page does not exist");
  await page.getByRole("main").getByRole("link", { name: "Go to the home page" }).click();
  await page.waitForURL((url) => url.pathname === "/");

  // "System status" is a page people can read; the JSON stays at /api/health.
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "System status" }).click();
  await page.waitForURL(/\/status$/);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("System status");
  await expect(page.getByTestId("system-status")).toHaveAttribute("data-status", "ok");
  await expect(page.getByRole("main")).toContainText("All applied");

  const icon = await page.locator('head link[rel="icon"]').first().getAttribute("href");
  expect(icon).toBeTruthy();
  const iconAnswer = await request.get(icon!);
  expect(iconAnswer.status()).toBe(200);
  expect(iconAnswer.headers()["content-type"]).toMatch(/^image\//);
});

/** The page is settled: loaded, no request in flight, no skeleton left. */
async function settle(page: Page) {
  await page.waitForLoadState("networkidle");
  await expect(page.locator('[aria-busy="true"]')).toHaveCount(0, { timeout: 15_000 });
}

/** Elements wider than the viewport, to say what overflows when something does. */
async function overflow(page: Page): Promise<{ scrollWidth: number; innerWidth: number; culprits: string[] }> {
  return page.evaluate(() => {
    const innerWidth = window.innerWidth;
    const culprits: string[] = [];
    for (const element of Array.from(document.body.querySelectorAll("*"))) {
      const box = element.getBoundingClientRect();
      if (box.right > innerWidth + 0.5 && box.width > 0) {
        // Inside a scroll container that holds it, it does not widen the page.
        // (An absolutely positioned one escapes every scroll container but a positioned one:
        // an sr-only label in a wide table's header widens the page from inside its scroller.)
        let contained = false;
        let positioned = getComputedStyle(element).position;
        for (let parent = element.parentElement; parent && parent !== document.body; parent = parent.parentElement) {
          const style = getComputedStyle(parent);
          const clips = positioned !== "absolute" || style.position !== "static";
          if (positioned === "absolute" && style.position !== "static") positioned = "static";
          if (clips && /(auto|scroll|hidden|clip)/.test(style.overflowX) && parent.getBoundingClientRect().right <= innerWidth + 0.5) {
            contained = true;
            break;
          }
        }
        // The outermost: its parent still fits, so this is where the page starts to widen.
        const parentBox = element.parentElement?.getBoundingClientRect();
        if (!contained && parentBox && parentBox.right <= innerWidth + 0.5)
          culprits.push(
            `${element.tagName.toLowerCase()}${element.id ? `#${element.id}` : ""}.${String(element.className).slice(0, 80)} right=${Math.round(box.right)}`,
          );
      }
    }
    return { scrollWidth: document.documentElement.scrollWidth, innerWidth, culprits: culprits.slice(0, 8) };
  });
}

async function checkPage(page: Page, label: string) {
  await settle(page);
  const width = await overflow(page);
  expect
    .soft(width.scrollWidth, `${label} is ${width.scrollWidth}px wide in a ${width.innerWidth}px viewport: ${width.culprits.join("; ")}`)
    .toBeLessThanOrEqual(width.innerWidth);
  const results = await new AxeBuilder({ page }).analyze();
  const serious = results.violations
    .filter((violation) => violation.impact === "serious" || violation.impact === "critical")
    .map(
      (violation) =>
        `${violation.id} (${violation.impact}): ${violation.nodes
          .map((node) => node.target.join(" "))
          .slice(0, 4)
          .join(", ")}`,
    );
  expect.soft(serious, `axe on ${label}`).toEqual([]);
}

test("every page, desktop and 390x844: no sideways scrolling, no serious or critical axe violation", async ({ page }) => {
  test.setTimeout(300_000);
  await emulator().reset();
  await emulator().addAccount({ provider: "google", email: PERSON, name: "Pages", calendars: [{ name: "Pages", primary: true, events: [] }] });

  // Signed out first.
  const signedOut = ["/", "/status", "/signin", "/signin?error=Declined", "/no-such-page", `/invite/${"A".repeat(43)}`];
  for (const viewport of VIEWPORTS) {
    await page.setViewportSize(viewport);
    for (const path of signedOut) {
      await page.goto(path);
      await checkPage(page, `${path} (${viewport.name}, signed out)`);
    }
  }

  await page.setViewportSize(VIEWPORTS[0]);
  await page.goto("/signin?callbackUrl=/onboarding/connect-calendar");
  await page.getByRole("button", { name: /Sign in with Google/i }).click();
  await page.getByTestId(`allow-${PERSON}`).click();
  await page.waitForURL(/\/onboarding\/connect-calendar/);
  await page.getByTestId("connect-google").click();
  await page.getByTestId(`allow-${PERSON}`).click();
  await page.waitForURL(/\/onboarding\/connect-calendar/);
  await expect(page.getByTestId("provider-card-google")).toContainText(/renews|active/i, { timeout: 20_000 });
  const calendarId = await emulator().primaryCalendarId(PERSON, "google");
  const start = new Date(Date.now() + 30 * 60 * 60_000);
  start.setUTCMinutes(0, 0, 0);
  await emulator().createEvent(calendarId, {
    summary: "A meeting with a rather long title that has to wrap on a phone",
    start: start.toISOString(),
    end: new Date(start.getTime() + 1_800_000).toISOString(),
  });
  await emulator().waitForIdle(10_000);
  await page.goto("/members");
  await page.getByTestId("invite-email").fill("someone-with-a-long-address@pages.example.com");
  await page.getByTestId("invite-submit").click();
  await expect(page.getByTestId("invitation-link")).toBeVisible();

  const signedIn = [
    "/dashboard",
    "/onboarding/connect-calendar",
    "/members",
    "/admin",
    "/admin/subscriptions",
    "/admin/webhook-events",
    "/admin/sync-runs",
    "/admin/setup",
    "/no-such-page",
  ];
  for (const viewport of VIEWPORTS) {
    await page.setViewportSize(viewport);
    for (const path of signedIn) {
      await page.goto(path);
      await checkPage(page, `${path} (${viewport.name})`);
      // Kept as artifacts; the README's screenshots are picked from these.
      await page.screenshot({ path: `e2e/artifacts/page-${path.replace(/^\//, "").replace(/[^a-z0-9]+/g, "-")}-${viewport.name}.png`, fullPage: true });
    }
    // The dashboard's event drawer, open.
    await page.goto("/dashboard");
    await page.getByTestId("event-open").first().click();
    await expect(page.getByTestId("event-drawer")).toBeVisible();
    await expect(page.getByTestId("event-detail-time")).toBeVisible();
    await checkPage(page, `event drawer (${viewport.name})`);
    await page.screenshot({ path: `e2e/artifacts/event-drawer-${viewport.name}.png` });
    await page.keyboard.press("Escape");
    // The webhook event drawer, open.
    await page.goto("/admin/webhook-events");
    await expect(page.getByTestId("webhook-event-row").first()).toBeVisible({ timeout: 30_000 });
    await page.getByTestId("open-webhook-event").first().click();
    await expect(page.getByTestId("webhook-event-drawer")).toBeVisible();
    await expect(page.getByTestId("drawer-status")).toBeVisible();
    await checkPage(page, `webhook event drawer (${viewport.name})`);
    await page.screenshot({ path: `e2e/artifacts/webhook-event-drawer-${viewport.name}.png` });
  }
});

test("next start in production without ENCRYPTION_KEY and NEXTAUTH_SECRET stops at once, naming them and no value", async () => {
  // The build Playwright's server runs, started a second time on a port of its own.
  const port = Number(process.env.E2E_PORT ?? 3100) + 50;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "calsync-unset-"));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: "production",
    CALSYNC_DATA_DIR: dataDir,
    DATABASE_URL: "",
    NEXT_TELEMETRY_DISABLED: "1",
    INNGEST_SIGNING_KEY: "",
  };
  for (const name of ["ENCRYPTION_KEY", "NEXTAUTH_SECRET", "AUTH_SECRET", "VERCEL"]) delete env[name];
  const child = spawn(process.execPath, [path.join("node_modules", "next", "dist", "bin", "next"), "start", "-p", String(port), "-H", "127.0.0.1"], {
    cwd: path.resolve(path.dirname(fileURLToPath(import.meta.url)), ".."),
    env,
  });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => void (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => void (output += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      resolve(null);
    }, 45_000);
    child.on("exit", (exitCode) => {
      clearTimeout(timer);
      resolve(exitCode);
    });
  });
  fs.rmSync(dataDir, { recursive: true, force: true });
  expect(code, output).toBe(1);
  expect(output).toContain("calsync cannot start in production: ENCRYPTION_KEY and NEXTAUTH_SECRET are not set.");
});
