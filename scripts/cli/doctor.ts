import { setupReport, type CheckStatus, type SetupReport } from "@/lib/setup/report";
import { defineCommand, EXIT, parseOptions } from "./command";
import { commandSpec } from "./commands";
import { keyValues } from "./format";

export const usage = `Usage: npm run calsync -- doctor [--json]

Checks every setting a deployment needs, with the environment this command runs
in: the database (reachable, migrated), ENCRYPTION_KEY and ENCRYPTION_KEYS_PREVIOUS,
the session secret, the public URL (https in production), the Google and Microsoft
OAuth clients, Inngest (keys, and its API if configured) and Redis (if REDIS_URL is
set). Then prints what to register with Google Cloud and Microsoft Entra: redirect
URIs, webhook URLs and scopes. Secret values are never printed, only their size.

  --json  the whole report as JSON on stdout

Exit code (like health-check):
  0  every check ok
  2  warnings only
  1  at least one failure
  64 wrong arguments`;

const EXIT_FOR: Record<CheckStatus, number> = { ok: EXIT.ok, warning: EXIT.degraded, failure: EXIT.failed };
const MARK: Record<CheckStatus, string> = { ok: "ok", warning: "WARN", failure: "FAIL" };

export const command = defineCommand(commandSpec("doctor", usage), async (argv, io) => {
  const values = parseOptions(argv, { json: { type: "boolean", default: false } });
  const report = await setupReport(io.env ?? process.env);
  io.stdout.write(values.json ? `${JSON.stringify(report, null, 2)}\n` : `${render(report)}\n`);
  return EXIT_FOR[report.status];
});

export const run = command.run;

export function render(report: SetupReport): string {
  const failures = report.checks.filter((check) => check.status === "failure").length;
  const warnings = report.checks.filter((check) => check.status === "warning").length;
  const summary =
    report.status === "ok" ? "every check passed" : [failures && `${failures} failed`, warnings && `${warnings} with warnings`].filter(Boolean).join(", ");
  const width = Math.max(...report.checks.map((check) => check.label.length));
  const lines = [`Setup: ${report.status.toUpperCase()}  (${summary})`, ""];
  for (const check of report.checks) {
    lines.push(`  ${MARK[check.status].padEnd(4)}  ${check.label.padEnd(width)}  ${check.detail}`);
    if (check.fix) lines.push(`  ${"".padEnd(4)}  ${"".padEnd(width)}  → ${check.fix}`);
  }
  for (const provider of report.registration) {
    lines.push(
      "",
      `${provider.name}${provider.configured ? "" : " (not configured)"}: ${provider.console}`,
      keyValues([
        ...provider.redirectUris.map((uri, index): [string, string] => [index === 0 ? "  redirect URIs" : "", uri]),
        ...provider.webhookUrls.map((url, index): [string, string] => [index === 0 ? "  webhook URLs" : "", url]),
        ["  scopes", provider.scopes.join(" ")],
      ]),
    );
  }
  return lines.join("\n");
}
