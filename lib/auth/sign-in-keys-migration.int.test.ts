import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { closeSharedPglite, sharedPglite } from "@/lib/db/adapter";
import { applyMigrations, loadMigrations, MIGRATIONS_DIR } from "@/lib/db/migrations";
import { IN_MEMORY, type DatabaseTarget } from "@/lib/db/target";
import { testDatabaseUrl } from "@/scripts/test/database";
import { queryOnce, withDatabase } from "@/scripts/test/postgres";

// Rows written before verified_email existed: users a verified sign-in created keep
// their address as the join key, users an unverified one created get none.

const serverUrl = testDatabaseUrl();
const name = `calsync_signin_keys_${process.pid}`;

// A database with no migrations yet (PostgreSQL when configured, else PGlite), as lib/db/migrations.int.test.ts makes them.
async function emptyDatabase(): Promise<{ target: DatabaseTarget; query(sql: string): Promise<Record<string, unknown>[]> }> {
  if (!serverUrl) {
    const target = { kind: "pglite" as const, dataDir: `${IN_MEMORY}${name}` };
    return { target, query: async (sql) => (await (await sharedPglite(target.dataDir)).exec(sql)).at(-1)?.rows ?? [] };
  }
  await queryOnce(serverUrl, `CREATE DATABASE "${name}"`);
  const url = withDatabase(serverUrl, name);
  return { target: { kind: "postgres", url }, query: (sql) => queryOnce(url, sql) };
}

afterAll(async () => {
  if (serverUrl) await queryOnce(serverUrl, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  else await closeSharedPglite(`${IN_MEMORY}${name}`);
});

describe("the sign_in_keys migration", () => {
  it("keeps verified users joinable by their address and existing accounts signing in", async () => {
    const { target, query } = await emptyDatabase();
    const list = await loadMigrations();
    const index = list.migrationDirectories.findIndex((m) => m.path.endsWith("_sign_in_keys"));
    expect(index).toBeGreaterThan(0);
    const before = await fs.mkdtemp(path.join(os.tmpdir(), "calsync-before-keys-"));
    try {
      for (const m of list.migrationDirectories.slice(0, index)) await fs.cp(path.join(MIGRATIONS_DIR, m.path), path.join(before, m.path), { recursive: true });
      await fs.copyFile(path.join(MIGRATIONS_DIR, "migration_lock.toml"), path.join(before, "migration_lock.toml"));
      await applyMigrations(target, before);
    } finally {
      await fs.rm(before, { recursive: true, force: true });
    }
    await query(
      `INSERT INTO users (email, email_verified, updated_at) VALUES ('verified@example.com', now(), now()), ('claimed@example.com', NULL, now());
       INSERT INTO accounts (user_id, type, provider, provider_account_id) SELECT id, 'oauth', 'microsoft', 'oid-1' FROM users WHERE email = 'claimed@example.com'`,
    );
    await applyMigrations(target);
    const users = await query(`SELECT email, verified_email FROM users ORDER BY email`);
    expect(users).toEqual([
      { email: "claimed@example.com", verified_email: null },
      { email: "verified@example.com", verified_email: "verified@example.com" },
    ]);
    // The same address may now belong to a second, separate user.
    await query(`INSERT INTO users (email, verified_email, updated_at) VALUES ('claimed@example.com', 'claimed@example.com', now())`);
    expect(await query(`SELECT count(*)::int AS n FROM accounts WHERE provider_account_id = 'oid-1'`)).toEqual([{ n: 1 }]);
  });
});
