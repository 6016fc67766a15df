import path from "node:path";
import { fileURLToPath } from "node:url";
import { defineConfig } from "@playwright/test";

// Playwright drives Debian's Chromium (`apt-get install -y chromium`): Playwright's
// own browser download cannot run offline. The app runs as a production build on
// the embedded defaults, in a data directory of its own so a dev server's
// database is never touched.
const port = Number(process.env.E2E_PORT ?? 3100);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const dataDir = path.join(root, ".data", "e2e");

export default defineConfig({
  testDir: ".",
  testMatch: "**/*.spec.ts",
  outputDir: path.join(root, "test-results"),
  // Screenshots the specs take on purpose are kept here as artifacts.
  snapshotPathTemplate: "{testDir}/artifacts/{arg}{ext}",
  fullyParallel: false,
  workers: 1,
  forbidOnly: true,
  retries: 0,
  timeout: 60_000,
  reporter: [["list"], ["html", { outputFolder: path.join(root, "playwright-report"), open: "never" }]],
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    screenshot: "only-on-failure",
    trace: "retain-on-failure",
    // No ignoreHTTPSErrors: a stock browser never meets the emulator's certificate
    // (its Microsoft sign-in page is served on HTTP; only servers call the HTTPS half).
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"],
    },
  },
  projects: [{ name: "chromium", use: { browserName: "chromium" } }],
  webServer: {
    command: `node scripts/e2e-server.mjs ${port}`,
    cwd: root,
    url: `http://127.0.0.1:${port}/api/health`,
    timeout: 240_000,
    reuseExistingServer: false,
    // One attempt before the dead letter, so admin.spec can produce a dead event quickly;
    // api.spec's webhook receiver listens on 127.0.0.1, which production refuses otherwise.
    env: { CALSYNC_DATA_DIR: dataDir, DATABASE_URL: "", NEXT_TELEMETRY_DISABLED: "1", WEBHOOK_MAX_ATTEMPTS: "1", OUTBOUND_ALLOW_PRIVATE: "1" },
    stdout: "pipe",
    stderr: "pipe",
  },
});
