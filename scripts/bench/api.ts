// npx tsx scripts/bench/api.ts [--changes 20000] [--deliveries 2000]
//
// What the change log and the outbound webhooks cost and deliver, on a fresh
// benchmark database (PostgreSQL from DATABASE_URL / TEST_DATABASE_URL, else PGlite):
//   write path   applying pages of 250 new events as the sync engine does, with the
//                change log's triggers and with them turned off (its cost per event)
//   read         GET /api/v1/changes over HTTP, pages of 1,000, from cursor 0 (changes/s)
//   outbound     the delivery job sending every change to a local receiver (deliveries/s)
// The webhook-ingest ratio beside outbound load is scripts/bench/webhooks.ts --outbound.
// Prints figures; fails only when a count is wrong.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { parseArgs } from "node:util";
import { createApiKey } from "@/lib/api-keys/keys";
import type { ChangesPage } from "@/lib/api/v1/schemas";
import { db } from "@/lib/db/client";
import { deliverEndpoint } from "@/lib/outbound/deliver";
import { createEndpoint } from "@/lib/outbound/endpoints";
import type { EventRecord } from "@/lib/providers/port";
import { eventRecord } from "@/scripts/test/event-records";
import { applyPage } from "@/lib/sync/store";
import { attachBenchDatabase, createBenchDatabase, format, formatTable, isEntryPoint, prepareBenchEnvironment } from "./support";

export interface ApiBenchOptions {
  changes: number;
  deliveries: number;
  log?: (line: string) => void;
}

export interface ApiBenchResult {
  database: string;
  rows: string[][];
}

const PAGE = 250;
const START = Date.UTC(2026, 11, 15, 9);
const window = { start: new Date(START - 30 * 86_400_000), end: new Date(START + 365 * 86_400_000) };
const record = (id: string): EventRecord =>
  eventRecord({
    providerEventId: id,
    iCalUid: `${id}@bench`,
    title: `bench ${id}`,
    startAt: new Date(START),
    endAt: new Date(START + 3_600_000),
    startTimeZone: "UTC",
    endTimeZone: "UTC",
    organizerEmail: "bench@example.com",
    organizerName: "Bench",
    attendeeCount: 3,
  });

