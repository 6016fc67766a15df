import { envDetector, detectResources, resourceFromAttributes } from "@opentelemetry/resources";
import { BatchSpanProcessor, NodeTracerProvider, SimpleSpanProcessor, type SpanExporter } from "@opentelemetry/sdk-trace-node";

// The OpenTelemetry SDK, started once per process by instrumentation.ts when
// tracing is configured (tracingConfigured in ./tracing) (Next.js: "manual OpenTelemetry configuration"). Nothing else
// imports this file: the rest of the code speaks to the API (lib/telemetry/tracing.ts),
// which stays a no-op until this registers a provider.

export interface Tracing {
  /** Sends what is buffered. */
  flush(): Promise<void>;
  /** Flushes and stops exporting (the process is ending). */
  shutdown(): Promise<void>;
}

const holder = globalThis as unknown as { __calsyncTracing?: Tracing };

/**
 * Registers the tracer provider, the W3C trace-context propagator and the
 * async-hooks context manager. `exporter` defaults to OTLP over HTTP, configured by
 * the standard OTEL_EXPORTER_OTLP_* variables (batched); a given exporter (tests:
 * the in-memory one) gets every span as it ends. A second call returns the first.
 */
export async function startTracing(options: { exporter?: SpanExporter } = {}): Promise<Tracing> {
  if (holder.__calsyncTracing) return holder.__calsyncTracing;
  let processor: BatchSpanProcessor | SimpleSpanProcessor;
  if (options.exporter) {
    processor = new SimpleSpanProcessor(options.exporter);
  } else {
    const { OTLPTraceExporter } = await import("@opentelemetry/exporter-trace-otlp-http");
    processor = new BatchSpanProcessor(new OTLPTraceExporter());
  }
  // OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES win over the default name.
  const resource = resourceFromAttributes({ "service.name": "calsync" }).merge(detectResources({ detectors: [envDetector] }));
  const provider = new NodeTracerProvider({ resource, spanProcessors: [processor] });
  provider.register();
  const tracing: Tracing = { flush: () => provider.forceFlush(), shutdown: () => provider.shutdown() };
  holder.__calsyncTracing = tracing;
  return tracing;
}
