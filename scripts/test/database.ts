import { randomUUID } from "node:crypto";
import fs from "node:fs/promises";
import { afterAll, beforeAll } from "vitest";
import { adoptPglite, closeSharedPglite } from "@/lib/db/adapter";
import { closeDb, db, type Database } from "@/lib/db/client";
import { IN_MEMORY } from "@/lib/db/target";
import { queryOnce, withDatabase } from "./postgres";

export const TEST_ENV = {
  templateDb: "CALSYNC_TEST_TEMPLATE_DB",
  pgliteDump: "CALSYNC_TEST_PGLITE_DUMP",
  serverUrl: "CALSYNC_TEST_SERVER_URL",
} as const;

/**
 * The PostgreSQL server tests run against, if any (TEST_DATABASE_URL wins). Read
 * once by the global setup and passed on, because test files overwrite
 * DATABASE_URL with their own database's URL.
 */
export function testDatabaseUrl(): string | undefined {
  const pinned = process.env[TEST_ENV.serverUrl];
  if (pinned !== undefined) return pinned || undefined;
  return process.env.TEST_DATABASE_URL?.trim() || process.env.DATABASE_URL?.trim() || undefined;
}

export interface TestDatabase {
  /** The app's own client, pointed at this file's database. */
  db(): Promise<Database>;
  /** What the app sees as its database: "postgres" or "pglite". */
  kind: "postgres" | "pglite";
  /** PostgreSQL URL of this file's database (postgres kind only). */
  url?: string;
}

/**
 * Gives the calling test file a fresh, migrated database of its own and points the
 * app's `db()` at it, so files run in parallel without seeing each other's rows.
 * Call at the top level of an `*.int.test.ts` file.
 */
export function setupTestDatabase(): TestDatabase {
  const serverUrl = testDatabaseUrl();
  const handle: TestDatabase = { db, kind: serverUrl ? "postgres" : "pglite" };
  let cleanup: () => Promise<void> = async () => {};

  beforeAll(async () => {
    await closeDb();
    if (serverUrl) {
      const template = process.env[TEST_ENV.templateDb];
      if (!template) throw new Error("integration global setup did not run (no template database)");
      const name = `${template}_f${randomUUID().replaceAll("-", "").slice(0, 12)}`;
      await queryOnce(serverUrl, `CREATE DATABASE "${name}" TEMPLATE "${template}"`);
      handle.url = withDatabase(serverUrl, name);
      process.env.DATABASE_URL = handle.url;
      cleanup = async () => {
        await queryOnce(serverUrl, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      };
    } else {
      const dumpFile = process.env[TEST_ENV.pgliteDump];
      if (!dumpFile) throw new Error("integration global setup did not run (no PGlite template)");
      const { PGlite } = await import("@electric-sql/pglite");
      const name = `${IN_MEMORY}test-${randomUUID()}`;
      const database = new PGlite({ loadDataDir: new Blob([await fs.readFile(dumpFile)]) });
      await database.waitReady;
      adoptPglite(name, database);
      delete process.env.DATABASE_URL;
      process.env.PGLITE_DATA_DIR = name;
      cleanup = () => closeSharedPglite(name);
    }
  });

  afterAll(async () => {
    await closeDb();
    await cleanup();
  });

  return handle;
}
