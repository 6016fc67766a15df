import path from "node:path";
import { dataDir, type Env } from "@/lib/config";

/**
 * Which database calsync talks to. Decided once, from the environment:
 * - `DATABASE_URL` set: that PostgreSQL server, through @prisma/adapter-pg;
 * - otherwise: embedded PGlite stored under `.data/pglite` (survives restarts), or
 *   wherever `PGLITE_DATA_DIR` says (`memory://` keeps it in memory: tests).
 */
export type DatabaseTarget = { kind: "postgres"; url: string } | { kind: "pglite"; dataDir: string };

export const IN_MEMORY = "memory://";

export function isInMemory(dataDir: string): boolean {
  return dataDir.startsWith(IN_MEMORY);
}

export function resolveDatabaseTarget(env: Env = process.env): DatabaseTarget {
  const url = env.DATABASE_URL?.trim();
  if (url) return { kind: "postgres", url };
  const dir = env.PGLITE_DATA_DIR?.trim();
  if (dir && isInMemory(dir)) return { kind: "pglite", dataDir: dir };
  // Run-time state (see dataDir): not for the build's file tracing to follow.
  return { kind: "pglite", dataDir: path.resolve(/*turbopackIgnore: true*/ dir || path.join(dataDir(env), "pglite")) };
}

/** A description safe for logs and health output: never the password. */
export function describeTarget(target: DatabaseTarget): string {
  if (target.kind === "pglite") {
    return isInMemory(target.dataDir) ? "embedded PGlite (in memory)" : `embedded PGlite at ${target.dataDir}`;
  }
  const where = postgresLocation(target.url);
  return `PostgreSQL at ${where.host}:${where.port}/${where.database}`;
}

export function postgresLocation(url: string): { host: string; port: string; database: string } {
  try {
    const u = new URL(url);
    return {
      host: u.hostname || "localhost",
      port: u.port || "5432",
      database: decodeURIComponent(u.pathname.replace(/^\//, "")) || "postgres",
    };
  } catch {
    return { host: "(unparseable DATABASE_URL)", port: "?", database: "?" };
  }
}
