import { db, type Database } from "@/lib/db/client";

// What a browser watching an organization cares about, as three numbers that only
// grow: the change log's seq (a sync applied changes), the newest sync run start or
// finish, the newest webhook event stored or processed (both as epoch ms).
//
// Why a watermark poll and not LISTEN/NOTIFY or Redis pub/sub: it is the one
// transport that works the same on PostgreSQL, on the embedded PGlite (no second
// connection to LISTEN on), behind a transaction-mode pooler (where LISTEN does
// not survive) and across Vercel instances (each polls the shared database), with
// no Redis to fall back from. It is cheap: one statement of three index probes per
// organization per process every POLL_MS, however many streams that process holds
// (lib/realtime/hub.ts shares it), and nothing at all while nobody watches.

export const CHANGE_KINDS = ["events", "sync", "webhooks"] as const;
export type ChangeKind = (typeof CHANGE_KINDS)[number];
export type Watermark = Record<ChangeKind, number>;

/** The recent rows whose finish can still move the mark: a run or event finishing after this many newer ones started is not watched for. */
const RECENT_ROWS = 50;

export async function watermarkOf(organizationId: string, database?: Database): Promise<Watermark> {
  const client = database ?? (await db());
  const [row] = await client.$queryRawUnsafe<{ events: bigint | null; sync: Date | null; webhooks: Date | null }[]>(
    `SELECT
       (SELECT last_seq FROM change_sequences WHERE organization_id = $1::uuid) AS events,
       (SELECT max(greatest(started_at, finished_at)) FROM
          (SELECT started_at, finished_at FROM sync_runs WHERE organization_id = $1::uuid ORDER BY started_at DESC LIMIT ${RECENT_ROWS}) AS runs) AS sync,
       (SELECT max(greatest(received_at, processed_at)) FROM
          (SELECT received_at, processed_at FROM webhook_events WHERE organization_id = $1::uuid ORDER BY received_at DESC LIMIT ${RECENT_ROWS}) AS hooks) AS webhooks`,
    organizationId,
  );
  return { events: Number(row?.events ?? 0), sync: row?.sync?.getTime() ?? 0, webhooks: row?.webhooks?.getTime() ?? 0 };
}

/** The kinds whose mark moved from `before` to `after`. */
export function changedKinds(before: Watermark, after: Watermark): ChangeKind[] {
  return CHANGE_KINDS.filter((kind) => after[kind] !== before[kind]);
}

/** A watermark as an SSE id ("events.sync.webhooks"), so a reconnecting EventSource hands it back as Last-Event-ID. */
export function watermarkId(mark: Watermark): string {
  return CHANGE_KINDS.map((kind) => mark[kind]).join(".");
}

/** The watermark of a Last-Event-ID, or null when it is absent or not one of ours. */
export function parseWatermarkId(id: string | null | undefined): Watermark | null {
  if (!id || !/^\d{1,20}\.\d{1,20}\.\d{1,20}$/.test(id)) return null;
  const [events, sync, webhooks] = id.split(".").map(Number) as [number, number, number];
  return { events, sync, webhooks };
}
