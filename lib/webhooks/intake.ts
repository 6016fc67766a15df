import { randomUUID } from "node:crypto";
import { SpanStatusCode, type Span } from "@opentelemetry/api";
import { errorResponse, forbidden, toAppError, type ErrorKind } from "@/lib/http/errors";
import { logger } from "@/lib/log";
import { metrics } from "@/lib/telemetry/metrics";
import { ATTR, inSpan, SPAN } from "@/lib/telemetry/tracing";
import { countWebhook, WEBHOOK_OUTCOMES, type WebhookOutcome, type WebhookProvider } from "@/lib/webhooks/metrics";
import { webhookFailureLimiter } from "@/lib/webhooks/rate-limit";
import { sourceAllowed, webhookSource, webhookSourceSettings } from "@/lib/webhooks/source";

/**
 * The frame every webhook request runs in: a request id (stored with the event and
 * echoed as X-Request-Id, so a provider's complaint can be matched to a row and a
 * log line), one structured log line, the per-process counters, and failures
 * turned into statuses by `errorResponse` alone.
 */
export interface Intake {
  readonly requestId: string;
  readonly provider: WebhookProvider;
  /** Adds fields to this request's log line. Never secrets. */
  note(fields: Record<string, unknown>): void;
  /** Counts outcomes of individual notifications (a Graph batch holds several). */
  count(outcome: WebhookOutcome, by?: number): void;
  /**
   * For what did not verify, only: how long the source must wait when it has spent
   * its failure budget (the caller then refuses without further lookups), else null.
   */
  overBudget(): Promise<number | null>;
  /** Spends one unit of the source's budget for an answer that is not an error (Graph's 202 for a batch that verified nothing). At most once per request. */
  spendBudget(): Promise<void>;
}

export interface IntakeAnswer {
  status: number;
  /** What the request amounted to, for the log line. */
  outcome: string;
  body?: string;
  contentType?: string;
}

// When nothing more specific was counted, a failed request counts once by kind.
const outcomeOfKind: Partial<Record<ErrorKind, WebhookOutcome>> = {
  invalid: "malformed",
  unauthorized: "forged",
  not_found: "unknown",
  too_large: "tooLarge",
  forbidden: "disallowed",
  rate_limited: "throttled",
  unavailable: "failed",
  failed: "failed",
};

/**
 * Failures that spend the source's budget (lib/webhooks/rate-limit.ts): what a
 * sender that is not a provider, or not ours, gets. Our own outages (5xx) do not.
 */
const SPENDS_BUDGET: ReadonlySet<ErrorKind> = new Set(["invalid", "unauthorized", "not_found", "too_large"]);

/**
 * Runs one webhook request in a `webhook.ingest` span (the jobs it hands off are
 * dispatched inside it, so their runs join its trace), timed by the ingest latency
 * histogram. Both are synchronous bookkeeping: nothing here waits on telemetry.
 */
export function intake(request: Request, provider: WebhookProvider, route: string, work: (intake: Intake) => Promise<IntakeAnswer>): Promise<Response> {
  const requestId = randomUUID();
  return inSpan(SPAN.webhookIngest, { [ATTR.provider]: provider, [ATTR.requestId]: requestId }, (span) =>
    ingest(request, provider, route, work, requestId, span),
  );
}

async function ingest(
  request: Request,
  provider: WebhookProvider,
  route: string,
  work: (intake: Intake) => Promise<IntakeAnswer>,
  requestId: string,
  span: Span,
): Promise<Response> {
  const startedAt = performance.now();
  const fields: Record<string, unknown> = {};
  let counted = false;
  let spent = false;
  const finish = (status: number, outcome: string) => {
    metrics().webhookIngestSeconds.observe({ provider }, (performance.now() - startedAt) / 1000);
    span.setAttributes({ [ATTR.outcome]: outcome, [ATTR.httpStatus]: status });
    if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR, message: outcome });
  };
  const base = { route, requestId };
  // Parsed once per process; instrumentation.ts parses it at start, so a bad entry stops the server there.
  let settings: ReturnType<typeof webhookSourceSettings>;
  try {
    settings = webhookSourceSettings();
  } catch (err) {
    logger.error("webhook", { ...base, status: 500, outcome: "failed", error: err instanceof Error ? err : String(err) });
    finish(500, "failed");
    return errorResponse(err);
  }
  const source = webhookSource(request, settings);
  // Counted under one key when there is no trusted address (lib/webhooks/source.ts).
  const budgetKey = source ?? "unknown";
  const limiter = await webhookFailureLimiter();
  const spendBudget = async () => {
    if (spent) return;
    spent = true;
    fields.source = budgetKey;
    await limiter.recordFailure(budgetKey);
  };
  const context: Intake = {
    requestId,
    provider,
    note: (more) => Object.assign(fields, more),
    count: (outcome, by = 1) => {
      // A failed hand-off is on top of the notification's own outcome, not instead of it.
      if (by <= 0) return;
      if (outcome !== "handoffFailed") counted = true;
      countWebhook(provider, outcome, by);
    },
    overBudget: () => limiter.retryAfterMs(budgetKey),
    spendBudget,
  };

  try {
    // Before any database work, and before the Graph handshake: a list admits only its ranges.
    if (!sourceAllowed(provider, source, settings)) {
      fields.source = budgetKey;
      throw forbidden("source not allowed");
    }
    const answer = await work(context);
    if (!counted && isOutcome(answer.outcome)) countWebhook(provider, answer.outcome);
    logger.info("webhook", { ...base, ...fields, status: answer.status, outcome: answer.outcome, ms: elapsed(startedAt) });
    finish(answer.status, answer.outcome);
    const headers: Record<string, string> = { "X-Request-Id": requestId, "Cache-Control": "no-store" };
    if (answer.contentType) headers["Content-Type"] = answer.contentType;
    return new Response(answer.body ?? null, { status: answer.status, headers });
  } catch (err) {
    const appError = toAppError(err);
    if (SPENDS_BUDGET.has(appError.kind)) await spendBudget();
    const outcome = outcomeOfKind[appError.kind];
    if (!counted && outcome) countWebhook(provider, outcome);
    const line = { ...base, ...fields, status: appError.status, outcome: outcome ?? appError.kind, reason: appError.message, ms: elapsed(startedAt) };
    if (appError.status >= 500) logger.error("webhook", { ...line, error: err instanceof Error ? err : String(err) });
    else logger.warn("webhook", line);
    finish(appError.status, line.outcome);
    const response = errorResponse(appError);
    response.headers.set("X-Request-Id", requestId);
    return response;
  }
}

function isOutcome(value: string): value is WebhookOutcome {
  return (WEBHOOK_OUTCOMES as readonly string[]).includes(value);
}

function elapsed(startedAt: number): number {
  return Math.round((performance.now() - startedAt) * 10) / 10;
}
