import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, describe, expect, it } from "vitest";
import { startTracing } from "@/lib/telemetry/sdk";
import { ATTR, inSpan, SPAN, tracingConfigured } from "@/lib/telemetry/tracing";

// The SDK as instrumentation.ts starts it in production: OTLP over HTTP to the
// collector OTEL_EXPORTER_OTLP_ENDPOINT names (here a local server standing in for
// one), with the headers and service name from the standard variables.

const received: Array<{ url: string; headers: http.IncomingHttpHeaders; body: string }> = [];
const collector = http.createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on("data", (chunk: Buffer) => chunks.push(chunk));
  request.on("end", () => {
    received.push({ url: request.url ?? "", headers: request.headers, body: Buffer.concat(chunks).toString("utf8") });
    response.writeHead(200, { "content-type": "application/json" }).end("{}");
  });
});
collector.listen(0, "127.0.0.1");
await new Promise((resolve) => collector.once("listening", resolve));
process.env.OTEL_EXPORTER_OTLP_ENDPOINT = `http://127.0.0.1:${(collector.address() as AddressInfo).port}`;
process.env.OTEL_EXPORTER_OTLP_HEADERS = "x-collector-key=test-key";
process.env.OTEL_SERVICE_NAME = "calsync-test";
afterAll(async () => {
  delete process.env.OTEL_EXPORTER_OTLP_ENDPOINT;
  delete process.env.OTEL_EXPORTER_OTLP_HEADERS;
  delete process.env.OTEL_SERVICE_NAME;
  await new Promise((resolve) => collector.close(resolve));
});

describe("tracing started from the environment", () => {
  it("exports spans over OTLP/HTTP to the configured collector", async () => {
    expect(tracingConfigured()).toBe(true);
    const tracing = await startTracing();
    await inSpan(SPAN.syncRun, { [ATTR.trigger]: "webhook" }, async () => inSpan(SPAN.providerCall("fetchChanges"), {}, async () => undefined));
    await tracing.flush();
    expect(received).toHaveLength(1);
    const [exported] = received as [(typeof received)[number]];
    expect(exported.url).toBe("/v1/traces");
    expect(exported.headers["x-collector-key"]).toBe("test-key");
    const body = JSON.parse(exported.body) as {
      resourceSpans: Array<{
        resource: { attributes: Array<{ key: string; value: { stringValue?: string } }> };
        scopeSpans: Array<{ scope: { name: string }; spans: Array<{ name: string }> }>;
      }>;
    };
    const [resourceSpans] = body.resourceSpans;
    expect(resourceSpans!.resource.attributes).toContainEqual({ key: "service.name", value: { stringValue: "calsync-test" } });
    expect(resourceSpans!.scopeSpans.flatMap((scope) => scope.spans.map((span) => `${scope.scope.name}:${span.name}`)).sort()).toEqual([
      "calsync:provider.fetchChanges",
      "calsync:sync.run",
    ]);
  });
});
