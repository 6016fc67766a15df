import { envNumber, type Env } from "@/lib/config";
import { db, type Database } from "@/lib/db/client";
import type { ApiChange, ChangesPage, ChangeType } from "@/lib/api/v1/schemas";
import { gone } from "@/lib/http/errors";
import type { HandlerResult } from "@/lib/jobs/catalog";
import { calendarFromRow, connectionFromRow, eventFromRow, fieldNames, meetingFromView } from "./resources";

// The change log: read side. The rows are written by the triggers of the migration
// "change_log", in the transaction of the write they describe (CONTRIBUTING.md,
// "Change log"): this module reads them in seq order, waits for new ones (long
// poll) and prunes them after the retention period.

export interface ChangeRow {
  seq: bigint;
  type: string;
  resource_id: string;
  calendar_id: string | null;
  changed_fields: string[] | null;
  resource: Record<string, unknown>;
  occurred_at: Date;
}

/** A stored change as /api/v1 and the outbound webhooks show it. */
export function toApiChange(row: ChangeRow): ApiChange {
  const type = row.type as ChangeType;
  const kind = type.split(".")[0];
  return {
    cursor: row.seq.toString(),
    type,
    occurredAt: row.occurred_at.toISOString(),
    resourceId: row.resource_id,
    calendarId: row.calendar_id,
    changedFields: fieldNames(row.changed_fields ?? []),
    event: kind === "event" ? eventFromRow(row.resource) : null,
    meeting: kind === "meeting" ? meetingFromView(row.resource) : null,
    calendar: kind === "calendar" ? calendarFromRow(row.resource) : null,
    connection: kind === "connection" ? connectionFromRow(row.resource) : null,
  };
}

export const CHANGE_COLUMNS = `seq, type, resource_id, calendar_id, changed_fields, resource, occurred_at`;

/** Changes of one organization after `after`, oldest first. */
export async function changesAfter(database: Database, organizationId: string, after: bigint, limit: number): Promise<ChangeRow[]> {
  return database.$queryRawUnsafe<ChangeRow[]>(
    `SELECT ${CHANGE_COLUMNS} FROM changes WHERE organization_id = $1::uuid AND seq > $2::bigint ORDER BY seq LIMIT $3`,
    organizationId,
    after.toString(),
    limit,
  );
}

/** The organization's newest seq and what retention removed (0 and 0 before its first change). */
export async function sequenceOf(database: Database, organizationId: string): Promise<{ lastSeq: bigint; prunedThrough: bigint }> {
  const row = await database.changeSequence.findUnique({ where: { organizationId }, select: { lastSeq: true, prunedThrough: true } });
  return row ?? { lastSeq: 0n, prunedThrough: 0n };
}

const POLL_INTERVAL_MS = 250;
const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => (clearTimeout(timer), resolve()), { once: true });
  });

export interface ReadChanges {
  after: bigint;
  limit: number;
  /** Seconds to wait for a first change when there is none (long poll); 0 answers at once. */
  waitSeconds?: number;
  signal?: AbortSignal;
}

/**
 * A page of changes after a cursor. A cursor retention has passed is a 410: the
 * changes between it and the oldest kept one are gone, so the consumer must re-read
 * the current state (GET /api/v1/events) and continue from the newest cursor.
 */
export async function readChanges(organizationId: string, request: ReadChanges): Promise<ChangesPage> {
  const database = await db();
  const { prunedThrough } = await sequenceOf(database, organizationId);
  if (request.after < prunedThrough) {
    throw gone(
      `changes up to ${prunedThrough} are past retention: re-read the current state (GET /api/v1/events) and continue from GET /api/v1/changes/latest`,
    );
  }
  const deadline = Date.now() + (request.waitSeconds ?? 0) * 1000;
  for (;;) {
    const rows = await changesAfter(database, organizationId, request.after, request.limit + 1);
    if (rows.length > 0 || Date.now() >= deadline || request.signal?.aborted) {
      const page = rows.slice(0, request.limit).map(toApiChange);
      return { changes: page, nextCursor: page.at(-1)?.cursor ?? request.after.toString(), hasMore: rows.length > request.limit };
    }
    await sleep(Math.min(POLL_INTERVAL_MS, deadline - Date.now()), request.signal);
  }
}

/** Days a change is kept (CHANGE_RETENTION_DAYS, default 30). */
export const changeRetentionDays = (env: Env = process.env) => envNumber(env, "CHANGE_RETENTION_DAYS", 30, { min: 1, integer: true });

const PRUNE_BATCH = 5_000;

/** Deletes changes older than the retention period, in batches, recording per organization how far it went. */
export async function pruneChanges(options: { now?: Date; retentionDays?: number } = {}): Promise<number> {
  const database = await db();
  const cutoff = new Date((options.now ?? new Date()).getTime() - (options.retentionDays ?? changeRetentionDays()) * 24 * 60 * 60_000);
  let total = 0;
  for (;;) {
    const deleted = await database.$queryRawUnsafe<Array<{ organization_id: string; through: bigint; count: bigint }>>(
      `WITH doomed AS (
         SELECT organization_id, seq FROM changes WHERE occurred_at < $1::timestamptz ORDER BY occurred_at LIMIT ${PRUNE_BATCH}
       ), removed AS (
         DELETE FROM changes c USING doomed d WHERE c.organization_id = d.organization_id AND c.seq = d.seq RETURNING c.organization_id, c.seq
       ), per_org AS (
         SELECT organization_id, max(seq) AS through, count(*) AS count FROM removed GROUP BY organization_id
       ), marked AS (
         UPDATE change_sequences s SET pruned_through = GREATEST(s.pruned_through, p.through) FROM per_org p WHERE s.organization_id = p.organization_id
       )
       SELECT organization_id, through, count FROM per_org`,
      cutoff.toISOString(),
    );
    const count = deleted.reduce((sum, row) => sum + Number(row.count), 0);
    total += count;
    if (count < PRUNE_BATCH) return total;
  }
}

export async function pruneChangesJob(): Promise<HandlerResult> {
  return { summary: { deleted: await pruneChanges() } };
}
