import { db } from "@/lib/db/client";
import { syncCalendar, type SyncOutcome } from "@/lib/sync/engine";
import { parseUuid } from "./args";
import { CliError, defineCommand, EXIT, oneLine, parseOptions, UsageError } from "./command";
import { commandSpec } from "./commands";
import { formatMs, plural, shortId, table, truncate } from "./format";
import { errorMessage } from "@/lib/format";

export const usage = `Usage: npm run calsync -- resync (--calendar <id> | --connection <id>) [--full]

Syncs calendars now, in this process (not through the job queue), and prints
what each sync changed. Incremental from the stored cursor unless --full.

  --calendar <id>    one calendar (our id, as in the admin pages)
  --connection <id>  every calendar of the connection that has sync turned on
  --full             a full sync: everything listed again, what is gone deleted

Exit code: 0 when every calendar synced, 1 when any failed or was skipped (sync
off, connection not active) or on error, 64 on wrong arguments.`;

interface Target {
  id: string;
  organizationId: string;
  name: string;
  account: string;
}

export const command = defineCommand(commandSpec("resync", usage), async (argv, io) => {
  const values = parseOptions(argv, {
    calendar: { type: "string" },
    connection: { type: "string" },
    full: { type: "boolean", default: false },
  });
  if ((values.calendar === undefined) === (values.connection === undefined)) throw new UsageError("give either --calendar or --connection");
  const calendars =
    values.calendar !== undefined
      ? await oneCalendar(parseUuid(values.calendar, "--calendar"))
      : await connectionCalendars(parseUuid(values.connection!, "--connection"));
  const mode = values.full ? "full" : undefined;

  const rows: string[][] = [];
  let failures = 0;
  for (const [index, calendar] of calendars.entries()) {
    if (calendars.length > 1) io.stderr.write(`[${index + 1}/${calendars.length}] syncing ${calendar.name}…\n`);
    let outcome: SyncOutcome | undefined;
    let error: string | undefined;
    try {
      outcome = await syncCalendar({ organizationId: calendar.organizationId, calendarId: calendar.id, trigger: "manual", mode });
    } catch (err) {
      // One calendar's provider failure does not stop the others.
      error = oneLine(errorMessage(err));
    }
    if (outcome?.status !== "succeeded") failures += 1;
    rows.push(row(calendar, outcome, error));
  }

  io.stdout.write(
    `${table(
      [
        { header: "CALENDAR" },
        { header: "ID" },
        { header: "ACCOUNT" },
        { header: "MODE" },
        { header: "CREATED", align: "right" },
        { header: "UPDATED", align: "right" },
        { header: "DELETED", align: "right" },
        { header: "PAGES", align: "right" },
        { header: "TIME", align: "right" },
        { header: "RESULT" },
      ],
      rows,
    )}\n`,
  );
  if (failures > 0) {
    io.stderr.write(`error: ${plural(failures, "calendar")} of ${calendars.length} not synced\n`);
    return EXIT.failed;
  }
  return EXIT.ok;
});

export const run = command.run;

function row(calendar: Target, outcome: SyncOutcome | undefined, error: string | undefined): string[] {
  const counts = outcome?.status === "succeeded" ? [outcome.created, outcome.updated, outcome.deleted, outcome.pages].map(String) : ["-", "-", "-", "-"];
  const result = error ? `FAILED: ${truncate(error, 200)}` : outcome?.status === "succeeded" ? "synced" : `skipped: ${outcome?.reason ?? "unknown"}`;
  return [calendar.name, shortId(calendar.id), calendar.account, outcome?.mode ?? "-", ...counts, outcome ? formatMs(outcome.durationMs) : "-", result];
}

async function oneCalendar(calendarId: string): Promise<Target[]> {
  const database = await db();
  const calendar = await database.calendar.findUnique({ where: { id: calendarId }, select: targetFields });
  if (!calendar) throw new CliError(`no calendar has the id ${calendarId}`);
  return [asTarget(calendar)];
}

async function connectionCalendars(connectionId: string): Promise<Target[]> {
  const database = await db();
  const connection = await database.calendarConnection.findUnique({
    where: { id: connectionId },
    select: {
      accountEmail: true,
      status: true,
      calendars: { where: { syncEnabled: true }, select: targetFields, orderBy: [{ isPrimary: "desc" }, { name: "asc" }] },
    },
  });
  if (!connection) throw new CliError(`no connection has the id ${connectionId}`);
  if (connection.calendars.length === 0) throw new CliError(`connection ${connectionId} (${connection.accountEmail}) has no calendar with sync turned on`);
  return connection.calendars.map(asTarget);
}

const targetFields = { id: true, organizationId: true, name: true, connection: { select: { accountEmail: true } } } as const;

function asTarget(calendar: { id: string; organizationId: string; name: string; connection: { accountEmail: string } }): Target {
  return { id: calendar.id, organizationId: calendar.organizationId, name: calendar.name, account: calendar.connection.accountEmail };
}
