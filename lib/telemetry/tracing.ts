import { context, propagation, ROOT_CONTEXT, SpanStatusCode, trace, type Attributes, type Context, type Span } from "@opentelemetry/api";
import type { Env } from "@/lib/config";

// Spans, through the OpenTelemetry API only. The SDK (lib/telemetry/sdk.ts) is loaded
// by instrumentation.ts when OTEL_EXPORTER_OTLP_ENDPOINT is set; until something
// registers it, the API hands out its no-op tracer, so the webhook routes, which
// import this file, pay for a few empty calls and never load an exporter.

/** Tracing is on when an OTLP endpoint is configured and the SDK is not switched off. */
export function tracingConfigured(env: Env = process.env): boolean {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === "true") return false;
  return Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim() || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim());
}

/** The instrumentation scope every span of ours carries. */
export const TRACER_NAME = "calsync";

export function tracer() {
  return trace.getTracer(TRACER_NAME);
}

/** Span names, declared once. */
export const SPAN = {
  webhookIngest: "webhook.ingest",
  jobDispatch: "job.dispatch",
  syncRun: "sync.run",
  providerCall: (operation: string) => `provider.${operation}`,
  /**
   * The hook for outbound deliveries, which do not exist yet: wrap each attempt in
   * `inSpan(SPAN.outboundDelivery, ...)` inside the run that produced it (so it is a
   * child of that sync), and count its outcome with a counter declared in
   * lib/telemetry/metrics.ts beside the others.
   */
  outboundDelivery: "delivery.send",
} as const;

/** Span attribute names, declared once (dotted, OpenTelemetry style). */
export const ATTR = {
  provider: "calsync.provider",
  outcome: "calsync.outcome",
  requestId: "calsync.request_id",
  job: "calsync.job",
  jobCount: "calsync.job.count",
  calendarId: "calsync.calendar_id",
  trigger: "calsync.sync.trigger",
  mode: "calsync.sync.mode",
  pages: "calsync.sync.pages",
  providerCalls: "calsync.sync.provider_calls",
  operation: "calsync.provider.operation",
  status: "calsync.provider.status",
  attempt: "calsync.provider.attempt",
  httpStatus: "http.response.status_code",
} as const;

/**
 * Runs `work` inside a new active span (a child of `parent`, else of whatever is
 * active), ends it when `work` settles, and records a thrown error on it. `work`
 * may set more attributes on the span it is given.
 */
export function inSpan<T>(name: string, attributes: Attributes, work: (span: Span) => Promise<T>, parent: Context = context.active()): Promise<T> {
  return tracer().startActiveSpan(name, { attributes }, parent, async (span) => {
    try {
      return await work(span);
    } catch (err) {
      span.recordException(err instanceof Error ? err : String(err));
      span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.name : "error" });
      throw err;
    } finally {
      span.end();
    }
  });
}

/**
 * The active span's W3C `traceparent`, to carry in a job payload so the job's run
 * joins the trace that asked for it. Undefined when tracing is off (no propagator
 * is registered then, so this costs one empty call).
 */
export function currentTraceparent(): string | undefined {
  const carrier: { traceparent?: string } = {};
  propagation.inject(context.active(), carrier);
  return carrier.traceparent;
}

/** The context a job's payload asks its run to continue (the root one when there is none). */
export function contextFromTraceparent(traceparent: string | undefined): Context {
  if (!traceparent) return context.active();
  return propagation.extract(ROOT_CONTEXT, { traceparent });
}

/**
 * Runs `work` outside whatever span is active. A job driver runs each job this way:
 * the async context it happens to be in (the dispatch that armed a timer, the run
 * that just freed a lane) is not the job's cause; the payload's `trace` is.
 */
export function detachedFromTrace<T>(work: () => T): T {
  return context.with(ROOT_CONTEXT, work);
}

// The provider call's attempt number (1 for the first), set by whoever retries so
// the provider call span below it can say which attempt it is.
const ATTEMPT_KEY = Symbol.for("calsync.provider.attempt");

/** Runs `work` with `attempt` as the retry count provider call spans beneath it report. */
export function withAttempt<T>(attempt: number, work: () => Promise<T>): Promise<T> {
  return context.with(context.active().setValue(ATTEMPT_KEY, attempt), work);
}

export function currentAttempt(): number {
  const value = context.active().getValue(ATTEMPT_KEY);
  return typeof value === "number" ? value : 1;
}
