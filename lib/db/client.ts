import { PrismaClient } from "@/lib/db/generated/client";
import { openAdapter, type OpenedAdapter } from "@/lib/db/adapter";
import { loadKeyRing, type KeyRing } from "@/lib/db/encryption";
import { explainDatabaseError } from "@/lib/db/errors";
import { applyMigrations, pendingMigrations } from "@/lib/db/migrations";
import { sealedColumns } from "@/lib/db/sealed-columns";
import { resolveDatabaseTarget, type DatabaseTarget } from "@/lib/db/target";

function createClient(adapter: OpenedAdapter, keys: KeyRing) {
  // Tokens are sealed here, once, for every query the process makes.
  return new PrismaClient({ adapter: adapter.factory }).$extends(sealedColumns(keys));
}

export type Database = ReturnType<typeof createClient>;

interface OpenDatabase {
  client: Database;
  close(): Promise<void>;
  target: DatabaseTarget;
}

// On globalThis so Next.js hot reloads keep one pool (or one embedded database).
const holder = globalThis as unknown as { __calsyncDb?: Promise<OpenDatabase> };

async function open(): Promise<OpenDatabase> {
  const target = resolveDatabaseTarget();
  // Before any connection: a missing production key fails fast and leaks no pool.
  const keys = loadKeyRing();
  const adapter = await openAdapter(target);
  const client = createClient(adapter, keys);
  try {
    await client.$queryRaw`SELECT 1`;
  } catch (err) {
    await client.$disconnect().catch(() => {});
    await adapter.close().catch(() => {});
    throw explainDatabaseError(err, target);
  }
  // The embedded database belongs to this process alone, so it migrates itself;
  // a shared PostgreSQL is migrated by an explicit release step, never by whichever
  // server instance happens to start first. The cheap check first: the engine is
  // several megabytes of wasm and most starts have nothing to apply.
  if (target.kind === "pglite" && (await pendingMigrations((sql) => client.$queryRawUnsafe(sql))).length > 0) {
    await applyMigrations(target);
  }
  return {
    client,
    target,
    close: async () => {
      await client.$disconnect();
      await adapter.close();
    },
  };
}

function opened(): Promise<OpenDatabase> {
  if (!holder.__calsyncDb) {
    holder.__calsyncDb = open();
    // A failed open is not cached: the next caller tries again (the server may be back).
    holder.__calsyncDb.catch(() => {
      holder.__calsyncDb = undefined;
    });
  }
  return holder.__calsyncDb;
}

/**
 * The one Prisma client of the process. Await it; it opens the database on first
 * use and, on the embedded default, brings its schema up to date first (PostgreSQL
 * deployments run `npm run db:migrate` as a release step instead).
 */
export async function db(): Promise<Database> {
  return (await opened()).client;
}

export async function databaseTarget(): Promise<DatabaseTarget> {
  return (await opened()).target;
}

/** Closes the client (tests, CLI commands). The next `db()` opens a new one. */
export async function closeDb(): Promise<void> {
  const current = holder.__calsyncDb;
  holder.__calsyncDb = undefined;
  const open = await current?.catch(() => undefined);
  await open?.close();
}
