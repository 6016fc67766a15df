// npx tsx scripts/bench/telemetry.ts [--iterations 200000]
//
// What telemetry adds to one webhook request, in process: the ingest span around
// the request, the dispatch span and traceparent read around the hand-off, and the
// latency histogram observation. Measured with tracing off (the API's no-op tracer,
// as in production without OTEL_EXPORTER_OTLP_ENDPOINT) and on (the SDK with an
// in-memory exporter, so no network is measured), against the same work without
// them. Also the cold cost of loading the packages the webhook routes import.
// Prints figures; asserts nothing.
import { execFileSync } from "node:child_process";
import { parseArgs } from "node:util";

const { values: args } = parseArgs({ options: { iterations: { type: "string", default: "200000" } } });
const ITERATIONS = Number(args.iterations);

function coldImportMs(specifier: string): number {
  const script = `const t=performance.now();await import(${JSON.stringify(specifier)});console.log(performance.now()-t)`;
  const runs = Array.from({ length: 5 }, () => Number(execFileSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8" })));
  return runs.sort((a, b) => a - b)[2]!;
}

async function nsPerOp(work: () => Promise<unknown>): Promise<number> {
  for (let i = 0; i < 10_000; i += 1) await work();
  const started = process.hrtime.bigint();
  for (let i = 0; i < ITERATIONS; i += 1) await work();
  return Number(process.hrtime.bigint() - started) / ITERATIONS;
}

async function main(): Promise<void> {
  const { ATTR, currentTraceparent, inSpan, SPAN } = await import("@/lib/telemetry/tracing");
  const { metrics } = await import("@/lib/telemetry/metrics");
  const histogram = metrics().webhookIngestSeconds;
  const bare = async () => 1;
  // The telemetry one webhook request does (lib/webhooks/intake.ts, lib/jobs/dispatch.ts).
  const request = () =>
    inSpan(SPAN.webhookIngest, { [ATTR.provider]: "google", [ATTR.requestId]: "r" }, async (span) => {
      await inSpan(SPAN.jobDispatch, { [ATTR.job]: "calendar/sync.requested", [ATTR.jobCount]: 1 }, async () => currentTraceparent());
      histogram.observe({ provider: "google" }, 0.004);
      span.setAttributes({ [ATTR.outcome]: "accepted", [ATTR.httpStatus]: 200 });
      return 1;
    });

  const baseline = await nsPerOp(bare);
  const off = await nsPerOp(request);
  const { InMemorySpanExporter } = await import("@opentelemetry/sdk-trace-node");
  const { startTracing } = await import("@/lib/telemetry/sdk");
  const exporter = new InMemorySpanExporter();
  await startTracing({ exporter });
  let ended = 0;
  const on = await nsPerOp(async () => {
    const result = await request();
    // Keep memory flat: the exporter would hold every span.
    if ((ended += 1) % 1000 === 0) exporter.reset();
    return result;
  });

  const rows = [
    ["telemetry per webhook request, tracing off", `${Math.round(off - baseline)} ns`],
    ["telemetry per webhook request, tracing on (in-memory export)", `${Math.round(on - baseline)} ns`],
    ["cold import @opentelemetry/api (median of 5)", `${coldImportMs("@opentelemetry/api").toFixed(1)} ms`],
    ["cold import prom-client (median of 5)", `${coldImportMs("prom-client").toFixed(1)} ms`],
  ];
  console.log(`| measure (${ITERATIONS} iterations) | figure |\n|---|---|`);
  for (const [name, figure] of rows) console.log(`| ${name} | ${figure} |`);
}

await main();
