import { InMemorySpanExporter, type ReadableSpan } from "@opentelemetry/sdk-trace-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Emulator } from "@/e2e/emulator/server";
import { inlineDriver } from "@/inngest";
import { startTracing } from "@/lib/telemetry/sdk";
import { ATTR } from "@/lib/telemetry/tracing";
import { connectAccount, serveWebhookRoutes, signIn, startAppEmulator, stopAppEmulator } from "@/scripts/test/app";
import { setupTestDatabase } from "@/scripts/test/database";

// One Google notification, traced the way production traces it (the SDK as
// instrumentation.ts starts it, with the in-memory exporter in place of OTLP): the
// emulator's delivery over HTTP to the real route, the job dispatch, the coalesced
// sync on the inline driver, and the provider calls it made, all in one trace.

const exporter = new InMemorySpanExporter();
const tracing = await startTracing({ exporter });
const database = setupTestDatabase();
let emu: Emulator;
let app: Awaited<ReturnType<typeof serveWebhookRoutes>>;
let providerCalendarId: string;

async function settle(): Promise<void> {
  await emu.control.waitForIdle(15_000);
  await inlineDriver().idle();
  await tracing.flush();
}

beforeAll(async () => {
  emu = await startAppEmulator();
  app = await serveWebhookRoutes();
  const person = await signIn("tracing@calsync.test");
  const connectionId = await connectAccount(emu, person, "google", "alice@example.com");
  await settle();
  const calendar = await (await database.db()).calendar.findFirstOrThrow({ where: { connectionId, isPrimary: true } });
  providerCalendarId = calendar.providerCalendarId;
});
afterAll(async () => {
  await inlineDriver().idle();
  await app?.close();
  await stopAppEmulator(emu);
});

function parentOf(span: ReadableSpan, spans: readonly ReadableSpan[]): ReadableSpan | undefined {
  const parentId = span.parentSpanContext?.spanId;
  return parentId ? spans.find((candidate) => candidate.spanContext().spanId === parentId) : undefined;
}

/** The span's ancestors, nearest first, as far as they were recorded. */
function ancestry(span: ReadableSpan, spans: readonly ReadableSpan[]): ReadableSpan[] {
  const chain: ReadableSpan[] = [];
  for (let parent = parentOf(span, spans); parent; parent = parentOf(parent, spans)) chain.push(parent);
  return chain;
}

describe("a Google notification's trace", () => {
  it("runs from ingest through dispatch to its sync, with the provider calls as the sync's children", async () => {
    exporter.reset();
    // The first page fails once with a 503: the retry shows as a second call.
    await emu.control.failNext({ endpoint: "google.events.list", status: 503, retryAfterSeconds: 0 });
    await emu.control.createEvent(providerCalendarId, { summary: "Traced meeting", start: "2030-01-07T10:00:00Z", end: "2030-01-07T11:00:00Z" });
    await settle();
    const spans = exporter.getFinishedSpans();

    const syncs = spans.filter((span) => span.name === "sync.run" && span.attributes[ATTR.trigger] === "webhook");
    expect(syncs).toHaveLength(1);
    const sync = syncs[0]!;
    expect(sync.attributes[ATTR.outcome]).toBe("succeeded");
    expect(sync.attributes[ATTR.pages]).toBeGreaterThanOrEqual(1);

    // Up the chain: the dispatch that carried its traceparent, then the webhook request.
    const chain = ancestry(sync, spans);
    expect(chain.map((span) => span.name)).toEqual(["job.dispatch", "webhook.ingest"]);
    const [dispatch, ingest] = chain as [ReadableSpan, ReadableSpan];
    expect(dispatch.attributes[ATTR.job]).toBe("calendar/sync.requested");
    expect(ingest.attributes).toMatchObject({ [ATTR.provider]: "google", [ATTR.outcome]: "accepted", [ATTR.httpStatus]: 200 });
    expect(ingest.parentSpanContext).toBeUndefined();
    expect(sync.spanContext().traceId).toBe(ingest.spanContext().traceId);

    // The provider calls of the run are its children: the failed attempt, then the retry.
    const calls = spans.filter((span) => parentOf(span, spans) === sync);
    expect(calls.length).toBe(sync.attributes[ATTR.providerCalls]);
    expect(calls.every((call) => call.name === "provider.fetchChanges" && call.attributes[ATTR.provider] === "google")).toBe(true);
    expect(calls.map((call) => [call.attributes[ATTR.status], call.attributes[ATTR.attempt]]).slice(0, 2)).toEqual([
      ["unavailable", 1],
      ["ok", 2],
    ]);
  });

  it("records an unknown channel's ingest with its outcome, and dispatches nothing", async () => {
    exporter.reset();
    const response = await fetch(`${app.url}/api/webhooks/google`, {
      method: "POST",
      headers: {
        "x-goog-channel-id": "no-such-channel",
        "x-goog-resource-id": "r",
        "x-goog-resource-state": "exists",
        "x-goog-message-number": "2",
        "x-goog-resource-uri": "https://www.googleapis.com/calendar/v3/calendars/primary/events",
      },
    });
    expect(response.status).toBe(404);
    await tracing.flush();
    const spans = exporter.getFinishedSpans();
    expect(spans.map((span) => span.name)).toEqual(["webhook.ingest"]);
    expect(spans[0]!.attributes).toMatchObject({ [ATTR.outcome]: "unknown", [ATTR.httpStatus]: 404 });
  });
});
