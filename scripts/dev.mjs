#!/usr/bin/env node
// `npm run dev`: the app on embedded defaults. Without real OAuth credentials it
// starts the provider emulator first (Google on :4010, Microsoft on :4011) and
// points the app at it, so signing in and connecting calendars works offline; the
// UI shows a "Sandbox" badge. With GOOGLE_/MICROSOFT_ credentials set, or
// CALSYNC_EMULATOR_URL pointing at an emulator you run yourself, it starts only Next.
import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { startEmulatorProcess } from "./emulator-process.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const port = process.env.PORT ?? "3000";
const next = path.join(root, "node_modules", "next", "dist", "bin", "next");
const hasCredentials = ["GOOGLE_CLIENT_ID", "MICROSOFT_CLIENT_ID"].some((name) => (process.env[name] ?? "").trim() !== "");
const env = { ...process.env, NEXTAUTH_URL: process.env.NEXTAUTH_URL ?? `http://localhost:${port}` };
let emulator;
if (!hasCredentials && !process.env.CALSYNC_EMULATOR_URL) {
  const emulatorPort = Number(process.env.EMULATOR_PORT ?? 4010);
  emulator = await startEmulatorProcess({ root, port: emulatorPort, httpsPort: emulatorPort + 1, certDir: path.join(root, ".data", "emulator") });
  Object.assign(env, {
    CALSYNC_EMULATOR_URL: emulator.googleUrl,
    CALSYNC_EMULATOR_HTTPS_URL: emulator.microsoftUrl,
    NODE_EXTRA_CA_CERTS: emulator.caPath,
  });
  console.log(`\nSandbox mode: sign in as alice@example.com (Google) or bob@contoso.example (Microsoft); emulator page ${emulator.googleUrl}/\n`);
}
const app = spawn(process.execPath, [next, "dev", "-p", port, ...process.argv.slice(2)], { cwd: root, stdio: "inherit", env });
const stop = (signal) => {
  app.kill(signal);
  emulator?.stop();
};
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => stop(signal));
app.on("exit", (code) => {
  emulator?.stop();
  process.exit(code ?? 0);
});