export async function runApiBench(options: ApiBenchOptions): Promise<ApiBenchResult> {
  const log = options.log ?? (() => {});
  const bench = await createBenchDatabase();
  const release = await attachBenchDatabase(bench.env);
  const servers: http.Server[] = [];
  try {
    const database = await db();
    const organization = await database.organization.create({ data: { name: "Bench", slug: `bench-${Date.now()}` } });
    const connection = await database.calendarConnection.create({
      data: { organizationId: organization.id, provider: "google", providerAccountId: "bench", accountEmail: "bench@example.com", scopes: [] },
    });
    const calendar = (name: string) =>
      database.calendar.create({ data: { organizationId: organization.id, connectionId: connection.id, providerCalendarId: name, name, syncEnabled: true } });
    const [withLog, withoutLog] = [await calendar("with log"), await calendar("without log")];

    const write = async (calendarId: string, prefix: string): Promise<number> => {
      const started = performance.now();
      for (let offset = 0; offset < options.changes; offset += PAGE) {
        const page = Array.from({ length: Math.min(PAGE, options.changes - offset) }, (_, index) => ({
          type: "upsert" as const,
          event: record(`${prefix}-${offset + index}`),
        }));
        await applyPage({ organizationId: organization.id, calendarId }, page, window);
      }
      return performance.now() - started;
    };
    log(`write path: ${options.changes} events without the change log…`);
    await database.$executeRawUnsafe(`ALTER TABLE events DISABLE TRIGGER USER`);
    const withoutMs = await write(withoutLog.id, "off");
    await database.$executeRawUnsafe(`ALTER TABLE events ENABLE TRIGGER USER`);
    log(`write path: ${options.changes} events with the change log…`);
    const withMs = await write(withLog.id, "on");
    const logged = await database.change.count({ where: { organizationId: organization.id, type: "event.created" } });
    if (logged !== options.changes) throw new Error(`the change log holds ${logged} event.created changes, expected ${options.changes}`);

    // The real route over real HTTP, with a real key.
    const { GET } = await import("@/app/api/v1/changes/route");
    const { key } = await createApiKey(organization.id, { name: "bench", scopes: ["changes:read"] });
    const api = http.createServer((incoming, outgoing) => {
      const headers = new Headers();
      for (const [name, value] of Object.entries(incoming.headers)) if (typeof value === "string") headers.set(name, value);
      void GET(new Request(new URL(incoming.url ?? "/", "http://127.0.0.1"), { headers }), undefined as never).then(async (response) => {
        outgoing.writeHead(response.status, { "content-type": "application/json" });
        outgoing.end(Buffer.from(await response.arrayBuffer()));
      });
    });
    servers.push(api);
    await new Promise<void>((resolve) => api.listen(0, "127.0.0.1", resolve));
    const apiUrl = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
    log("read: GET /api/v1/changes from cursor 0…");
    let cursor = "0";
    let read = 0;
    let requests = 0;
    const readStarted = performance.now();
    for (;;) {
      const response = await fetch(`${apiUrl}/api/v1/changes?after=${cursor}&limit=1000`, { headers: { authorization: `Bearer ${key}` } });
      requests += 1;
      const page = (await response.json()) as ChangesPage;
      read += page.changes.length;
      cursor = page.nextCursor;
      if (!page.hasMore) break;
    }
    const readMs = performance.now() - readStarted;
    // The connection and the two calendars are changes too.
    const total = await database.change.count({ where: { organizationId: organization.id } });
    if (read !== total) throw new Error(`read ${read} changes, the log holds ${total}`);

    const received = { count: 0 };
    const receiver = http.createServer((request, response) => {
      request.resume();
      request.on("end", () => {
        received.count += 1;
        response.end();
      });
    });
    servers.push(receiver);
    await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
    const { endpoint } = await createEndpoint(organization.id, {
      url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`,
      description: "bench",
      eventTypes: [],
    });
    // The endpoint starts at the newest cursor; give it the last `deliveries` changes to send.
    await database.webhookEndpoint.update({ where: { id: endpoint.id }, data: { deliveredThrough: BigInt(cursor) - BigInt(options.deliveries) } });
    log(`outbound: ${options.deliveries} deliveries to a local receiver…`);
    const deliverStarted = performance.now();
    for (;;) {
      const outcome = await deliverEndpoint(organization.id, endpoint.id);
      if (outcome.failed) throw new Error("a delivery to the local receiver failed");
      if (!outcome.more) break;
    }
    const deliverMs = performance.now() - deliverStarted;
    if (received.count !== options.deliveries) throw new Error(`the receiver got ${received.count} webhooks, expected ${options.deliveries}`);

    const perSecond = (count: number, ms: number) => format.int((count / ms) * 1000);
    return {
      database: bench.description,
      rows: [
        ["sync write, change log off", format.int(options.changes), format.ms(withoutMs), `${perSecond(options.changes, withoutMs)} events/s`, "1.00"],
        [
          "sync write, change log on",
          format.int(options.changes),
          format.ms(withMs),
          `${perSecond(options.changes, withMs)} events/s`,
          format.ratio(withMs / withoutMs),
        ],
        [`read GET /api/v1/changes (${requests} pages)`, format.int(read), format.ms(readMs), `${perSecond(read, readMs)} changes/s`, ""],
        ["outbound deliveries, one endpoint", format.int(received.count), format.ms(deliverMs), `${perSecond(received.count, deliverMs)} deliveries/s`, ""],
      ],
    };
  } finally {
    for (const server of servers) server.close();
    await release();
    await bench.drop();
  }
}

export function apiBenchReport(result: ApiBenchResult): string {
  return `Change log and outbound webhooks (${result.database})\n${formatTable(["case", "items", "time", "throughput", "time vs off"], result.rows)}`;
}

if (isEntryPoint(import.meta.url)) {
  const { values } = parseArgs({ options: { changes: { type: "string", default: "20000" }, deliveries: { type: "string", default: "2000" } } });
  prepareBenchEnvironment();
  const result = await runApiBench({
    changes: Number(values.changes),
    deliveries: Number(values.deliveries),
    log: (line) => process.stderr.write(`${line}\n`),
  });
  console.log(apiBenchReport(result));
}
