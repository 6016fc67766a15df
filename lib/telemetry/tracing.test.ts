import { InMemorySpanExporter } from "@opentelemetry/sdk-trace-node";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import type { FollowUp } from "@/lib/jobs/catalog";
import { dispatch, dispatchMany, installJobSender } from "@/lib/jobs/dispatch";
import { startTracing } from "@/lib/telemetry/sdk";
import { HANDOFF_WINDOW_MS, handOff, resetHandOffThrottle } from "@/lib/webhooks/handoff";
import { ATTR, contextFromTraceparent, currentTraceparent, inSpan, tracingConfigured } from "@/lib/telemetry/tracing";

// With the SDK registered (as instrumentation.ts does when an endpoint is set), a
// dispatch is a span, and the jobs it sends carry that span's traceparent.

const exporter = new InMemorySpanExporter();
await startTracing({ exporter });
const sent: FollowUp[] = [];
const restore = installJobSender(async (items) => void sent.push(...items));
afterAll(restore);
afterEach(() => {
  sent.length = 0;
  exporter.reset();
});

const job = { organizationId: "org-1", calendarId: "cal-1", trigger: "webhook" } as const;

describe("trace context through dispatch", () => {
  it("stamps each job with the dispatch span's traceparent, a child of the caller's span", async () => {
    const outer = await inSpan("webhook.ingest", {}, async (span) => {
      await dispatch("calendar/sync.requested", job);
      return span.spanContext();
    });
    const [dispatchSpan] = exporter.getFinishedSpans().filter((span) => span.name === "job.dispatch");
    expect(dispatchSpan!.parentSpanContext?.spanId).toBe(outer.spanId);
    expect(dispatchSpan!.attributes[ATTR.job]).toBe("calendar/sync.requested");
    expect(sent).toEqual([{ name: "calendar/sync.requested", data: { ...job, trace: `00-${outer.traceId}-${dispatchSpan!.spanContext().spanId}-01` } }]);
  });

  it("keeps a traceparent a job already carries", async () => {
    const carried = `00-${"1".repeat(32)}-${"2".repeat(16)}-01`;
    await inSpan("job.run", {}, () => dispatchMany([{ name: "calendar/sync.requested", data: { ...job, trace: carried } }]));
    expect(sent[0]!.data.trace).toBe(carried);
  });

  it("continues the trace a payload names", async () => {
    const carried = `00-${"3".repeat(32)}-${"4".repeat(16)}-01`;
    const inner = await inSpan(
      "sync.run",
      {},
      async (span) => ({ context: span.spanContext(), traceparent: currentTraceparent() }),
      contextFromTraceparent(carried),
    );
    expect(inner.context.traceId).toBe("3".repeat(32));
    expect(exporter.getFinishedSpans()[0]!.parentSpanContext?.spanId).toBe("4".repeat(16));
    expect(inner.traceparent).toBe(`00-${"3".repeat(32)}-${inner.context.spanId}-01`);
  });
});

describe("a trailing webhook hand-off", () => {
  it("carries the trace of the last request it stands for, not of the one that armed its timer", async () => {
    vi.useFakeTimers();
    try {
      resetHandOffThrottle();
      const intake = { requestId: "r", provider: "google" as const, count: () => {} };
      const first = await inSpan(
        "webhook.ingest",
        {},
        async (span) => (await handOff(intake, [{ name: "calendar/sync.requested", data: job }]), span.spanContext()),
      );
      await inSpan("webhook.ingest", {}, () => handOff(intake, [{ name: "calendar/sync.requested", data: job }]));
      const last = await inSpan(
        "webhook.ingest",
        {},
        async (span) => (await handOff(intake, [{ name: "calendar/sync.requested", data: job }]), span.spanContext()),
      );
      expect(sent).toHaveLength(1);
      await vi.advanceTimersByTimeAsync(HANDOFF_WINDOW_MS);
      expect(sent).toHaveLength(2);
      expect(sent[0]!.data.trace).toContain(first.traceId);
      expect(sent[1]!.data.trace).toBe(`00-${last.traceId}-${last.spanId}-01`);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe("tracingConfigured", () => {
  it("is on with an OTLP endpoint, unless the SDK is switched off", () => {
    expect(tracingConfigured({})).toBe(false);
    expect(tracingConfigured({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318" })).toBe(true);
    expect(tracingConfigured({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://collector:4318/v1/traces" })).toBe(true);
    expect(tracingConfigured({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318", OTEL_SDK_DISABLED: "true" })).toBe(false);
  });
});
