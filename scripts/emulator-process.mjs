// Starts the provider emulator as a child process (for `npm run dev` and the e2e
// server) and resolves once it is listening, with the CA file the app process must
// trust (NODE_EXTRA_CA_CERTS is read only at process start, so the emulator must be
// up before the app starts).
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

export async function startEmulatorProcess({ root, port, httpsPort, certDir, seed = "default", quiet = false }) {
  fs.mkdirSync(certDir, { recursive: true });
  const tsx = path.join(root, "node_modules", "tsx", "dist", "cli.mjs");
  const child = spawn(
    process.execPath,
    [tsx, path.join(root, "e2e", "emulator", "main.ts"), "--port", String(port), "--https-port", String(httpsPort), "--cert-dir", certDir, "--seed", seed],
    {
      cwd: root,
      stdio: ["ignore", "pipe", "inherit"],
      env: { ...process.env },
    },
  );
  const caPath = path.join(certDir, "ca.pem");
  await new Promise((resolve, reject) => {
    let output = "";
    const timer = setTimeout(() => reject(new Error(`emulator did not start within 30 s:\n${output}`)), 30_000);
    child.stdout.on("data", (chunk) => {
      output += chunk.toString();
      if (!quiet) process.stdout.write(chunk);
      if (output.includes("CA certificate")) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`emulator exited with ${code}:\n${output}`));
    });
  });
  child.stdout.on("data", (chunk) => {
    if (!quiet) process.stdout.write(chunk);
  });
  return {
    child,
    caPath,
    googleUrl: `http://localhost:${port}`,
    microsoftUrl: `https://localhost:${httpsPort}`,
    stop: () => child.kill("SIGTERM"),
  };
}
