import { describeTarget, resolveDatabaseTarget } from "@/lib/db/target";
import { healthReport, type HealthReport, type HealthStatus } from "@/lib/health/organization";
import { checkSystemHealth, type SystemHealth } from "@/lib/health/system";
import { parseUuid } from "./args";
import { defineCommand, EXIT, parseOptions } from "./command";
import { commandSpec } from "./commands";
import { formatMs, formatWhen, keyValues, table } from "./format";

export const usage = `Usage: npm run calsync -- health-check [--json] [--organization <id>]

Checks the database, then push and sync across the installation (or one
organization): expired or expiring subscriptions, suspect ones, failing renewals
and syncs, failed and dead webhook events, connections to reconnect; and how
many stored secrets are still sealed with a retired encryption key (reseal).

  --json               the whole report as JSON on stdout (for monitoring)
  --organization <id>  one organization only

Exit code (for monitoring):
  0  ok
  2  degraded: something needs a person soon (push expiring within 24 h, suspect
     subscriptions, failing renewals, syncs or events)
  1  unhealthy: notifications have stopped or cannot be acted on (push expired on
     an active connection, a connection to reconnect, dead events, the database
     unreachable or not migrated), or the check itself failed
  64 wrong arguments`;

const EXIT_FOR: Record<HealthStatus, number> = { ok: EXIT.ok, degraded: EXIT.degraded, unhealthy: EXIT.failed };

export const command = defineCommand(commandSpec("health-check", usage), async (argv, io) => {
  const values = parseOptions(argv, { json: { type: "boolean", default: false }, organization: { type: "string" } });
  const organizationId = values.organization === undefined ? undefined : parseUuid(values.organization, "--organization");

  // The database first: a report needs it, and "unreachable" or "not migrated"
  // is itself the answer a monitor wants, in the same shape as any other.
  const system = await checkSystemHealth();
  const databaseProblem = problemOf(system);
  if (databaseProblem) {
    if (values.json) io.stdout.write(`${JSON.stringify({ status: "unhealthy", problems: [databaseProblem], database: system.database }, null, 2)}\n`);
    else io.stdout.write(`Status: UNHEALTHY\n\nProblems:\n  - ${databaseProblem}\n`);
    return EXIT.failed;
  }

  const report = await healthReport({ organizationId });
  if (values.json) io.stdout.write(`${JSON.stringify({ ...report, database: system.database, encryption: system.encryption }, null, 2)}\n`);
  else io.stdout.write(`${render(report, system, new Date(report.generatedAt))}\n`);
  return EXIT_FOR[report.status];
});

export const run = command.run;

function problemOf(system: SystemHealth): string | null {
  const where = describeTarget(resolveDatabaseTarget());
  if (!system.database.reachable) return `cannot reach ${where}: ${system.database.error ?? "unknown cause"}`;
  if (!system.database.migrations.applied)
    return `${where} is not migrated (pending: ${system.database.migrations.pending.join(", ")}); run npm run db:migrate`;
  return null;
}

function retiredKeys(system: SystemHealth): string {
  const sealed = system.encryption;
  if (!sealed) return "-";
  if (sealed.retiredKeyValues === 0) return "0";
  const unknown = sealed.unknownKeyValues > 0 ? `, ${sealed.unknownKeyValues} under a key no longer configured` : "";
  return `${sealed.retiredKeyValues}${unknown} (npm run calsync -- reseal)`;
}

export function render(report: HealthReport, system: SystemHealth, now: Date): string {
  const when = (iso: string | null) => formatWhen(iso ? new Date(iso) : null, now);
  const rate = (value: number | null) => (value === null ? "-" : `${(value * 100).toFixed(1)}%`);
  const latency = (ms: number | null) => (ms === null ? "-" : formatMs(ms));
  const scope = report.organizationId ? `organization ${report.organizationId}` : "whole installation";
  const lines = [
    `Status: ${report.status.toUpperCase()}  (${scope}, ${describeTarget(resolveDatabaseTarget())}${system.database.latencyMs !== undefined ? `, ${system.database.latencyMs} ms` : ""})`,
    "",
    report.problems.length === 0 ? "No problems." : `Problems:\n${report.problems.map((problem) => `  - ${problem}`).join("\n")}`,
    "",
    keyValues([
      ["last notification", when(report.lastNotificationAt)],
      ["last successful sync", when(report.lastSuccessfulSyncAt)],
      ["next push expiry", when(report.expiryHorizon)],
      [
        "notifications (24 h)",
        report.notifications24h === 0
          ? "none"
          : `${report.notifications24h}, ${rate(report.successRate)} processed, latency p50 ${latency(report.latency.p50Ms)}, p95 ${latency(report.latency.p95Ms)}`,
      ],
      ["failed / dead events", `${report.failures.failedEvents} / ${report.failures.deadEvents}`],
      ["failed sync runs (24 h)", String(report.failures.failedRuns24h)],
      ["suspect subscriptions", String(report.suspectSubscriptions)],
      ["sealed with a retired key", retiredKeys(system)],
    ]),
  ];
  if (report.connections.length > 0) {
    lines.push(
      "",
      table(
        [
          { header: "PROVIDER" },
          { header: "ACCOUNT" },
          { header: "STATUS" },
          { header: "LAST SYNC" },
          { header: "NEXT EXPIRY" },
          { header: "EVENTS 24H", align: "right" },
          { header: "FAILED/DEAD", align: "right" },
        ],
        report.connections.map((connection) => [
          connection.provider,
          connection.accountEmail,
          connection.status,
          when(connection.lastSuccessfulSyncAt),
          when(connection.expiryHorizon),
          String(connection.notifications24h),
          `${connection.failures.failedEvents}/${connection.failures.deadEvents}`,
        ]),
      ),
    );
  }
  return lines.join("\n");
}
