import { afterAll, describe, expect, it } from "vitest";
import { closeRawPool, rawQuery, rawTransaction } from "@/lib/db/raw";
import { setupTestDatabase } from "@/scripts/test/database";

const database = setupTestDatabase();

afterAll(() => closeRawPool());

async function organizationNamed(name: string): Promise<number> {
  return (await database.db()).organization.count({ where: { name } });
}

describe("rawTransaction", () => {
  it("commits its statements together, takes array parameters and returns typed rows and counts", async () => {
    const suffix = Math.random().toString(36).slice(2, 8);
    const result = await rawTransaction(
      async (sql) => {
        const inserted = await sql.$executeRawUnsafe(
          `INSERT INTO organizations (name, slug, updated_at) SELECT t.name, t.slug, now() FROM unnest($1::text[], $2::text[]) AS t(name, slug)`,
          [`raw one ${suffix}`, `raw two ${suffix}`],
          [`raw-one-${suffix}`, `raw-two-${suffix}`],
        );
        const rows = await sql.$queryRawUnsafe<Array<{ name: string; fresh: boolean; n: number }>>(
          `SELECT name, (created_at > now() - interval '1 minute') AS fresh, length(name)::int AS n FROM organizations WHERE slug = ANY($1::text[]) ORDER BY name`,
          [`raw-one-${suffix}`, `raw-two-${suffix}`],
        );
        return { inserted, rows };
      },
      { timeoutMs: 10_000 },
    );
    expect(result.inserted).toBe(2);
    expect(result.rows).toEqual([
      { name: `raw one ${suffix}`, fresh: true, n: `raw one ${suffix}`.length },
      { name: `raw two ${suffix}`, fresh: true, n: `raw two ${suffix}`.length },
    ]);
    // Prisma, on its own connection, sees the commit.
    expect(await organizationNamed(`raw one ${suffix}`)).toBe(1);
  });

  it("rolls everything back when the work throws, and rethrows its error", async () => {
    const suffix = Math.random().toString(36).slice(2, 8);
    const failure = rawTransaction(
      async (sql) => {
        await sql.$executeRawUnsafe(`INSERT INTO organizations (name, slug, updated_at) VALUES ($1, $2, now())`, `doomed ${suffix}`, `doomed-${suffix}`);
        throw new Error("the work failed half-way");
      },
      { timeoutMs: 10_000 },
    );
    await expect(failure).rejects.toThrow("the work failed half-way");
    expect(await organizationNamed(`doomed ${suffix}`)).toBe(0);
    // The connection went back clean: the next transaction works.
    await expect(rawTransaction((sql) => sql.$queryRawUnsafe<Array<{ one: number }>>(`SELECT 1::int AS one`), { timeoutMs: 10_000 })).resolves.toEqual([
      { one: 1 },
    ]);
  });

  it("rolls back on a failing statement (a unique violation) with the database's error", async () => {
    const suffix = Math.random().toString(36).slice(2, 8);
    const failure = rawTransaction(
      async (sql) => {
        await sql.$executeRawUnsafe(`INSERT INTO organizations (name, slug, updated_at) VALUES ($1, $2, now())`, `first ${suffix}`, `same-${suffix}`);
        await sql.$executeRawUnsafe(`INSERT INTO organizations (name, slug, updated_at) VALUES ($1, $2, now())`, `second ${suffix}`, `same-${suffix}`);
      },
      { timeoutMs: 10_000 },
    );
    await expect(failure).rejects.toThrow(/duplicate key|unique/i);
    expect(await organizationNamed(`first ${suffix}`)).toBe(0);
  });

  it("bounds each statement by the timeout on PostgreSQL (the embedded database, one process's own, has no statement timeout)", async () => {
    const slow = rawTransaction((sql) => sql.$queryRawUnsafe(`SELECT pg_sleep(0.6)`), { timeoutMs: 200 });
    if (database.kind === "postgres") await expect(slow).rejects.toThrow(/statement timeout/);
    else await expect(slow).resolves.toHaveLength(1);
  });

  it("plans without JIT compilation on PostgreSQL, and only inside the transaction", async () => {
    if (database.kind !== "postgres") return;
    const inside = await rawTransaction((sql) => sql.$queryRawUnsafe<Array<{ jit: string }>>(`SHOW jit`), { timeoutMs: 10_000 });
    expect(inside).toEqual([{ jit: "off" }]);
    // SET LOCAL: the pooled connection goes back with the server's own setting.
    const [after] = await rawQuery<{ jit: string; server: string }>({
      text: `SELECT current_setting('jit') AS jit, reset_val AS server FROM pg_settings WHERE name = 'jit'`,
    });
    expect(after?.jit).toBe(after?.server);
  });
});
