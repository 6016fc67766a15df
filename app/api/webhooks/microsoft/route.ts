import { GRAPH_BODY_LIMIT, readBodyLimited } from "@/lib/http/body";
import { handOff } from "@/lib/webhooks/handoff";
import { intake } from "@/lib/webhooks/intake";
import { parseGraphBatch, recordGraphBatch, validationTokenOf } from "@/lib/webhooks/microsoft";

// Microsoft Graph change notifications (the subscription's notificationUrl). Kept
// free of the Graph client and lib/providers (a test walks the imports).
export async function POST(request: Request): Promise<Response> {
  return intake(request, "microsoft", "webhooks/microsoft", async (context) => {
    // The handshake runs inside Graph's create-subscription call, possibly before
    // the subscription row is even written: answer it before touching anything.
    const token = validationTokenOf(request.url);
    if (token !== null) return { status: 200, outcome: "validation", body: token, contentType: "text/plain; charset=utf-8" };

    const items = parseGraphBatch("change", await readBodyLimited(request, GRAPH_BODY_LIMIT), context);
    // Committed before the answer: a 202 means every verified item is durable.
    const recorded = await recordGraphBatch("change", items, request.headers, context);
    context.note({
      items: items.length,
      accepted: recorded.accepted,
      duplicate: recorded.duplicate,
      retired: recorded.retired,
      rejected: recorded.forged + recorded.unknown + recorded.throttled,
      syncs: recorded.handOffs.length,
    });
    await handOff(context, recorded.handOffs);
    // 202 even when nothing verified (Microsoft's advice): a forger learns nothing,
    // and Graph, had it sent the batch, would retry anything else for hours.
    return { status: 202, outcome: recorded.verified ? "recorded" : "rejected" };
  });
}
