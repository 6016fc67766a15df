import type { Metadata } from "next";
import Link from "next/link";
import { connection } from "next/server";
import { checkSystemHealth } from "@/lib/health/system";
import { StandalonePage } from "@/components/status-page";
import { Badge } from "@/components/ui/badge";
import { Card } from "@/components/ui/card";

export const metadata: Metadata = { title: "System status" };

// "System status" for people: the same check as GET /api/health (which monitors
// keep reading as JSON), in sentences. Public, like the endpoint: it names no tenant data.
export default async function StatusPage() {
  await connection();
  const health = await checkSystemHealth();
  const ok = health.status === "ok";
  const { database } = health;
  const databaseKind = database.kind === "embedded" ? "Embedded (PGlite)" : "PostgreSQL";
  const rows: Array<{ label: string; value: string; good: boolean }> = [
    {
      label: "Database",
      value: `${databaseKind}, ${
        database.reachable
          ? `reachable${database.latencyMs !== undefined ? ` in ${database.latencyMs} ms` : ""}`
          : `not reachable${database.error ? `: ${database.error}` : ""}`
      }`,
      good: database.reachable,
    },
    {
      label: "Migrations",
      value: !database.reachable
        ? "Unknown while the database cannot be reached"
        : database.migrations.applied
          ? "All applied"
          : `Pending: ${database.migrations.pending.join(", ")}`,
      good: database.reachable && database.migrations.applied,
    },
    { label: "Background jobs", value: health.jobs.driver === "inngest" ? "Inngest" : "In this process (inline driver)", good: true },
  ];
  return (
    <StandalonePage>
      <main id="main" className="mx-auto w-full max-w-2xl flex-1 px-4 py-12 sm:px-6">
        <h1 className="text-2xl font-bold tracking-tight text-slate-900">System status</h1>
        <p className="mt-3 flex flex-wrap items-center gap-3 text-slate-700" data-testid="system-status" data-status={health.status}>
          <Badge tone={ok ? "success" : "danger"} dot>
            {ok ? "Operational" : "Unhealthy"}
          </Badge>
          {ok ? "calsync is up: its database is reachable and fully migrated." : "calsync cannot work normally right now. An administrator has to look at it."}
        </p>
        <Card className="mt-6">
          <dl className="divide-y divide-slate-100 text-sm">
            {rows.map((row) => (
              <div key={row.label} className="grid gap-1 px-4 py-3 sm:grid-cols-[10rem_minmax(0,1fr)] sm:gap-4">
                <dt className="font-medium text-slate-700">{row.label}</dt>
                <dd className={row.good ? "break-words text-slate-900" : "break-words font-medium text-red-800"}>{row.value}</dd>
              </div>
            ))}
          </dl>
        </Card>
        <p className="mt-4 text-sm text-slate-600">
          Checked {new Date(health.checkedAt).toUTCString()}. Monitors read the same check as JSON at{" "}
          <code className="rounded bg-slate-100 px-1 py-0.5 text-xs">/api/health</code> (200 when operational, 503 otherwise).
        </p>
        <Link href="/" className="mt-8 inline-block font-medium text-brand-700 underline-offset-2 hover:underline">
          Back to the home page
        </Link>
      </main>
    </StandalonePage>
  );
}
