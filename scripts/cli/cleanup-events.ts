import { db } from "@/lib/db/client";
import { webhookMaxAttempts } from "@/lib/webhooks/processing";
import { DEFAULT_PURGE_BATCH_SIZE, purgeWebhookEvents } from "@/lib/webhooks/retention";
import { formatDuration, parseDuration, parsePositiveInt, parseUuid, required } from "./args";
import { defineCommand, EXIT, parseOptions } from "./command";
import { commandSpec } from "./commands";
import { formatInstant, plural } from "./format";
import { progress } from "./progress";

const DEFAULT_BATCH = DEFAULT_PURGE_BATCH_SIZE;
const MAX_BATCH = 100_000;

export const usage = `Usage: npm run calsync -- cleanup-events --older-than <duration> [--batch-size ${DEFAULT_BATCH}] [--dry-run] [--organization <id>]

Deletes stored webhook notifications (webhook_events) received longer ago than
the given time, in batches (each its own short statement, so the webhook routes
keep writing meanwhile), with progress on stderr. Failed events still due a
retry are kept whatever their age: their row is the only record that a sync is
owed. The daily cleanup job does the same with WEBHOOK_RETENTION_DAYS.

  --older-than <duration>  delete what was received before now minus this; 30d, 24h, 90m
  --batch-size <N>         rows per batch (default ${DEFAULT_BATCH}, at most ${MAX_BATCH})
  --dry-run                count what would be deleted; delete nothing
  --organization <id>      only this organization's events

Exit code: 0 on success, 1 on error, 64 on wrong arguments.`;

export const command = defineCommand(commandSpec("cleanup-events", usage), async (argv, io) => {
  const values = parseOptions(argv, {
    "older-than": { type: "string" },
    "batch-size": { type: "string" },
    "dry-run": { type: "boolean", default: false },
    organization: { type: "string" },
  });
  const ageMs = parseDuration(required(values["older-than"], "--older-than"), "--older-than");
  const batchSize = values["batch-size"] === undefined ? DEFAULT_BATCH : parsePositiveInt(values["batch-size"], "--batch-size", MAX_BATCH);
  const organizationId = values.organization === undefined ? undefined : parseUuid(values.organization, "--organization");
  const olderThan = new Date(Date.now() - ageMs);
  const scope = `received before ${formatInstant(olderThan)} (older than ${formatDuration(ageMs)})${organizationId ? ` in organization ${organizationId}` : ""}`;

  const database = await db();
  // Counted first: the dry run's answer, and the total the progress bar runs to.
  // The same rule as purgeWebhookEvents: old, unless failed and still due a retry.
  const old = { receivedAt: { lt: olderThan }, ...(organizationId ? { organizationId } : {}) };
  const retrying = { status: "failed" as const, attempts: { lt: webhookMaxAttempts() } };
  const [due, kept] = await Promise.all([
    database.webhookEvent.count({ where: { ...old, NOT: retrying } }),
    database.webhookEvent.count({ where: { ...old, ...retrying } }),
  ]);
  const keptNote = kept > 0 ? ` ${plural(kept, "failed event")} still due a retry ${kept === 1 ? "is" : "are"} kept.` : "";
  if (values["dry-run"]) {
    io.stdout.write(`Dry run: ${plural(due, "webhook event")} ${scope} would be deleted in batches of ${batchSize}; nothing was deleted.${keptNote}\n`);
    return EXIT.ok;
  }
  if (due === 0) {
    io.stdout.write(`No webhook events to delete ${scope}.${keptNote}\n`);
    return EXIT.ok;
  }

  const started = Date.now();
  const bar = progress(io.stderr, "deleting", { total: due });
  let result: Awaited<ReturnType<typeof purgeWebhookEvents>>;
  try {
    result = await purgeWebhookEvents({ olderThan, batchSize, organizationId, onProgress: (deleted) => bar.update(deleted) });
  } finally {
    bar.finish();
  }
  const seconds = (Date.now() - started) / 1000;
  io.stdout.write(
    `Deleted ${plural(result.deleted, "webhook event")} ${scope} in ${plural(result.batches, "batch", "batches")} (${seconds.toFixed(1)} s).${keptNote}\n`,
  );
  return EXIT.ok;
});

export const run = command.run;
