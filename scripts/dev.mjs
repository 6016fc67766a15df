#!/usr/bin/env node
// `npm run dev`: the app on embedded defaults. Without real OAuth credentials it
// starts the provider emulator first (Google on :4010, Microsoft on :4011) and
// points the app at it, so signing in and connecting calendars works offline; the
// UI shows a "Sandbox" badge. With GOOGLE_/MICROSOFT_ credentials set, or
// CALSYNC_EMULATOR_URL pointing at an emulator you run yourself, it starts only Next.
//
// Started twice: while one runs in this folder, a second start says so and exits
// (two dev servers would fight over .next and the emulator's ports); an emulator a
// previous run left behind (killed hard) is stopped before a new one starts. The
// emulator keeps its state in .data/emulator/state.json, so a restart changes
// nothing a person sees; `npm run emulator -- --reset` starts it fresh.
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { startEmulatorProcess } from "./emulator-process.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const port = process.env.PORT ?? "3000";
const next = path.join(root, "node_modules", "next", "dist", "bin", "next");
const dataDir = path.resolve(process.env.CALSYNC_DATA_DIR ?? path.join(root, ".data"));
const lockFile = path.join(dataDir, "dev.pid");
const emulatorDir = path.join(dataDir, "emulator");
const emulatorPidFile = path.join(emulatorDir, "emulator.pid");

function alive(pid) {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
const readPid = (file) => {
  try {
    return Number(fs.readFileSync(file, "utf8").trim());
  } catch {
    return NaN;
  }
};

const running = readPid(lockFile);
if (alive(running) && running !== process.pid) {
  console.error(`calsync dev is already running in this folder (pid ${running}). Stop it first (Ctrl-C in its terminal), or use that one.`);
  process.exit(1);
}
fs.mkdirSync(emulatorDir, { recursive: true });
fs.writeFileSync(lockFile, String(process.pid));
const releaseLock = () => {
  if (readPid(lockFile) === process.pid) fs.rmSync(lockFile, { force: true });
};

// An emulator of ours that outlived its dev server holds the ports: stop it, wait for
// it to go. Only when the pid is still that emulator (a reused pid is left alone).
const isOurEmulator = (pid) => {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(path.join("e2e", "emulator", "main.ts"));
  } catch {
    return false;
  }
};
const orphan = readPid(emulatorPidFile);
if (alive(orphan) && isOurEmulator(orphan)) {
  process.kill(orphan, "SIGTERM");
  for (let waited = 0; alive(orphan) && waited < 5_000; waited += 100) await new Promise((resolve) => setTimeout(resolve, 100));
}

const hasCredentials = ["GOOGLE_CLIENT_ID", "MICROSOFT_CLIENT_ID"].some((name) => (process.env[name] ?? "").trim() !== "");
const env = { ...process.env, NEXTAUTH_URL: process.env.NEXTAUTH_URL ?? `http://localhost:${port}` };
let emulator;
if (!hasCredentials && !process.env.CALSYNC_EMULATOR_URL) {
  const emulatorPort = Number(process.env.EMULATOR_PORT ?? 4010);
  try {
    emulator = await startEmulatorProcess({ root, port: emulatorPort, httpsPort: emulatorPort + 1, certDir: emulatorDir });
  } catch (error) {
    releaseLock();
    console.error(
      `The provider emulator did not start (is port ${emulatorPort} taken by something else? EMULATOR_PORT picks another):\n${error instanceof Error ? error.message : error}`,
    );
    process.exit(1);
  }
  fs.writeFileSync(emulatorPidFile, String(emulator.child.pid));
  Object.assign(env, {
    CALSYNC_EMULATOR_URL: emulator.googleUrl,
    CALSYNC_EMULATOR_HTTPS_URL: emulator.microsoftUrl,
    NODE_EXTRA_CA_CERTS: emulator.caPath,
  });
  console.log(`\nSandbox mode: sign in as alice@example.com (Google) or bob@contoso.example (Microsoft); emulator page ${emulator.googleUrl}/\n`);
}
const app = spawn(process.execPath, [next, "dev", "-p", port, ...process.argv.slice(2)], { cwd: root, stdio: "inherit", env });
const stopEmulator = () => {
  emulator?.stop();
  if (emulator && readPid(emulatorPidFile) === emulator.child.pid) fs.rmSync(emulatorPidFile, { force: true });
};
const stop = (signal) => {
  app.kill(signal);
  stopEmulator();
};
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => stop(signal));
app.on("exit", (code) => {
  stopEmulator();
  releaseLock();
  process.exit(code ?? 0);
});
