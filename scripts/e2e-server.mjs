#!/usr/bin/env node
// Serves the app for Playwright: a production build (built unless .next is newer
// than every source file) started with `next start` on the given port, on a fresh
// embedded database in CALSYNC_DATA_DIR with throwaway secrets (production mode
// requires them; a fresh database means no value sealed with an older key), in
// sandbox mode against a provider emulator of its own (E2E_EMULATOR_PORT, default
// 4510 and 4511), which the specs drive through its control API.
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { startEmulatorProcess } from "./emulator-process.mjs";

const port = process.argv[2] ?? "3100";
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
const next = path.join(root, "node_modules", "next", "dist", "bin", "next");

function newestMtime(dir) {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === "node_modules" || entry.name.startsWith(".") || entry.name === "generated") continue;
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : fs.statSync(full).mtimeMs);
  }
  return newest;
}

const buildId = path.join(root, ".next", "BUILD_ID");
const sources = Math.max(
  ...["app", "components", "lib", "inngest"].filter((d) => fs.existsSync(path.join(root, d))).map((d) => newestMtime(path.join(root, d))),
);
if (!fs.existsSync(buildId) || fs.statSync(buildId).mtimeMs < sources) {
  const build = spawnSync(process.execPath, [next, "build"], { cwd: root, stdio: "inherit", env: process.env });
  if (build.status !== 0) process.exit(build.status ?? 1);
}
if (!process.env.CALSYNC_DATA_DIR) throw new Error("e2e-server: set CALSYNC_DATA_DIR (the e2e data directory it may wipe)");
fs.rmSync(process.env.CALSYNC_DATA_DIR, { recursive: true, force: true });
const emulatorPort = Number(process.env.E2E_EMULATOR_PORT ?? 4510);
const emulatorOptions = {
  root,
  port: emulatorPort,
  httpsPort: emulatorPort + 1,
  certDir: path.join(process.env.CALSYNC_DATA_DIR, "emulator"),
  quiet: true,
};
let emulator = await startEmulatorProcess(emulatorOptions);
const env = {
  ...process.env,
  ENCRYPTION_KEY: process.env.ENCRYPTION_KEY || randomBytes(32).toString("base64"),
  NEXTAUTH_SECRET: process.env.NEXTAUTH_SECRET || randomBytes(32).toString("base64"),
  NEXTAUTH_URL: `http://127.0.0.1:${port}`,
  CALSYNC_SANDBOX: "1",
  CALSYNC_EMULATOR_URL: emulator.googleUrl,
  CALSYNC_EMULATOR_HTTPS_URL: emulator.microsoftUrl,
  NODE_EXTRA_CA_CERTS: emulator.caPath,
};
let restarting = false;
const startServer = () => {
  const child = spawn(process.execPath, [next, "start", "-p", port, "-H", "127.0.0.1"], { cwd: root, stdio: "inherit", env });
  child.on("exit", (code) => {
    if (restarting) return;
    emulator.stop();
    process.exit(code ?? 0);
  });
  return child;
};
let server = startServer();
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => {
    server.kill(signal);
    emulator.stop();
  });
}

// A spec restarts the app and the emulator mid-test (e2e/restart.spec.ts): SIGUSR2
// stops both and starts them again on the same ports, database and data directory
// (the emulator's state file and CA included); the restart count is written once
// both are back.
const restartsFile = path.join(process.env.CALSYNC_DATA_DIR, "e2e-server.restarts");
fs.writeFileSync(path.join(process.env.CALSYNC_DATA_DIR, "e2e-server.pid"), String(process.pid));
fs.writeFileSync(restartsFile, "0");
let restarts = 0;
process.on("SIGUSR2", async () => {
  if (restarting) return;
  restarting = true;
  // SIGTERM first; a process still there after 15 s (a server waiting on open
  // connections) is killed.
  const stopped = (child, stop) =>
    child.exitCode !== null || child.signalCode !== null
      ? Promise.resolve()
      : new Promise((resolve) => {
          const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
          child.once("exit", () => {
            clearTimeout(timer);
            resolve();
          });
          stop();
        });
  await Promise.all([stopped(server, () => server.kill("SIGTERM")), stopped(emulator.child, () => emulator.stop())]);
  emulator = await startEmulatorProcess(emulatorOptions);
  server = startServer();
  restarting = false;
  restarts += 1;
  fs.writeFileSync(restartsFile, String(restarts));
});
