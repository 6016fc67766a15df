import { randomBytes, randomUUID } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Env } from "@/lib/config";
import { hashedSigningKey } from "@/lib/setup/probes";
import { setupTestDatabase, testDatabaseUrl } from "@/scripts/test/database";
import { queryOnce, withDatabase } from "@/scripts/test/postgres";
import { EXIT } from "./command";
import { main } from "./main";
import { captureIo } from "@/scripts/test/cli";

// `calsync doctor` through the CLI's own entry (main), in-process, each run with an
// environment built here: the real test database, Redis at 127.0.0.1:6379, and a
// local HTTP server standing in for Inngest's API (Inngest Cloud cannot run here).

const database = setupTestDatabase();
const SIGNING_KEY = `signkey-prod-${randomBytes(32).toString("hex")}`;
const inngestCalls: Array<{ url: string; authorization: string | undefined }> = [];
let inngest: http.Server;
let inngestUrl: string;

beforeAll(async () => {
  inngest = http.createServer((request, response) => {
    inngestCalls.push({ url: request.url ?? "", authorization: request.headers.authorization });
    const accepted = request.headers.authorization === `Bearer ${hashedSigningKey(SIGNING_KEY)}`;
    response.writeHead(accepted ? 200 : 401, { "content-type": "application/json" }).end(accepted ? '{"data":[]}' : '{"error":"unauthorized"}');
  });
  await new Promise<void>((resolve) => inngest.listen(0, "127.0.0.1", resolve));
  inngestUrl = `http://127.0.0.1:${(inngest.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => inngest.close(() => resolve())));

/** A production deployment with every setting right. */
function completeEnv(): Env {
  return {
    NODE_ENV: "production",
    ...(database.url ? { DATABASE_URL: database.url } : { PGLITE_DATA_DIR: process.env.PGLITE_DATA_DIR }),
    ENCRYPTION_KEY: randomBytes(32).toString("base64"),
    ENCRYPTION_KEYS_PREVIOUS: `${randomBytes(32).toString("base64")},${randomBytes(32).toString("base64url")}`,
    NEXTAUTH_SECRET: randomBytes(32).toString("base64"),
    NEXTAUTH_URL: "https://calsync.example.com",
    CALSYNC_PUBLIC_URL: "https://hooks.calsync.example.com/",
    GOOGLE_CLIENT_ID: "123456789012-abcdefghijklmnop.apps.googleusercontent.com",
    GOOGLE_CLIENT_SECRET: `GOCSPX-${randomBytes(21).toString("base64url")}`,
    MICROSOFT_CLIENT_ID: randomUUID(),
    MICROSOFT_CLIENT_SECRET: randomBytes(30).toString("base64url"),
    MICROSOFT_TENANT_ID: randomUUID(),
    INNGEST_BASE_URL: inngestUrl,
    INNGEST_SIGNING_KEY: SIGNING_KEY,
    INNGEST_EVENT_KEY: randomBytes(40).toString("base64url"),
    REDIS_URL: "redis://127.0.0.1:6379",
  };
}

const SECRET_NAMES = ["ENCRYPTION_KEY", "NEXTAUTH_SECRET", "GOOGLE_CLIENT_SECRET", "MICROSOFT_CLIENT_SECRET", "INNGEST_SIGNING_KEY", "INNGEST_EVENT_KEY"];

async function doctor(env: Env, args: string[] = []) {
  const io = captureIo();
  const code = await main(["doctor", ...args], { ...io, env });
  return { code, stdout: io.stdout.text, stderr: io.stderr.text };
}

function expectNoSecrets(output: string, env: Env) {
  for (const name of SECRET_NAMES) if (env[name]) expect(output).not.toContain(env[name]);
  for (const previous of (env.ENCRYPTION_KEYS_PREVIOUS ?? "").split(",")) if (previous) expect(output).not.toContain(previous);
  expect(output).not.toContain(SIGNING_KEY.slice("signkey-prod-".length));
}

/** The line of a check in the text output, by its label. */
const lineOf = (stdout: string, label: string) => stdout.split("\n").find((line) => new RegExp(`^ {2}(ok|WARN|FAIL) +${label} `).test(line));

// On embedded PGlite (no TEST_DATABASE_URL) a production deployment without
// DATABASE_URL is a warning by design, so "all good" exits 2 there.
const ALL_GOOD = database.kind === "postgres" ? EXIT.ok : EXIT.degraded;

describe("calsync doctor", () => {
  it("exits 0 when everything is set, prints what to register, and no secret value", async () => {
    const env = completeEnv();
    const before = inngestCalls.length;
    const { code, stdout, stderr } = await doctor(env);
    expect(stderr).toBe("");
    expect(code).toBe(ALL_GOOD);
    if (database.kind === "postgres") {
      expect(stdout).toMatch(/^Setup: OK {2}\(every check passed\)$/m);
      expect(lineOf(stdout, "Database")).toMatch(/PostgreSQL at 127\.0\.0\.1:\d+\/\S+: reachable, migrated/);
    }
    expect(lineOf(stdout, "ENCRYPTION_KEY")).toMatch(/ok +ENCRYPTION_KEY +set, 32 bytes$/);
    expect(lineOf(stdout, "ENCRYPTION_KEYS_PREVIOUS")).toMatch(/2 retired keys, 32 bytes each$/);
    expect(lineOf(stdout, "NEXTAUTH_SECRET")).toMatch(/set, 32 bytes$/);
    expect(lineOf(stdout, "CALSYNC_PUBLIC_URL")).toMatch(/ok +CALSYNC_PUBLIC_URL +https:\/\/hooks\.calsync\.example\.com$/);
    expect(lineOf(stdout, "Inngest API")).toMatch(/ok +Inngest API +http:\/\/127\.0\.0\.1:\d+ reachable, signing key accepted/);
    expect(lineOf(stdout, "Redis")).toMatch(/ok +Redis +redis:\/\/127\.0\.0\.1:6379: reachable/);
    // Sign-in callbacks on NEXTAUTH_URL, connect callbacks and webhooks on CALSYNC_PUBLIC_URL.
    expect(stdout).toContain(
      [
        "  redirect URIs  https://calsync.example.com/api/auth/callback/google",
        "                 https://hooks.calsync.example.com/api/oauth/google/callback",
        "  webhook URLs   https://hooks.calsync.example.com/api/webhooks/google",
        "  scopes         openid email profile https://www.googleapis.com/auth/calendar.readonly",
      ].join("\n"),
    );
    expect(stdout).toContain(
      [
        "  redirect URIs  https://calsync.example.com/api/auth/callback/microsoft",
        "                 https://hooks.calsync.example.com/api/oauth/microsoft/callback",
        "  webhook URLs   https://hooks.calsync.example.com/api/webhooks/microsoft",
        "                 https://hooks.calsync.example.com/api/webhooks/microsoft/lifecycle",
        "  scopes         openid email profile offline_access Calendars.Read User.Read",
      ].join("\n"),
    );
    expectNoSecrets(stdout, env);
    // Inngest was asked once, with the SDK's hashed key: the key itself never left.
    const calls = inngestCalls.slice(before);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.url).toBe("/v1/events?limit=1");
    expect(calls[0]!.authorization).toBe(`Bearer ${hashedSigningKey(SIGNING_KEY)}`);
    expect(calls[0]!.authorization).not.toContain(SIGNING_KEY.slice("signkey-prod-".length));
  });

  it("names a missing key and an http public URL, says what to do, and exits 1", async () => {
    const env = completeEnv();
    delete env.ENCRYPTION_KEY;
    delete env.CALSYNC_PUBLIC_URL;
    env.NEXTAUTH_URL = "http://calsync.example.com";
    const { code, stdout } = await doctor(env);
    expect(code).toBe(EXIT.failed);
    expect(stdout).toMatch(/^Setup: FAILURE {2}\(2 failed\)$/m);
    const lines = stdout.split("\n");
    const key = lines.findIndex((line) => /^ {2}FAIL +ENCRYPTION_KEY +missing \(required in production/.test(line));
    expect(key).toBeGreaterThan(-1);
    expect(lines[key + 1]).toMatch(/^ +→ set ENCRYPTION_KEY to the output of `openssl rand -base64 32`$/);
    const url = lines.findIndex((line) =>
      /^ {2}FAIL +NEXTAUTH_URL +http:\/\/calsync\.example\.com is http: providers redirect and deliver webhooks only to https$/.test(line),
    );
    expect(url).toBeGreaterThan(-1);
    expect(lines[url + 1]).toMatch(/→ set NEXTAUTH_URL to the https origin/);
    // The URIs to register follow the configured origin, http or not.
    expect(stdout).toContain("http://calsync.example.com/api/oauth/google/callback");
    expectNoSecrets(stdout, env);
  });

  it("--json: the same report for a machine, malformed secrets described, never shown", async () => {
    const env = {
      ...completeEnv(),
      ENCRYPTION_KEY: "c2hvcnQta2V5",
      ENCRYPTION_KEYS_PREVIOUS: `${randomBytes(32).toString("base64")},too-short`,
      NEXTAUTH_SECRET: "hunter2!",
    };
    const { code, stdout } = await doctor(env, ["--json"]);
    expect(code).toBe(EXIT.failed);
    const report = JSON.parse(stdout) as {
      status: string;
      checks: Array<{ id: string; status: string; detail: string; fix: string | null }>;
      registration: Array<{ provider: string; redirectUris: string[] }>;
    };
    expect(report.status).toBe("failure");
    const check = (id: string) => report.checks.find((candidate) => candidate.id === id);
    expect(check("encryption-key")).toMatchObject({ status: "failure", detail: "malformed: expected base64 of 32 bytes" });
    expect(check("encryption-keys-previous")).toMatchObject({ status: "failure", detail: "malformed: expected base64 of 32 bytes (entry 2 of 2)" });
    expect(check("session-secret")).toMatchObject({
      status: "failure",
      detail: "too short: 8 bytes, expected at least 32",
      fix: expect.stringContaining("NEXTAUTH_SECRET"),
    });
    expect(check("google-client")).toMatchObject({ status: "ok" });
    expect(report.registration.map((entry) => entry.redirectUris[1])).toEqual([
      "https://hooks.calsync.example.com/api/oauth/google/callback",
      "https://hooks.calsync.example.com/api/oauth/microsoft/callback",
    ]);
    for (const value of ["c2hvcnQta2V5", "too-short", "hunter2!"]) expect(stdout).not.toContain(value);
    expectNoSecrets(stdout, env);
  });

  it("a half-configured client, a rejected Inngest key and an unreachable Redis each get their line", async () => {
    const env: Env = {
      ...completeEnv(),
      INNGEST_SIGNING_KEY: `signkey-prod-${randomBytes(32).toString("hex")}`,
      REDIS_URL: "redis://:s3cret-pass@127.0.0.1:1/0",
    };
    delete env.MICROSOFT_CLIENT_SECRET;
    const { code, stdout } = await doctor(env);
    expect(code).toBe(EXIT.failed);
    expect(lineOf(stdout, "Microsoft OAuth client")).toMatch(
      /FAIL +Microsoft OAuth client +MICROSOFT_CLIENT_SECRET missing \(MICROSOFT_CLIENT_ID is set\): Microsoft stays off$/,
    );
    expect(lineOf(stdout, "Inngest API")).toMatch(/FAIL +Inngest API +http:\/\/127\.0\.0\.1:\d+ rejected INNGEST_SIGNING_KEY \(HTTP 401\)$/);
    expect(lineOf(stdout, "Redis")).toMatch(/WARN +Redis +redis:\/\/127\.0\.0\.1:1 unreachable: .*fall back to per-instance memory$/);
    expect(stdout).not.toContain("s3cret-pass");
    expect(stdout).toMatch(/^Microsoft \(not configured\): /m);
    expectNoSecrets(stdout, env);
  });

  it("warnings only exit 2 (an unreachable Redis: rate limits fall back to memory)", async () => {
    const { code, stdout } = await doctor({ ...completeEnv(), REDIS_URL: "redis://127.0.0.1:1" });
    expect(code).toBe(EXIT.degraded);
    if (database.kind === "postgres") expect(stdout).toMatch(/^Setup: WARNING {2}\(1 with warnings\)$/m);
  });

  it("a database that is unreachable or not migrated is a failure with what to do", async () => {
    const unreachable = await doctor({ ...completeEnv(), DATABASE_URL: "postgresql://postgres:pw-not-shown@127.0.0.1:1/calsync" });
    expect(unreachable.code).toBe(EXIT.failed);
    expect(lineOf(unreachable.stdout, "Database")).toBe(
      "  FAIL  Database                  Cannot reach PostgreSQL at 127.0.0.1:1/calsync: no server accepts connections there (is it running?)",
    );
    expect(unreachable.stdout).toContain("→ start PostgreSQL or correct DATABASE_URL");
    expect(unreachable.stdout).not.toContain("pw-not-shown");

    const server = testDatabaseUrl();
    if (!server) return;
    const empty = `calsync_doctor_${randomUUID().replaceAll("-", "").slice(0, 12)}`;
    await queryOnce(server, `CREATE DATABASE "${empty}"`);
    try {
      const unmigrated = await doctor({ ...completeEnv(), DATABASE_URL: withDatabase(server, empty) });
      expect(unmigrated.code).toBe(EXIT.failed);
      expect(lineOf(unmigrated.stdout, "Database")).toMatch(new RegExp(`FAIL +Database +PostgreSQL at [^ ]+/${empty}: not migrated, \\d+ pending \\(\\d{14}_`));
      expect(unmigrated.stdout).toContain("→ run npm run db:migrate against this DATABASE_URL");
    } finally {
      await queryOnce(server, `DROP DATABASE IF EXISTS "${empty}" WITH (FORCE)`);
    }
  });
});
