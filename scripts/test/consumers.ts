import { Webhook } from "standardwebhooks";
import { GET as listChanges } from "@/app/api/v1/changes/route";
import type { ApiChange, ApiEvent, ApiMeeting, ChangesPage } from "@/lib/api/v1/schemas";
import { createApiKey } from "@/lib/api-keys/keys";
import { eventFromRow, meetingFromView } from "@/lib/changes/resources";
import { db } from "@/lib/db/client";
import { deliverEndpoint } from "@/lib/outbound/deliver";
import { createEndpoint } from "@/lib/outbound/endpoints";
import { serveRoutes } from "./app";
import { startReceiver, type Receiver } from "./outbound";

// Two consumers of an organization's changes, as another app would write them: one
// reads GET /api/v1/changes over HTTP with an API key from cursor 0, the other only
// receives outbound webhooks (verified with the standardwebhooks package, deduped by
// webhook-id, failing now and then: sometimes before applying a message, sometimes
// after, so retries bring both new attempts and duplicates). Each applies every
// change to its own copy of the events and meetings; `differences()` compares both
// copies with the organization's events and meetings tables.

/** Events and meetings by `event:<id>` / `meeting:<id>`, with a label for messages. */
type Copy = Map<string, { label: string; body: ApiEvent | ApiMeeting }>;

function apply(copy: Copy, change: ApiChange): void {
  const entry = change.event
    ? { key: `event:${change.event.id}`, label: `event ${change.event.providerEventId}`, body: change.event }
    : change.meeting
      ? { key: `meeting:${change.meeting.id}`, label: `meeting ${change.meeting.iCalUid}`, body: change.meeting }
      : null;
  if (!entry) return;
  if (change.type.endsWith(".deleted")) copy.delete(entry.key);
  else copy.set(entry.key, { label: entry.label, body: entry.body });
}

export interface Consumers {
  /** Reads and delivers everything there is; returns what each copy gets wrong. */
  differences(): Promise<{ changeLog: string[]; webhooks: string[] }>;
  stats: { changesRead: number; meetingChangesRead: number; webhooksReceived: number; duplicates: number; refused: number; unverified: number };
  close(): Promise<void>;
}

export async function startConsumers(organizationId: string, options: { failureRate?: number; random?: () => number } = {}): Promise<Consumers> {
  const random = options.random ?? Math.random;
  const failureRate = options.failureRate ?? 0.2;
  const { key } = await createApiKey(organizationId, { name: "convergence consumer", scopes: ["changes:read"] });
  const api = await serveRoutes({ "/api/v1/changes": listChanges });
  const fromLog: Copy = new Map();
  const fromWebhooks: Copy = new Map();
  const seen = new Set<string>();
  const stats = { changesRead: 0, meetingChangesRead: 0, webhooksReceived: 0, duplicates: 0, refused: 0, unverified: 0 };
  let cursor = "0";

  const receiver: Receiver = await startReceiver();
  const { endpoint, secret } = await createEndpoint(organizationId, { url: receiver.url, description: "convergence consumer", eventTypes: [] });
  // The endpoint starts at the organization's current cursor; so does the log reader.
  cursor = endpoint.deliveredThrough;
  const verifier = new Webhook(secret);
  receiver.respond = (_nth, { headers, body }) => {
    stats.webhooksReceived += 1;
    let payload: { data: ApiChange };
    try {
      payload = verifier.verify(body, headers) as { data: ApiChange };
    } catch {
      stats.unverified += 1;
      return 400;
    }
    const id = headers["webhook-id"]!;
    const roll = random();
    // Down before it could apply: the sender must retry.
    if (roll < failureRate / 2) return ((stats.refused += 1), 503);
    if (seen.has(id)) stats.duplicates += 1;
    else {
      seen.add(id);
      apply(fromWebhooks, payload.data);
    }
    // Applied, then failed to answer: the retry is a duplicate to drop.
    return roll < failureRate ? ((stats.refused += 1), 500) : 200;
  };

  async function readLog(): Promise<void> {
    for (;;) {
      const response = await fetch(`${api.url}/api/v1/changes?after=${cursor}&limit=200`, { headers: { authorization: `Bearer ${key}` } });
      if (response.status !== 200) throw new Error(`GET /api/v1/changes answered ${response.status}: ${await response.text()}`);
      const page = (await response.json()) as ChangesPage;
      for (const change of page.changes) apply(fromLog, change);
      stats.changesRead += page.changes.length;
      stats.meetingChangesRead += page.changes.filter((change) => change.meeting !== null).length;
      cursor = page.nextCursor;
      if (!page.hasMore) return;
    }
  }

  async function deliverAll(): Promise<void> {
    const database = await db();
    for (let round = 0; round < 200; round += 1) {
      // The backoff has passed (the test does not wait hours for it).
      await database.webhookEndpoint.update({ where: { id: endpoint.id }, data: { nextAttemptAt: null } });
      const outcome = await deliverEndpoint(organizationId, endpoint.id);
      if (outcome.disabled) throw new Error("the consumer's endpoint was disabled");
      if (!outcome.failed && !outcome.more) return;
    }
    throw new Error("deliveries did not catch up");
  }

  async function table(): Promise<Copy> {
    const database = await db();
    const rows = await database.$queryRawUnsafe<Array<{ row: Record<string, unknown> }>>(
      `SELECT to_jsonb(e) AS row FROM events e WHERE organization_id = $1::uuid`,
      organizationId,
    );
    const meetings = await database.$queryRawUnsafe<Array<{ view: unknown }>>(
      `SELECT view FROM meetings WHERE organization_id = $1::uuid AND view IS NOT NULL`,
      organizationId,
    );
    const truth: Copy = new Map();
    for (const event of rows.map(({ row }) => eventFromRow(row))) truth.set(`event:${event.id}`, { label: `event ${event.providerEventId}`, body: event });
    for (const meeting of meetings.map(({ view }) => meetingFromView(view)))
      truth.set(`meeting:${meeting.id}`, { label: `meeting ${meeting.iCalUid}`, body: meeting });
    return truth;
  }

  function compare(copy: Copy, truth: Copy): string[] {
    const problems: string[] = [];
    for (const [key, entry] of truth) {
      const mine = copy.get(key);
      if (!mine) problems.push(`missing ${entry.label}`);
      else if (JSON.stringify(mine.body) !== JSON.stringify(entry.body))
        problems.push(`different ${entry.label}: ${JSON.stringify(mine.body)} vs ${JSON.stringify(entry.body)}`);
    }
    for (const [key, entry] of copy) if (!truth.has(key)) problems.push(`extra ${entry.label}`);
    return problems;
  }

  return {
    stats,
    async differences() {
      await readLog();
      await deliverAll();
      const truth = await table();
      return { changeLog: compare(fromLog, truth), webhooks: compare(fromWebhooks, truth), unverified: stats.unverified };
    },
    async close() {
      await api.close();
      await receiver.close();
    },
  };
}
