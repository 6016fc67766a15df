import { databaseTarget, db } from "@/lib/db/client";
import { DatabaseUnavailableError, explainDatabaseError } from "@/lib/db/errors";
import { pendingMigrations } from "@/lib/db/migrations";
import { countRetiredKeyValues } from "@/lib/db/reseal";
import { resolveDatabaseTarget } from "@/lib/db/target";
import { jobDriverName, type JobDriverName } from "@/lib/jobs/driver";

/** What GET /api/health reports. Safe to show anyone: no hosts, no credentials. */
export interface SystemHealth {
  status: "ok" | "unhealthy";
  database: {
    kind: "embedded" | "postgresql";
    reachable: boolean;
    migrations: { applied: boolean; pending: string[] };
    latencyMs?: number;
    error?: string;
  };
  jobs: { driver: JobDriverName };
  /**
   * Stored secrets sealed with a key other than ENCRYPTION_KEY (`calsync reseal`
   * re-seals them; at 0 the retired keys can leave ENCRYPTION_KEYS_PREVIOUS), and
   * of those, how many no configured key opens. Absent when the database is not reachable.
   */
  encryption?: { retiredKeyValues: number; unknownKeyValues: number };
  checkedAt: string;
}

export async function checkSystemHealth(): Promise<SystemHealth> {
  const configured = resolveDatabaseTarget();
  const kind = configured.kind === "pglite" ? "embedded" : "postgresql";
  const jobs = { driver: jobDriverName() };
  const checkedAt = new Date().toISOString();
  const started = performance.now();
  try {
    const client = await db();
    const pending = await pendingMigrations((sql) => client.$queryRawUnsafe(sql));
    const latencyMs = Math.round(performance.now() - started);
    const applied = pending.length === 0;
    const sealed = applied ? await countRetiredKeyValues() : null;
    return {
      status: applied ? "ok" : "unhealthy",
      database: { kind, reachable: true, migrations: { applied, pending }, latencyMs },
      jobs,
      ...(sealed ? { encryption: { retiredKeyValues: sealed.retired, unknownKeyValues: sealed.unknownKey } } : {}),
      checkedAt,
    };
  } catch (err) {
    const explained = err instanceof DatabaseUnavailableError ? err : explainDatabaseError(err, await databaseTarget().catch(() => configured));
    return {
      status: "unhealthy",
      // The cause only ("connection refused"), not where: health is public.
      database: { kind, reachable: false, migrations: { applied: false, pending: [] }, error: explained.reason },
      jobs,
      checkedAt,
    };
  }
}
