#!/usr/bin/env node
// `npm test`: everything a change must pass, in the order that fails fastest.
//   1. prisma generate (offline)   2. typecheck   3. lint, format check (npm run format fixes it)
//   4. vitest: unit, then integration (PostgreSQL if DATABASE_URL/TEST_DATABASE_URL, else PGlite)
//   5. Playwright in Debian's Chromium
// Stops at the first failing step and exits non-zero.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
const bin = (name) => path.join(root, "node_modules", ".bin", name);
const chromium = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

const steps = [
  ["prisma generate", process.execPath, [path.join(root, "scripts", "prisma-generate.mjs")]],
  ["typecheck", bin("tsc"), ["--noEmit", "-p", "tsconfig.json"]],
  ["lint", bin("eslint"), ["--max-warnings=0", "."]],
  ["format check", bin("prettier"), ["--check", "."]],
  ["unit tests", bin("vitest"), ["run", "--project", "unit"]],
  ["integration tests", bin("vitest"), ["run", "--project", "integration"]],
  ["browser tests", bin("playwright"), ["test", "-c", "e2e/playwright.config.ts"]],
];

for (const [name, command, args] of steps) {
  if (name === "browser tests" && !fs.existsSync(chromium)) {
    // CI installs Chromium (.ci/run), so there a missing browser is a failure.
    const message = `browser tests need Chromium at ${chromium}: apt-get install -y chromium (or set CHROMIUM_PATH)`;
    if (process.env.CI) {
      console.error(`\n✗ ${message}`);
      process.exit(1);
    }
    console.warn(`\n! not run: ${message}`);
    continue;
  }
  console.log(`\n▶ ${name}`);
  const started = Date.now();
  const result = spawnSync(command, args, { cwd: root, stdio: "inherit", env: { ...process.env, FORCE_COLOR: process.env.FORCE_COLOR ?? "1" } });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (result.status !== 0) {
    console.error(`\n✗ ${name} failed after ${seconds}s`);
    process.exit(result.status ?? 1);
  }
  console.log(`✓ ${name} (${seconds}s)`);
}
