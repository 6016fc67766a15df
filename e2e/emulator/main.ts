// `npm run emulator`: starts one emulator with the default seed and prints
// its URLs. Options: --port / EMULATOR_PORT (HTTP, default 4010),
// --https-port / EMULATOR_HTTPS_PORT (default port+1, or 0 when port is 0),
// --host / EMULATOR_HOST, --seed <default|empty|file.json> / EMULATOR_SEED,
// --cert-dir / EMULATOR_CERT_DIR, --retry-base-ms / EMULATOR_RETRY_BASE_MS,
// --state-file / EMULATOR_STATE_FILE (default <cert-dir>/state.json, else
// $CALSYNC_DATA_DIR/emulator/state.json: the state survives restarts),
// --reset (start fresh from the seed, replacing the kept state).

import { rmSync, readFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { seedSchema } from "./control";
import { startEmulator } from "./server";
import type { Seed } from "./types";

const DEFAULT_HTTP_PORT = 4010;

function readSeed(value: string | undefined): Seed | "default" | "empty" {
  if (!value || value === "default" || value === "empty") return (value as "default" | "empty" | undefined) ?? "default";
  return seedSchema.parse(JSON.parse(readFileSync(value, "utf8")));
}

function portFrom(value: string | undefined, fallback: number): number {
  if (value === undefined || value === "") return fallback;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new Error(`Invalid port: ${value}`);
  return port;
}

async function main(): Promise<void> {
  const started = performance.now();
  const { values } = parseArgs({
    options: {
      port: { type: "string" },
      "https-port": { type: "string" },
      host: { type: "string" },
      seed: { type: "string" },
      "cert-dir": { type: "string" },
      "retry-base-ms": { type: "string" },
      "state-file": { type: "string" },
      reset: { type: "boolean" },
    },
  });
  const certDir = values["cert-dir"] ?? process.env.EMULATOR_CERT_DIR;
  const keptIn =
    values["state-file"] ??
    process.env.EMULATOR_STATE_FILE ??
    path.join(certDir ?? path.join(process.env.CALSYNC_DATA_DIR ?? ".data", "emulator"), "state.json");
  const statePath = path.resolve(keptIn);
  if (values.reset) rmSync(statePath, { force: true });
  const port = portFrom(values.port ?? process.env.EMULATOR_PORT, DEFAULT_HTTP_PORT);
  const httpsPort = portFrom(values["https-port"] ?? process.env.EMULATOR_HTTPS_PORT, port === 0 ? 0 : port + 1);
  const retryBase = values["retry-base-ms"] ?? process.env.EMULATOR_RETRY_BASE_MS;
  const emulator = await startEmulator({
    port,
    httpsPort,
    host: values.host ?? process.env.EMULATOR_HOST,
    seed: readSeed(values.seed ?? process.env.EMULATOR_SEED),
    certDir,
    stateFile: statePath,
    settings: retryBase ? { retryBaseDelayMs: Number(retryBase) } : {},
  });
  const { google, microsoft } = emulator;
  const [googleClient, microsoftClient] = [
    emulator.info.clients.find((c) => c.provider === "google"),
    emulator.info.clients.find((c) => c.provider === "microsoft"),
  ];
  console.log(`calsync provider emulator ready in ${Math.round(performance.now() - started)} ms
  web page             ${emulator.info.webUrl}
  control API          ${emulator.info.controlUrl}
  Google (http)        ${google.origin}   rootUrl ${google.rootUrl}
    authorize          ${google.authUrl}
    token              ${google.tokenUrl}
    OpenID issuer      ${google.issuer}
    client             ${googleClient?.clientId} / ${googleClient?.clientSecret}
  Microsoft (https)    ${microsoft.origin}
    authority          ${microsoft.loginBaseUrl}/${microsoft.defaultTenantId}  (or /common)
    Graph baseUrl      ${microsoft.graphBaseUrl}   customHosts ["${microsoft.graphHost}"]
    client             ${microsoftClient?.clientId} / ${microsoftClient?.clientSecret}
  state file           ${statePath}${values.reset ? " (started fresh)" : ""}
  CA certificate       ${emulator.caCertPath}
    trust it with      NODE_EXTRA_CA_CERTS=${emulator.caCertPath}`);
  const shutdown = () => {
    void emulator.stop().then(() => process.exit(0));
  };
  process.on("SIGINT", shutdown);
  process.on("SIGTERM", shutdown);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
