import { db } from "@/lib/db/client";
import { renewalPlan, renewExpiring, type RenewalPlanItem, type RenewOutcome } from "@/lib/subscriptions/lifecycle";
import { RENEWAL_MARGIN_MS } from "@/lib/subscriptions/schedule";
import { formatDuration, parseDuration, parseUuid } from "./args";
import { defineCommand, EXIT, parseOptions } from "./command";
import { commandSpec } from "./commands";
import { formatInstant, formatWhen, plural, shortId, table } from "./format";

export const usage = `Usage: npm run calsync -- refresh-subscriptions [--horizon 24h] [--dry-run] [--organization <id>]

Renews now every push subscription that expires within the horizon, the way the
hourly renewal job renews each one at its own time in the 24 hours before it
expires: Graph subscriptions are extended, Google channels are replaced by new
ones (the old one is stopped), suspect or expired ones are recreated, failed
registrations are registered again, and push is registered for synced calendars
of active connections that have none. Prints one row per subscription.

  --horizon <duration>  renew what expires within this time (default ${formatDuration(RENEWAL_MARGIN_MS)}); 30d, 24h, 90m
  --dry-run             print the plan only: nothing is changed here or at the provider
  --organization <id>   only this organization's subscriptions

Exit code: 0 when every renewal succeeded (or nothing was due), 1 when any failed
or on error, 64 on wrong arguments.`;

const planAction: Record<RenewalPlanItem["reason"], string> = {
  expiring: "would renew",
  expired: "would recreate",
  suspect: "would recreate",
  failed: "would register again",
};

interface Described {
  provider: string;
  externalId: string;
  account: string;
  expiresAt: Date | null;
}

export const command = defineCommand(commandSpec("refresh-subscriptions", usage), async (argv, io) => {
  const values = parseOptions(argv, {
    horizon: { type: "string" },
    "dry-run": { type: "boolean", default: false },
    organization: { type: "string" },
  });
  const marginMs = values.horizon === undefined ? RENEWAL_MARGIN_MS : parseDuration(values.horizon, "--horizon");
  const organizationId = values.organization === undefined ? undefined : parseUuid(values.organization, "--organization");
  const horizon = formatDuration(marginMs);
  const now = new Date();

  const plan = await renewalPlan({ now, marginMs, organizationId });
  const before = await describeSubscriptions(plan.map((item) => item.subscriptionId));
  const columns = [
    { header: "PROVIDER" },
    { header: "SUBSCRIPTION" },
    { header: "ACCOUNT" },
    { header: "EXPIRES" },
    { header: "REASON" },
    { header: "RESULT" },
  ];
  const cells = (subscriptionId: string, reason: string, result: string, fallback?: Partial<Described>) => {
    const known = before.get(subscriptionId) ?? fallback;
    return [known?.provider ?? "?", shortId(known?.externalId ?? subscriptionId), known?.account ?? "?", formatWhen(known?.expiresAt, now), reason, result];
  };

  if (values["dry-run"]) {
    if (plan.length === 0) {
      io.stdout.write(`Nothing to renew within ${horizon}.\n`);
      return EXIT.ok;
    }
    io.stdout.write(
      `${table(
        columns,
        plan.map((item) => cells(item.subscriptionId, item.reason, planAction[item.reason])),
      )}\n`,
    );
    io.stdout.write(`Dry run: ${plural(plan.length, "subscription")} would be renewed within ${horizon}; nothing was changed.\n`);
    return EXIT.ok;
  }

  if (plan.length > 0) io.stderr.write(`renewing ${plural(plan.length, "subscription")} expiring within ${horizon}…\n`);
  const started = Date.now();
  const outcomes = await renewExpiring({ now, marginMs, organizationId });
  const byId = new Map(outcomes.map((outcome) => [outcome.subscriptionId, outcome]));
  const planned = new Set(plan.map((item) => item.subscriptionId));
  // Registrations of missing push come back under ids the plan never had.
  const registered = outcomes.filter((outcome) => !planned.has(outcome.subscriptionId));
  // Read again: a replaced Google channel has a new external id worth showing.
  const after = await describeSubscriptions(outcomes.map((outcome) => outcome.subscriptionId));
  const renamed = (subscriptionId: string) => {
    const [old, now] = [before.get(subscriptionId)?.externalId, after.get(subscriptionId)?.externalId];
    return old && now && old !== now ? now : undefined;
  };

  const rows = [
    ...plan.map((item) => cells(item.subscriptionId, item.reason, resultText(byId.get(item.subscriptionId), item, renamed(item.subscriptionId)))),
    ...registered.map((outcome) => cells(outcome.subscriptionId, "no push", resultText(outcome), after.get(outcome.subscriptionId))),
  ];
  if (rows.length === 0) {
    io.stdout.write(`Nothing to renew within ${horizon}.\n`);
    return EXIT.ok;
  }
  io.stdout.write(`${table(columns, rows)}\n`);
  const failed = outcomes.filter((outcome) => outcome.action === "failed").length;
  const done = outcomes.filter((outcome) => outcome.action !== "failed" && outcome.action !== "skipped").length;
  io.stdout.write(
    `Renewed ${done} of ${plural(rows.length, "subscription")} within ${horizon}${failed > 0 ? `, ${failed} failed` : ""} (${((Date.now() - started) / 1000).toFixed(1)} s).\n`,
  );
  return failed > 0 ? EXIT.failed : EXIT.ok;
});

export const run = command.run;

function resultText(outcome: RenewOutcome | undefined, item?: RenewalPlanItem, newExternalId?: string): string {
  if (!outcome) {
    // The renewal pass stops a failed registration and registers afresh; that
    // registration appears as its own row.
    return item?.reason === "failed" ? "stopped; registered again below" : "not renewed";
  }
  const until = outcome.expiresAt ? ` until ${formatInstant(outcome.expiresAt)}` : "";
  switch (outcome.action) {
    case "failed":
      return `FAILED: ${outcome.error ?? "unknown error"}`;
    case "skipped":
      return `skipped: ${outcome.error ?? "nothing to do"}`;
    default:
      return `${outcome.action}${newExternalId ? ` by ${shortId(newExternalId)}` : ""}${until}`;
  }
}

/** Provider, external id, account and expiry of each subscription, read once. */
async function describeSubscriptions(ids: string[]): Promise<Map<string, Described>> {
  if (ids.length === 0) return new Map();
  const database = await db();
  const rows = await database.webhookSubscription.findMany({
    where: { id: { in: ids } },
    select: { id: true, provider: true, externalId: true, expiresAt: true, connection: { select: { accountEmail: true } } },
  });
  return new Map(
    rows.map((row) => [row.id, { provider: row.provider, externalId: row.externalId, account: row.connection.accountEmail, expiresAt: row.expiresAt }]),
  );
}
