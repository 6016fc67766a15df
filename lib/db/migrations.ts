import { randomUUID } from "node:crypto";
import fs from "node:fs/promises";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { createRequire } from "node:module";
import { bindMigrationAwareSqlAdapterFactory } from "@prisma/driver-adapter-utils";
import { closeSharedPglite, openAdapter } from "@/lib/db/adapter";
import { DatabaseUnavailableError, explainDatabaseError } from "@/lib/db/errors";
import { describeTarget, IN_MEMORY, type DatabaseTarget } from "@/lib/db/target";
import type { MigrationList, SchemaEngine } from "@prisma/schema-engine-wasm";

/**
 * Offline migrations. Prisma's native schema engine cannot be downloaded here, so
 * calsync drives Prisma's own wasm schema engine through a driver adapter. It keeps
 * the same `_prisma_migrations` bookkeeping as `prisma migrate deploy`, so either may
 * be used against the same database.
 */

// Run-time paths, never build inputs: without the ignores the build's file tracing
// turns these reads into globs over the project (test reports included).
export const MIGRATIONS_DIR = path.resolve(/*turbopackIgnore: true*/ process.cwd(), "prisma/migrations");
export const SCHEMA_PATH = path.resolve(/*turbopackIgnore: true*/ process.cwd(), "prisma/schema.prisma");

const noFilter = { externalTables: [], externalEnums: [] };

/** Reads prisma/migrations the way the Prisma CLI does (sorted by folder name). */
export async function loadMigrations(dir: string = MIGRATIONS_DIR): Promise<MigrationList> {
  const lockPath = "migration_lock.toml";
  // The build's file tracing cannot see which `dir` this is; next.config.ts ships
  // prisma/migrations to the server functions explicitly instead.
  const lockContent = await fs.readFile(/*turbopackIgnore: true*/ path.join(dir, lockPath), "utf8").catch(() => null);
  const entries = await fs.readdir(/*turbopackIgnore: true*/ dir, { withFileTypes: true }).catch(() => []);
  const migrationDirectories = await Promise.all(
    entries
      .filter((entry) => entry.isDirectory())
      .map(async (entry) => {
        const content = await fs
          .readFile(/*turbopackIgnore: true*/ path.join(dir, entry.name, "migration.sql"), "utf8")
          .then((value) => ({ tag: "ok" as const, value }))
          .catch((err: Error) => ({ tag: "error" as const, value: err.message }));
        return { path: entry.name, migrationFile: { path: "migration.sql", content } };
      }),
  );
  migrationDirectories.sort((a, b) => a.path.localeCompare(b.path));
  return {
    baseDir: dir,
    lockfile: { path: lockPath, content: lockContent },
    shadowDbInitScript: "",
    migrationDirectories,
  };
}

type EngineModule = typeof import("@prisma/schema-engine-wasm");
let engineModule: Promise<EngineModule> | undefined;

/**
 * The package's entry imports its .wasm as an ES module, which only bundlers
 * understand; Node needs the bytes instantiated by hand against the JS glue.
 * Resolved from the project root because bundled code has no real import.meta.url.
 */
function loadEngineModule(): Promise<EngineModule> {
  engineModule ??= (async () => {
    const require = createRequire(path.join(/*turbopackIgnore: true*/ process.cwd(), "package.json"));
    const gluePath = require.resolve("@prisma/schema-engine-wasm/schema_engine_bg");
    // Ignored by the bundler: Next.js must load the engine from node_modules as is.
    const glue = (await import(/* webpackIgnore: true */ /* turbopackIgnore: true */ pathToFileURL(gluePath).href)) as EngineModule & {
      __wbg_set_wasm(exports: WebAssembly.Exports): void;
    };
    const bytes = await fs.readFile(/*turbopackIgnore: true*/ path.join(path.dirname(gluePath), "schema_engine_bg.wasm"));
    const { instance } = await WebAssembly.instantiate(bytes, { "./schema_engine_bg.js": glue as unknown as WebAssembly.ModuleImports });
    glue.__wbg_set_wasm(instance.exports);
    (instance.exports.__wbindgen_start as () => void)();
    return glue;
  })();
  return engineModule;
}

