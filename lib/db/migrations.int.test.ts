import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeSharedPglite } from "@/lib/db/adapter";
import {
  applyMigrations,
  diffMigrationsToSchema,
  loadMigrations,
  MIGRATIONS_DIR,
  MigrationError,
  pendingMigrations,
  resolveMigration,
} from "@/lib/db/migrations";
import { IN_MEMORY, type DatabaseTarget } from "@/lib/db/target";
import { testDatabaseUrl } from "@/scripts/test/database";
import { queryOnce, withDatabase } from "@/scripts/test/postgres";

// These tests need databases with no migrations yet, so they make their own
// rather than use the pre-migrated per-file copy.
const serverUrl = testDatabaseUrl();
const made: string[] = [];

async function emptyDatabase(): Promise<DatabaseTarget & { query(sql: string): Promise<Record<string, unknown>[]> }> {
  const name = `calsync_mig_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
  if (!serverUrl) {
    const target = { kind: "pglite" as const, dataDir: `${IN_MEMORY}${name}` };
    made.push(target.dataDir);
    const { sharedPglite } = await import("@/lib/db/adapter");
    return { ...target, query: async (sql) => (await (await sharedPglite(target.dataDir)).query<Record<string, unknown>>(sql)).rows };
  }
  await queryOnce(serverUrl, `CREATE DATABASE "${name}"`);
  made.push(name);
  const url = withDatabase(serverUrl, name);
  return { kind: "postgres", url, query: (sql) => queryOnce(url, sql) };
}

afterAll(async () => {
  for (const name of made) {
    if (name.startsWith(IN_MEMORY)) await closeSharedPglite(name);
    else if (serverUrl) await queryOnce(serverUrl, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  }
});

describe("schema.prisma and prisma/migrations", () => {
  it("agree: every schema change comes with a migration (npm run db:migration -- <name>)", async () => {
    const drift = await diffMigrationsToSchema();
    expect(drift, `schema.prisma differs from the migrations by:\n${drift}`).toBeNull();
  });

  it("detect a schema change with no migration, and write the SQL that closes the gap", async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), "calsync-drift-"));
    try {
      // The migrations minus the newest one that changes the model stand in for "schema
      // changed, migration missing" (a migration of triggers alone is invisible to Prisma).
      const list = await loadMigrations();
      const changesModel = async (m: { path: string }) =>
        /^(CREATE TABLE|CREATE UNLOGGED TABLE|ALTER TABLE|CREATE (UNIQUE )?INDEX)/m.test(
          await fs.readFile(path.join(MIGRATIONS_DIR, m.path, "migration.sql"), "utf8"),
        );
      let newest = list.migrationDirectories.length - 1;
      while (newest > 0 && !(await changesModel(list.migrationDirectories[newest]!))) newest -= 1;
      const keep = list.migrationDirectories.slice(0, newest);
      for (const m of keep) await fs.cp(path.join(MIGRATIONS_DIR, m.path), path.join(dir, m.path), { recursive: true });
      await fs.copyFile(path.join(MIGRATIONS_DIR, "migration_lock.toml"), path.join(dir, "migration_lock.toml"));
      const sql = await diffMigrationsToSchema(dir);
      // The SQL that closes the gap is a real statement, not the empty-migration comment.
      expect(sql).not.toBeNull();
      expect(sql).toMatch(/^(CREATE|ALTER|DROP)\b.*;$/m);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});

describe("applyMigrations", () => {
  let target: Awaited<ReturnType<typeof emptyDatabase>>;
  beforeAll(async () => {
    target = await emptyDatabase();
  });

  it("applies every migration once, with Prisma's _prisma_migrations bookkeeping", async () => {
    const all = (await loadMigrations()).migrationDirectories.map((m) => m.path);
    expect(await applyMigrations(target)).toEqual(all);
    expect(await applyMigrations(target)).toEqual([]);
    const rows = await target.query(
      `SELECT migration_name, checksum, finished_at, rolled_back_at, applied_steps_count FROM _prisma_migrations ORDER BY migration_name`,
    );
    expect(rows.map((r) => r.migration_name)).toEqual(all);
    for (const row of rows) {
      expect(row.checksum).toMatch(/^[0-9a-f]{64}$/);
      expect(row.finished_at).not.toBeNull();
      expect(row.rolled_back_at).toBeNull();
      expect(row.applied_steps_count).toBe(1);
    }
    expect(await pendingMigrations((sql) => target.query(sql) as Promise<{ migration_name: string }[]>)).toEqual([]);
  });
});

describe("a migration that fails half-way", () => {
  let target: Awaited<ReturnType<typeof emptyDatabase>>;
  let dir: string;
  const broken = "29990101000000_broken";

  beforeAll(async () => {
    target = await emptyDatabase();
    dir = await fs.mkdtemp(path.join(os.tmpdir(), "calsync-failing-"));
    await fs.cp(MIGRATIONS_DIR, dir, { recursive: true });
    await fs.mkdir(path.join(dir, broken));
    await fs.writeFile(
      path.join(dir, broken, "migration.sql"),
      `CREATE TABLE "half_done" ("id" INTEGER);\nALTER TABLE "no_such_table" ADD COLUMN "x" INTEGER;\n`,
    );
  });
  afterAll(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it("is recorded as failed, as Prisma would, and the next run says how to resolve it", async () => {
    const first = await applyMigrations(target, dir).catch((err: unknown) => err);
    expect(first).toBeInstanceOf(MigrationError);
    expect((first as MigrationError).message).toContain(`Migration ${broken} failed`);
    const [row] = await target.query(`SELECT finished_at, logs FROM _prisma_migrations WHERE migration_name = '${broken}'`);
    expect(row?.finished_at).toBeNull();
    expect(String(row?.logs)).toMatch(/no_such_table/);

    const second = await applyMigrations(target, dir).catch((err: unknown) => err);
    expect(second).toBeInstanceOf(MigrationError);
    expect((second as MigrationError).message).toContain("still marked failed");
    expect((second as MigrationError).message).toContain(`npm run db:migrate -- --rolled-back ${broken}`);
  });

  it("applies again once fixed and marked rolled back", async () => {
    await target.query(`DROP TABLE IF EXISTS "half_done"`);
    await fs.writeFile(path.join(dir, broken, "migration.sql"), `CREATE TABLE "half_done" ("id" INTEGER);\n`);
    await resolveMigration(target, broken, "rolled-back", dir);
    expect(await applyMigrations(target, dir)).toEqual([broken]);
  });
});
