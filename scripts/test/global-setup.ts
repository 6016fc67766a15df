import { randomUUID } from "node:crypto";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { closeSharedPglite, sharedPglite } from "@/lib/db/adapter";
import { applyMigrations } from "@/lib/db/migrations";
import { IN_MEMORY } from "@/lib/db/target";
import { TEST_ENV, testDatabaseUrl } from "./database";
import { queryOnce, withDatabase } from "./postgres";

/**
 * Integration-test global setup: runs once in vitest's main process before any
 * worker starts, so what it puts in process.env reaches every test file.
 *
 * It migrates one template database, and every test file then starts from a copy:
 * - PostgreSQL (DATABASE_URL or TEST_DATABASE_URL set): a template database;
 *   each file gets `CREATE DATABASE … TEMPLATE …` (about 0.1 s);
 * - no URL: an in-memory PGlite, dumped to a file each test file loads (about 0.3 s).
 */
export default async function setup(): Promise<() => Promise<void>> {
  const url = testDatabaseUrl();
  process.env[TEST_ENV.serverUrl] = url ?? "";
  if (url) {
    const template = `calsync_tpl_${process.pid}_${randomUUID().slice(0, 8)}`;
    await queryOnce(url, `CREATE DATABASE "${template}"`);
    await applyMigrations({ kind: "postgres", url: withDatabase(url, template) });
    process.env[TEST_ENV.templateDb] = template;
    return async () => {
      const rows = await queryOnce<{ datname: string }>(url, `SELECT datname FROM pg_database WHERE datname = $1 OR datname LIKE $2`, [
        template,
        `${template}_f%`,
      ]);
      for (const { datname } of rows) await queryOnce(url, `DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
    };
  }

  const name = `${IN_MEMORY}template`;
  await applyMigrations({ kind: "pglite", dataDir: name });
  const database = await sharedPglite(name);
  const dump = await database.dumpDataDir("none");
  const file = path.join(os.tmpdir(), `calsync-test-template-${process.pid}.tar`);
  await fs.writeFile(file, Buffer.from(await dump.arrayBuffer()));
  await closeSharedPglite(name);
  process.env[TEST_ENV.pgliteDump] = file;
  return async () => {
    await fs.rm(file, { force: true });
  };
}
