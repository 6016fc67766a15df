import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sharedPglite } from "@/lib/db/adapter";
import { secretHash } from "@/lib/subscriptions/identity";
import { setupTestDatabase } from "@/scripts/test/database";
import { EXIT } from "./command";

// The real entry point, as `npm run calsync` starts it: a separate process that
// wires argv, the exit code and the database together. The commands themselves
// are tested in-process next to this file.

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const database = setupTestDatabase();
let scratch: string;
let childEnv: NodeJS.ProcessEnv;

interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

function calsync(args: string[], timeoutMs = 60_000): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["node_modules/tsx/dist/cli.mjs", "scripts/calsync.ts", ...args], {
      cwd: ROOT,
      env: childEnv,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`calsync ${args.join(" ")} did not exit within ${timeoutMs} ms\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

beforeAll(async () => {
  scratch = await fs.mkdtemp(path.join(os.tmpdir(), "calsync-cli-"));
  const client = await database.db();
  const tag = randomUUID().slice(0, 8);
  const organization = await client.organization.create({ data: { name: "Spawned", slug: `spawned-${tag}` } });
  const connection = await client.calendarConnection.create({
    data: { organizationId: organization.id, provider: "microsoft", providerAccountId: `m-${tag}`, accountEmail: "lapsed@contoso.example", scopes: [] },
  });
  await client.webhookSubscription.create({
    data: {
      organizationId: organization.id,
      connectionId: connection.id,
      provider: "microsoft",
      externalId: randomUUID(),
      resource: "me/events",
      secretHash: secretHash(tag),
      status: "active",
      expiresAt: new Date(Date.now() - 60 * 60_000),
    },
  });

  // The child must not write into the repository's .data (its generated keys).
  const base: NodeJS.ProcessEnv = { ...process.env, CALSYNC_DATA_DIR: scratch, LOG_LEVEL: "warn" };
  delete base.DATABASE_URL;
  delete base.PGLITE_DATA_DIR;
  if (database.url) {
    childEnv = { ...base, DATABASE_URL: database.url };
  } else {
    // This file's embedded database lives in this process's memory; the child gets
    // a copy on disk, as `npm run calsync` would find under .data/.
    const memory = await sharedPglite(process.env.PGLITE_DATA_DIR!);
    const dump = await memory.dumpDataDir("none");
    const { PGlite } = await import("@electric-sql/pglite");
    const dataDir = path.join(scratch, "pglite");
    const copy = new PGlite(dataDir, { loadDataDir: dump });
    await copy.waitReady;
    await copy.close();
    childEnv = { ...base, PGLITE_DATA_DIR: dataDir };
  }
});

afterAll(async () => {
  if (scratch) await fs.rm(scratch, { recursive: true, force: true });
});

describe("npm run calsync (scripts/calsync.ts)", () => {
  it("--help lists every command and exits 0", async () => {
    const result = await calsync(["--help"]);
    expect(result.code).toBe(EXIT.ok);
    for (const name of ["test-webhook", "refresh-subscriptions", "health-check", "cleanup-events", "resync"])
      expect(result.stdout).toMatch(new RegExp(`^  ${name}\\s`, "m"));
    expect(result.stderr).toBe("");
  });

  it("health-check --json exits 1 when an active connection's push has expired, with parseable JSON alone on stdout", async () => {
    const result = await calsync(["health-check", "--json"]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(EXIT.failed);
    const report = JSON.parse(result.stdout) as { status: string; problems: string[] };
    expect(report.status).toBe("unhealthy");
    expect(report.problems).toEqual([expect.stringMatching(/^Push for All calendars \(lapsed@contoso\.example, Microsoft\) has expired/)]);
  });

  it("wrong arguments exit 64 with one error line and the usage, no stack", async () => {
    const result = await calsync(["cleanup-events", "--older-than", "30"]);
    expect(result.code).toBe(EXIT.usage);
    expect(result.stderr).toMatch(/^error: --older-than: expected a duration like 30d, 24h or 90m, got "30"\n\nUsage: npm run calsync -- cleanup-events/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(result.stdout).toBe("");
  });

  it("an unreachable database is one line and exit 1", async () => {
    const saved = childEnv;
    childEnv = { ...saved, DATABASE_URL: "postgresql://postgres@127.0.0.1:1/none" };
    try {
      const result = await calsync(["resync", "--calendar", randomUUID()]);
      expect(result.code).toBe(EXIT.failed);
      expect(result.stderr).toBe("error: Cannot reach PostgreSQL at 127.0.0.1:1/none: no server accepts connections there (is it running?)\n");
    } finally {
      childEnv = saved;
    }
  });
});
