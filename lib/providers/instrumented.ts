import { SpanKind, SpanStatusCode } from "@opentelemetry/api";
import { metrics } from "@/lib/telemetry/metrics";
import { ATTR, currentAttempt, SPAN, tracer } from "@/lib/telemetry/tracing";
import { isProviderError } from "./errors";
import type { CalendarProvider, ProviderName } from "./port";

// Every call to Google or Microsoft leaves through an adapter, and every adapter
// comes from providerFor (./index.ts), which wraps it here: one `provider.<operation>`
// span per call (a child of the sync run or flow that made it, with its attempt
// number and outcome) and one count in calsync_provider_calls_total. The adapters
// stay free of telemetry.

/** The port's methods that reach the provider; the others are local (URLs, scope checks). */
const REMOTE_OPERATIONS = [
  "exchangeCode",
  "refreshTokens",
  "listCalendars",
  "fetchChanges",
  "fetchSeries",
  "createPush",
  "extendPush",
  "stopPush",
] as const satisfies ReadonlyArray<keyof CalendarProvider>;
type RemoteOperation = (typeof REMOTE_OPERATIONS)[number];

/** "ok", or the ProviderError kind, or "error" for anything unclassified. */
function statusOf(err: unknown): string {
  return isProviderError(err) ? err.kind : "error";
}

export function instrumented(name: ProviderName, adapter: CalendarProvider): CalendarProvider {
  const wrapped: CalendarProvider = { ...adapter };
  for (const operation of REMOTE_OPERATIONS) {
    const call = adapter[operation] as (...args: unknown[]) => Promise<unknown>;
    (wrapped as unknown as Record<RemoteOperation, (...args: unknown[]) => Promise<unknown>>)[operation] = (...args) =>
      tracer().startActiveSpan(
        SPAN.providerCall(operation),
        { kind: SpanKind.CLIENT, attributes: { [ATTR.provider]: name, [ATTR.operation]: operation, [ATTR.attempt]: currentAttempt() } },
        async (span) => {
          let status = "ok";
          try {
            return await call.apply(adapter, args);
          } catch (err) {
            status = statusOf(err);
            span.setStatus({ code: SpanStatusCode.ERROR, message: status });
            throw err;
          } finally {
            span.setAttribute(ATTR.status, status);
            span.end();
            metrics().providerCalls.inc({ provider: name, operation, status });
          }
        },
      );
  }
  return wrapped;
}