async function withEngine<T>(target: DatabaseTarget, fn: (engine: SchemaEngine) => Promise<T>): Promise<T> {
  const { SchemaEngine } = await loadEngineModule();
  const schema = await fs.readFile(/*turbopackIgnore: true*/ SCHEMA_PATH, "utf8");
  // One connection: the engine takes a session-level advisory lock and then expects
  // its next statements on the same session (a second connection waits 10 s for it).
  const adapter = await openAdapter(target, { poolSize: 1 });
  let engine: SchemaEngine | undefined;
  try {
    engine = await SchemaEngine.new(
      { datamodels: [[SCHEMA_PATH, schema]] },
      // The engine logs JSON lines; they are noise for people running migrations.
      () => {},
      bindMigrationAwareSqlAdapterFactory(adapter.factory),
    );
    return await fn(engine);
  } finally {
    engine?.free();
    await adapter.close();
  }
}

/** An engine failure, with the engine's JSON error unwrapped into a readable line. */
export class MigrationError extends Error {
  override readonly name = "MigrationError";
  constructor(
    message: string,
    readonly errorCode?: string,
    readonly failedMigration?: string,
  ) {
    super(message);
  }
}

/** The engine's message without its Rust span trace ("   0: some::module ..."). */
function engineMessage(err: Error): string {
  const lines = err.message.split("\n");
  const traceStart = lines.findIndex((line) => /^\s+\d+: /.test(line));
  return (traceStart === -1 ? lines : lines.slice(0, traceStart))
    .map((line) => line.trim())
    .filter((line) => line && line !== "external connector error")
    .join(" ");
}

function failedMigrationName(err: Error): string | undefined {
  return /migration_name="([^"]+)"/.exec(err.message)?.[1] ?? /The `([^`]+)` migration/.exec(err.message)?.[1];
}

function rethrow(err: unknown, target: DatabaseTarget): never {
  const explained = explainDatabaseError(err, target);
  if (explained.isConnectionProblem) throw explained;
  if (!(err instanceof Error)) throw err;
  const message = engineMessage(err);
  if (/Can't reach database server/i.test(message)) {
    const reason = "no server accepts connections there (is it running?)";
    throw new DatabaseUnavailableError(`Cannot reach ${describeTarget(target)}: ${reason}`, err, true, reason);
  }
  if (/Database `.*` does not exist|authentication failed/i.test(message)) {
    throw new DatabaseUnavailableError(`Cannot reach ${describeTarget(target)}: ${message}`, err, true, message);
  }
  const code = (err as Error & { code?: string }).code;
  const failed = failedMigrationName(err);
  if (failed) {
    const what =
      code === "P3009"
        ? `Migration ${failed} failed earlier and is still marked failed, so no migration was applied.`
        : `Migration ${failed} failed: ${message}`;
    throw new MigrationError(
      `${what}\n` +
        `Prisma recorded it as failed in _prisma_migrations. Repair the database by hand (or fix the migration if it has run nowhere else), then tell calsync how it ended:\n` +
        `  npm run db:migrate -- --rolled-back ${failed}   # its changes are undone; apply it again\n` +
        `  npm run db:migrate -- --applied ${failed}       # you completed it by hand`,
      code,
      failed,
    );
  }
  throw new MigrationError(message || err.message, code);
}

/**
 * Names of migrations in the directory that the database has not finished applying,
 * read with one query so that callers (start-up, health) need not load the engine.
 */
export async function pendingMigrations(query: (sql: string) => Promise<{ migration_name: string }[]>, dir: string = MIGRATIONS_DIR): Promise<string[]> {
  // Folder names only: this runs on every health check, the SQL is not needed.
  // (Traced through next.config.ts, as in loadMigrations.)
  const entries = await fs.readdir(/*turbopackIgnore: true*/ dir, { withFileTypes: true }).catch(() => []);
  const names = entries
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort((a, b) => a.localeCompare(b));
  let applied: Set<string>;
  try {
    const rows = await query(`SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL`);
    applied = new Set(rows.map((row) => row.migration_name));
  } catch (err) {
    // A database that never saw a migration has no bookkeeping table yet.
    if (/_prisma_migrations|42P01|does not exist/i.test(String((err as Error).message ?? err))) applied = new Set();
    else throw err;
  }
  return names.filter((name) => !applied.has(name));
}

