import { authorize } from "@/lib/auth/viewer";
import { apiRoute } from "@/lib/http/route";
import { organizationStream } from "@/lib/realtime/stream";
import { parseWatermarkId } from "@/lib/realtime/watermark";

// Server-sent events for the signed-in member's organization: `changed` names what
// moved ({ kind, seq }); the page refetches. The stream ends itself before
// maxDuration (lib/realtime/stream.ts) and EventSource reconnects with Last-Event-ID.

export const dynamic = "force-dynamic";
export const runtime = "nodejs";
export const maxDuration = 300;

export const GET = apiRoute("live", async (request: Request) => {
  const viewer = await authorize(request);
  // An id that is not ours is ignored (a fresh stream), never an error: browsers resend whatever they last saw.
  const since = parseWatermarkId(request.headers.get("last-event-id"));
  const body = organizationStream({ organizationId: viewer.organizationId, since, signal: request.signal });
  return new Response(body, {
    headers: {
      "Content-Type": "text/event-stream; charset=utf-8",
      // no-transform: neither `next start`'s gzip (next.config's default `compress`, which skips such answers) nor a
      // proxy may compress, and so buffer, the events; X-Accel-Buffering: nginx-style proxies pass each one at once.
      "Cache-Control": "no-cache, no-transform",
      "X-Accel-Buffering": "no",
      Connection: "keep-alive",
    },
  });
});
