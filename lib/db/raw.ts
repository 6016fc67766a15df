import type { PGlite } from "@electric-sql/pglite";
import type pg from "pg";
import { sharedPglite } from "@/lib/db/adapter";
import { databaseTarget } from "@/lib/db/client";
import type { DatabaseTarget } from "@/lib/db/target";

/**
 * One parameterized SQL statement, sent without Prisma: for the few hot paths
 * (webhook intake) where Prisma's per-query cost halves a route's throughput
 * (measured on our build machines: Prisma's findUnique + create gives 0.49 of a bare
 * route's requests per second, one raw statement with `pg` 0.93; README.md,
 * "Performance"). Everything else goes through `db()`.
 *
 * Never select the sealed token columns here: raw SQL bypasses their decryption.
 */
export interface RawStatement {
  /**
   * Caches the plan per PostgreSQL connection (`pg` named prepared statement). One
   * name must always mean the same text.
   */
  name?: string;
  text: string;
  values?: unknown[];
}

// Kept next to the Prisma client's pool, not shared with it: the adapter's pool is
// private to lib/db/adapter.ts. Small because the statements are short and one Node
// process cannot keep many busy.
const POOL_SIZE = 10;

interface RawPool {
  url: string;
  pool: Promise<pg.Pool>;
}

// On globalThis for the same reason as the Prisma client: hot reloads keep one pool.
const holder = globalThis as unknown as { __calsyncRawPool?: RawPool };

function poolFor(url: string): Promise<pg.Pool> {
  const current = holder.__calsyncRawPool;
  if (current?.url === url) return current.pool;
  // The database moved (tests point DATABASE_URL at a fresh database per file):
  // the old pool's connections would go to the wrong place.
  if (current) void current.pool.then((old) => old.end()).catch(() => {});
  const pool = import("pg").then(({ default: driver }) => {
    const created = new driver.Pool({
      connectionString: url,
      max: POOL_SIZE,
      connectionTimeoutMillis: 5_000,
      idleTimeoutMillis: 30_000,
      allowExitOnIdle: true,
    });
    // An idle client that errors (server restart) must not crash the process.
    created.on("error", () => {});
    return created;
  });
  holder.__calsyncRawPool = { url, pool };
  return pool;
}

async function onTarget<Row>(target: DatabaseTarget, statement: RawStatement): Promise<Row[]> {
  if (target.kind === "postgres") {
    const pool = await poolFor(target.url);
    const result = await pool.query(
      statement.name ? { name: statement.name, text: statement.text, values: statement.values } : { text: statement.text, values: statement.values },
    );
    return result.rows as Row[];
  }
  // The embedded database is one instance per process, shared with Prisma; its
  // `query` waits for any open transaction, so this statement never runs inside one.
  const embedded: PGlite = await sharedPglite(target.dataDir);
  const result = await embedded.query<Row>(statement.text, statement.values ?? []);
  return result.rows;
}

/**
 * Runs one statement on the app's database. Opens it through `db()` first, so
 * the embedded default is migrated and a missing server fails the way every other
 * query does (DatabaseUnavailableError → 503).
 */
export async function rawQuery<Row = Record<string, unknown>>(statement: RawStatement): Promise<Row[]> {
  return onTarget<Row>(await databaseTarget(), statement);
}

/** Ends the raw pool (tests, scripts). The next query opens a new one. */
export async function closeRawPool(): Promise<void> {
  const current = holder.__calsyncRawPool;
  holder.__calsyncRawPool = undefined;
  const pool = await current?.pool.catch(() => undefined);
  await pool?.end();
}

/**
 * Statements of one raw transaction, with the method names of Prisma's raw queries
 * so the code that writes them runs on either. Parameters are what the drivers take
 * (strings, numbers, booleans, null, and arrays of those); rows come back as the
 * driver types them.
 */
export interface RawSql {
  /** Like Prisma's: T is the whole result, an array of rows. */
  $queryRawUnsafe<T = unknown>(sql: string, ...params: unknown[]): Promise<T>;
  $executeRawUnsafe(sql: string, ...params: unknown[]): Promise<number>;
}

/**
 * A transaction of raw statements on the app's database, for bulk writes: Prisma
 * passes a raw query's parameters through JSON (stringified whole, then parsed
 * again) before the driver sees them, and for a sync's chunk of 500 events with
 * their provider items that was the sync's largest allocation and much of its CPU
 * (README.md, "Performance"). `timeoutMs` bounds each statement (PostgreSQL's
 * statement_timeout); JIT compilation is off. Never touch the sealed token columns here.
 */
export async function rawTransaction<T>(work: (sql: RawSql) => Promise<T>, { timeoutMs }: { timeoutMs: number }): Promise<T> {
  const target = await databaseTarget();
  if (target.kind !== "postgres") {
    // One connection: PGlite queues this behind (and ahead of) Prisma's own queries.
    const embedded: PGlite = await sharedPglite(target.dataDir);
    return embedded.transaction((tx) =>
      work({
        $queryRawUnsafe: async <Row>(text: string, ...params: unknown[]) => (await tx.query(text, params)).rows as Row,
        $executeRawUnsafe: async (text: string, ...params: unknown[]) => (await tx.query(text, params)).affectedRows ?? 0,
      }),
    );
  }
  const client = await (await poolFor(target.url)).connect();
  let reusable = true;
  try {
    // One round trip: without parameters pg sends these as one simple query. No JIT:
    // a chunk's trigger statements are planned from the statistics of tables a
    // first sync is filling, whose estimates run to millions of rows, and
    // PostgreSQL then compiled them for 0.6 s each to run in 30 ms (README.md,
    // "Performance"). Managed servers enable JIT by default, as Debian's does.
    await client.query(`BEGIN; SET LOCAL statement_timeout = ${Math.max(1, Math.floor(timeoutMs))}; SET LOCAL jit = off`);
    const result = await work({
      $queryRawUnsafe: async <Row>(text: string, ...params: unknown[]) => (await client.query(text, params)).rows as Row,
      $executeRawUnsafe: async (text: string, ...params: unknown[]) => (await client.query(text, params)).rowCount ?? 0,
    });
    await client.query("COMMIT");
    return result;
  } catch (err) {
    await client.query("ROLLBACK").catch(() => {
      reusable = false;
    });
    throw err;
  } finally {
    // A connection that could not roll back is closed, not handed to the next caller.
    client.release(reusable ? undefined : true);
  }
}
