import { errorResponse } from "@/lib/http/errors";
import { authorizeScrape, scrapeMetrics } from "@/lib/telemetry/scrape";

export const dynamic = "force-dynamic";

// Prometheus scrapes this with its own bearer token (METRICS_TOKEN), not a session:
// it is a machine's request, and the answer holds counts only, never tenant data.
export async function GET(request: Request): Promise<Response> {
  try {
    authorizeScrape(request);
    const { body, contentType } = await scrapeMetrics();
    return new Response(body, { status: 200, headers: { "Content-Type": contentType, "Cache-Control": "no-store" } });
  } catch (err) {
    const response = errorResponse(err);
    if (response.status === 401) response.headers.set("WWW-Authenticate", 'Bearer realm="metrics"');
    return response;
  }
}