/** Applies every pending migration; returns the names applied. */
export async function applyMigrations(target: DatabaseTarget, dir: string = MIGRATIONS_DIR): Promise<string[]> {
  const migrationsList = await loadMigrations(dir);
  try {
    return await withEngine(target, async (engine) => {
      const { appliedMigrationNames } = await engine.applyMigrations({ migrationsList, filters: noFilter });
      return appliedMigrationNames;
    });
  } catch (err) {
    rethrow(err, target);
  }
}

/** Marks a failed migration as rolled back (it will be applied again) or as applied. */
export async function resolveMigration(target: DatabaseTarget, name: string, as: "rolled-back" | "applied", dir: string = MIGRATIONS_DIR): Promise<void> {
  const migrationsList = await loadMigrations(dir);
  try {
    await withEngine(target, async (engine) => {
      if (as === "rolled-back") await engine.markMigrationRolledBack({ migrationName: name });
      else await engine.markMigrationApplied({ migrationName: name, migrationsList });
    });
  } catch (err) {
    rethrow(err, target);
  }
}

/**
 * The SQL that takes a database built from the migrations to what schema.prisma
 * describes, or null when they agree. Replays the migrations in a throwaway
 * in-memory PGlite shadow database, so it needs no server.
 */
export async function diffMigrationsToSchema(dir: string = MIGRATIONS_DIR): Promise<string | null> {
  const migrationsList = await loadMigrations(dir);
  const schema = await fs.readFile(/*turbopackIgnore: true*/ SCHEMA_PATH, "utf8");
  // A private in-memory database: the diff must not depend on, or touch, any real one.
  const target: DatabaseTarget = { kind: "pglite", dataDir: `${IN_MEMORY}diff-${randomUUID()}` };
  try {
    return await withEngine(target, async (engine) => {
      const result = await engine.diff({
        // The engine needs migration_lock.toml to read a migrations directory;
        // with no migrations yet, the starting point is simply nothing.
        from: migrationsList.migrationDirectories.length === 0 ? { tag: "empty" } : { tag: "migrations", ...migrationsList },
        to: { tag: "schemaDatamodel", files: [{ path: SCHEMA_PATH, content: schema }] },
        script: true,
        exitCode: true,
        filters: noFilter,
      });
      const sql = result.stdout?.trim() ?? "";
      // An empty diff script is a single comment line.
      return result.exitCode === 0 || sql === "" || /^-- This is an empty migration\.?$/.test(sql) ? null : `${sql}\n`;
    });
  } catch (err) {
    rethrow(err, target);
  } finally {
    await closeSharedPglite(target.dataDir);
  }
}

/** Writes `prisma/migrations/<timestamp>_<name>/migration.sql` (and the lock file). */
export async function writeMigration(name: string, sql: string, dir: string = MIGRATIONS_DIR, now = new Date()): Promise<string> {
  const slug = name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "");
  if (!slug) throw new MigrationError(`"${name}" is not a usable migration name: use letters, digits and underscores.`);
  const stamp = now.toISOString().replace(/[-:T]/g, "").slice(0, 14);
  // Ignored by the build's file tracing, which would otherwise read this as a glob
  // over every `*_*` file in the project (test reports included).
  const folder = path.join(/*turbopackIgnore: true*/ dir, `${stamp}_${slug}`);
  await fs.mkdir(folder, { recursive: true });
  await fs.writeFile(path.join(folder, "migration.sql"), sql);
  const lock = path.join(dir, "migration_lock.toml");
  await fs
    .access(lock)
    .catch(() =>
      fs.writeFile(lock, '# Please do not edit this file manually\n# It should be added in your version-control system (e.g., Git)\nprovider = "postgresql"\n'),
    );
  return folder;
}
