import { GRAPH_BODY_LIMIT, readBodyLimited } from "@/lib/http/body";
import { handOff } from "@/lib/webhooks/handoff";
import { intake } from "@/lib/webhooks/intake";
import { parseGraphBatch, recordGraphBatch, validationTokenOf } from "@/lib/webhooks/microsoft";

// Microsoft Graph lifecycle notifications (reauthorizationRequired,
// subscriptionRemoved, missed). Same handshake and verification as change
// notifications; the hand-off is to the subscription lifecycle job.
export async function POST(request: Request): Promise<Response> {
  return intake(request, "microsoft", "webhooks/microsoft/lifecycle", async (context) => {
    const token = validationTokenOf(request.url);
    if (token !== null) return { status: 200, outcome: "validation", body: token, contentType: "text/plain; charset=utf-8" };

    const items = parseGraphBatch("lifecycle", await readBodyLimited(request, GRAPH_BODY_LIMIT), context);
    const recorded = await recordGraphBatch("lifecycle", items, request.headers, context);
    context.note({
      items: items.length,
      accepted: recorded.accepted,
      duplicate: recorded.duplicate,
      retired: recorded.retired,
      rejected: recorded.forged + recorded.unknown + recorded.throttled,
      jobs: recorded.handOffs.length,
    });
    await handOff(context, recorded.handOffs);
    // 202 even when nothing verified (Microsoft's advice): a forger learns nothing,
    // and Graph, had it sent the batch, would retry anything else for hours.
    return { status: 202, outcome: recorded.verified ? "recorded" : "rejected" };
  });
}
