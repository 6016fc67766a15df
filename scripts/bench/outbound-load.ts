// npx tsx scripts/bench/outbound-load.ts (DATABASE_URL set; started by webhooks.ts --outbound)
//
// A steady outbound webhook load on a benchmark database while the webhook ingest
// benchmark runs: the mirror keeps changing (a page of 20 event updates every
// 100 ms, written as the sync engine writes them, so the change log grows) and the
// delivery job sends every change to a local receiver. It runs until SIGTERM, then
// prints what it did. Its own process, as a worker or Inngest would be.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { db } from "@/lib/db/client";
import { deliverEndpoint } from "@/lib/outbound/deliver";
import { createEndpoint } from "@/lib/outbound/endpoints";
import type { EventRecord } from "@/lib/providers/port";
import { eventRecord } from "@/scripts/test/event-records";
import { applyPage } from "@/lib/sync/store";

const PAGE = 20;
// OUTBOUND_LOAD=writes: only the change log grows (what syncing costs anyway), nothing is delivered.
const DELIVER = process.env.OUTBOUND_LOAD !== "writes";
const EVERY_MS = 100;

const received = { count: 0 };
const receiver = http.createServer((request, response) => {
  request.resume();
  request.on("end", () => {
    received.count += 1;
    response.end();
  });
});
await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
const database = await db();
const calendar = await database.calendar.findFirstOrThrow({ where: { syncEnabled: true }, orderBy: { createdAt: "asc" } });
const { endpoint } = await createEndpoint(calendar.organizationId, {
  url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`,
  description: "bench",
  eventTypes: [],
});
const scope = { organizationId: calendar.organizationId, calendarId: calendar.id };
const start = new Date(Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate() + 1, 9));
const window = { start: new Date(start.getTime() - 86_400_000), end: new Date(start.getTime() + 30 * 86_400_000) };
const record = (index: number, round: number): EventRecord =>
  eventRecord({ providerEventId: `bench-${index}`, title: `bench ${index} v${round}`, startAt: start, endAt: new Date(start.getTime() + 3_600_000) });

let stopping = false;
let written = 0;
let round = 0;
const writer = (async () => {
  while (!stopping) {
    round += 1;
    await applyPage(
      scope,
      Array.from({ length: PAGE }, (_, index) => ({ type: "upsert" as const, event: record(index, round) })),
      window,
    );
    written += PAGE;
    await new Promise((resolve) => setTimeout(resolve, EVERY_MS));
  }
})();
const deliverer = (async () => {
  while (!stopping && DELIVER) {
    const outcome = await deliverEndpoint(calendar.organizationId, endpoint.id);
    if (outcome.sent === 0) await new Promise((resolve) => setTimeout(resolve, 200));
  }
})();
const started = Date.now();
process.once("SIGTERM", () => {
  stopping = true;
  void Promise.all([writer, deliverer]).finally(() => {
    const seconds = (Date.now() - started) / 1000;
    console.log(
      `outbound load: ${written} changes written, ${received.count} webhooks delivered in ${seconds.toFixed(0)} s (${(received.count / seconds).toFixed(0)}/s)`,
    );
    process.exit(0);
  });
});
console.log("outbound load: running");
