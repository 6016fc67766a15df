import fs from "node:fs";
import type { PGlite } from "@electric-sql/pglite";
import type { SqlDriverAdapter, SqlMigrationAwareDriverAdapterFactory } from "@prisma/driver-adapter-utils";
import { DatabaseUnavailableError } from "@/lib/db/errors";
import { isInMemory, type DatabaseTarget } from "@/lib/db/target";

/**
 * The one place that turns a DatabaseTarget into a Prisma driver adapter factory.
 * The query client and the migration engine both use it, so they always mean the
 * same database.
 */
export interface OpenedAdapter {
  factory: SqlMigrationAwareDriverAdapterFactory;
  /** Releases what this opening holds (a shared embedded database stays open). */
  close(): Promise<void>;
}

// PGlite is one process's exclusive database: a data directory must be opened once
// per process and shared by the client and the migration engine. Kept on globalThis
// so Next.js hot reloads reuse it instead of opening the directory twice.
const shared = globalThis as unknown as { __calsyncPglite?: Map<string, Promise<PGlite>> };
const openDatabases = (shared.__calsyncPglite ??= new Map());

/**
 * The embedded database's packages are loaded at run time, out of the build's sight
 * (the ignore comments): production runs on DATABASE_URL, and PGlite's 20 MB engine
 * has no place in every server function. Locally they load from node_modules as
 * usual; a serverless deployment without DATABASE_URL gets this explanation.
 */
async function embedded<T>(load: () => Promise<T>, name: string): Promise<T> {
  try {
    return await load();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== "ERR_MODULE_NOT_FOUND" && code !== "MODULE_NOT_FOUND") throw err;
    const reason = "DATABASE_URL is not set and this build has no embedded database";
    throw new DatabaseUnavailableError(`${reason} (${name} is not deployed): set DATABASE_URL`, err, false, reason);
  }
}

async function openPglite(dataDir: string): Promise<PGlite> {
  const { PGlite } = await embedded(() => import(/* webpackIgnore: true */ /* turbopackIgnore: true */ "@electric-sql/pglite"), "@electric-sql/pglite");
  if (!isInMemory(dataDir)) fs.mkdirSync(dataDir, { recursive: true });
  const db = new PGlite(isInMemory(dataDir) ? undefined : dataDir);
  await db.waitReady;
  return db;
}

/**
 * The process-wide embedded database for a data directory. An in-memory one
 * (`memory://<name>`) is shared within the process by name, so a test file's
 * client and its migrations see one database.
 */
export function sharedPglite(dataDir: string): Promise<PGlite> {
  let db = openDatabases.get(dataDir);
  if (!db) {
    db = openPglite(dataDir);
    openDatabases.set(dataDir, db);
    db.catch(() => openDatabases.delete(dataDir));
  }
  return db;
}

export async function closeSharedPglite(dataDir: string): Promise<void> {
  const db = openDatabases.get(dataDir);
  openDatabases.delete(dataDir);
  const opened = await db?.catch(() => undefined);
  if (opened && !opened.closed) await opened.close();
}

export async function openAdapter(target: DatabaseTarget, options: { poolSize?: number } = {}): Promise<OpenedAdapter> {
  if (target.kind === "postgres") {
    const [{ PrismaPg }, { default: pg }] = await Promise.all([import("@prisma/adapter-pg"), import("pg")]);
    // Our pool, not the adapter's, so that closing is explicit: the migration engine
    // holds a session-level advisory lock until its connection really ends, and a
    // lingering idle connection would make the next migration wait for it.
    const pool = new pg.Pool({ connectionString: target.url, max: options.poolSize ?? 10, connectionTimeoutMillis: 5_000 });
    // An idle client that errors (server restart) must not crash the process.
    pool.on("error", () => {});
    // One simple query per script (pg sends it as is), not the adapter's split on ";",
    // which cuts a function body (the change log's triggers) apart.
    const factory = wholeScripts(new PrismaPg(pool), (adapter, script) =>
      (adapter as unknown as { client: { query(sql: string): Promise<unknown> } }).client.query(script),
    );
    return { factory, close: () => pool.end() };
  }
  const { PrismaPGlite } = await embedded(() => import(/* webpackIgnore: true */ /* turbopackIgnore: true */ "pglite-prisma-adapter"), "pglite-prisma-adapter");
  const db = await sharedPglite(target.dataDir);
  return {
    factory: wholeScripts(new PrismaPGlite(db), (adapter, script) => (adapter as unknown as { client: PGlite }).client.exec(script)),
    close: async () => {},
  };
}

type ScriptAdapter = SqlDriverAdapter & { onError?(error: unknown): never };

/**
 * Every migration script runs through the adapter's `executeScript`, and neither
 * adapter runs one as written: pglite-prisma-adapter 0.7 starts it without awaiting
 * it (a failing script reports success, its error surfacing later as an unhandled
 * rejection), and @prisma/adapter-pg splits it on every ";". So each adapter handed
 * out runs the whole script with `run`, waits, and rethrows.
 */
function wholeScripts(
  factory: SqlMigrationAwareDriverAdapterFactory,
  run: (adapter: SqlDriverAdapter, script: string) => Promise<unknown>,
): SqlMigrationAwareDriverAdapterFactory {
  const fix = (adapter: SqlDriverAdapter): SqlDriverAdapter => {
    const scriptAdapter = adapter as ScriptAdapter;
    scriptAdapter.executeScript = async (script: string) => {
      try {
        await run(adapter, script);
      } catch (error) {
        // Converts PostgreSQL errors to the DriverAdapterError the engine expects.
        if (scriptAdapter.onError) scriptAdapter.onError(error);
        throw error;
      }
    };
    return adapter;
  };
  return {
    provider: factory.provider,
    adapterName: factory.adapterName,
    connect: async () => fix(await factory.connect()),
    connectToShadowDb: async () => fix(await factory.connectToShadowDb()),
  };
}

/**
 * Makes an already-open embedded database the one a data directory name resolves
 * to. Tests use it to start each file from a pre-migrated snapshot.
 */
export function adoptPglite(dataDir: string, database: PGlite): void {
  openDatabases.set(dataDir, Promise.resolve(database));
}
